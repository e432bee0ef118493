package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/flows/internal/form"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// Bounds of the connected-app lists.
const (
	// maxConnections bounds the remembered grants listed for one account.
	maxConnections = 200
	// orgPageSize is how many accounts one page of the organization's list shows.
	orgPageSize = 20
)

// Connection is an app that an account has given access to: a remembered consent, live
// tokens, or both (a private app of the account's organization gets tokens without
// consent).
type Connection struct {
	// AccountID is the account that gave access.
	AccountID string
	// ClientID and AppName are the app's.
	ClientID, AppName string
	// Scopes are what the app may do: the scopes consented to and those its live tokens
	// hold.
	Scopes []string
	// GrantedAt is when access was given: the consent, or the first grant of the live
	// tokens.
	GrantedAt time.Time
	// Remembered is true while the consent is remembered: the app is not asked again.
	Remembered bool
	// Tokens is how many live access and refresh tokens the app holds.
	Tokens int
	// Private is true for an app private to the account's organization: it gets access
	// without asking, so removing its access does not stop it from getting access again.
	Private bool
}

// AccountConnections are the connections of one account of an organization.
type AccountConnections struct {
	// AccountID and Login are the account's.
	AccountID, Login string
	// Connections are its connected apps, by name.
	Connections []Connection
}

// OrganizationPage is one page of an organization's accounts with their connected apps.
type OrganizationPage struct {
	// Accounts are at most 20 accounts, by ID.
	Accounts []AccountConnections
	// Next, when not empty, is the after argument of the next page.
	Next string
}

// viewable returns the account accountID when as may see and remove its connections: it is
// as itself, or an account of the organization as administers. ErrNotFound otherwise.
func (c *Console) viewable(ctx context.Context, as store.Account, accountID string) (store.Account, error) {
	if err := c.mayUse(as); err != nil {
		return store.Account{}, err
	}
	if accountID == as.ID {
		return as, nil
	}
	if !c.isAdmin(as) || accountID == "" || form.CheckText(accountID) != nil {
		return store.Account{}, ErrNotFound
	}
	acct, err := c.store.Account(ctx, accountID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Account{}, ErrNotFound
	case err != nil:
		return store.Account{}, fmt.Errorf("console: reading account %s: %w", accountID, err)
	case acct.OrganizationID != as.OrganizationID:
		return store.Account{}, ErrNotFound
	}
	return acct, nil
}

// ConnectedApps returns the apps the account accountID has given access to, by name: as's
// own, or, for an administrator, those of an account of its organization (ErrNotFound for
// any other account).
func (c *Console) ConnectedApps(ctx context.Context, as store.Account, accountID string) ([]Connection, error) {
	acct, err := c.viewable(ctx, as, accountID)
	if err != nil {
		return nil, err
	}
	return c.connections(ctx, acct.ID, acct.OrganizationID)
}

// connections are the connected apps of the account accountID of organization orgID.
func (c *Console) connections(ctx context.Context, accountID, orgID string) ([]Connection, error) {
	grants, err := c.store.AccountGrants(ctx, accountID, "", maxConnections)
	if err != nil {
		return nil, fmt.Errorf("console: listing the grants of %s: %w", accountID, err)
	}
	toks, err := c.store.AccountTokens(ctx, accountID, "", c.now())
	if err != nil {
		return nil, fmt.Errorf("console: listing the tokens of %s: %w", accountID, err)
	}
	type entry struct {
		Connection
		held scopes.Set
	}
	byClient := map[string]*entry{}
	get := func(id string) *entry {
		e := byClient[id]
		if e == nil {
			e = &entry{Connection: Connection{AccountID: accountID, ClientID: id}}
			byClient[id] = e
		}
		return e
	}
	for _, g := range grants {
		e := get(g.ClientID)
		e.Remembered, e.GrantedAt = true, g.CreatedAt
		e.held = e.held.Union(scopes.New(g.Scopes...))
	}
	for _, t := range toks {
		if (t.Kind != store.KindAccess && t.Kind != store.KindRefresh) || t.ClientID == "" {
			continue
		}
		e := get(t.ClientID)
		e.Tokens++
		e.held = e.held.Union(scopes.New(t.Scopes...))
		at := t.GrantedAt
		if at.IsZero() {
			at = t.IssuedAt
		}
		if !e.Remembered && (e.GrantedAt.IsZero() || at.Before(e.GrantedAt)) {
			e.GrantedAt = at
		}
	}
	out := make([]Connection, 0, len(byClient))
	for id, e := range byClient {
		cl, err := c.store.Client(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound) && e.Tokens == 0:
			continue // the consent of a deleted app: nothing left to remove
		case errors.Is(err, store.ErrNotFound):
			e.AppName = id
		case err != nil:
			return nil, fmt.Errorf("console: reading app %s: %w", id, err)
		default:
			e.AppName = cmp.Or(cl.Name, cl.ID)
			e.Private = cl.OrganizationID != "" && cl.OrganizationID == orgID
		}
		e.Scopes = e.held.Names()
		out = append(out, e.Connection)
	}
	slices.SortFunc(out, func(a, b Connection) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.AppName), strings.ToLower(b.AppName)), cmp.Compare(a.ClientID, b.ClientID))
	})
	return out, nil
}

// RemoveAccess withdraws the access the account accountID gave the app clientID: it
// forgets the consent (the app must ask again) and revokes every token of that account
// and app, with the customer tokens minted with them and any pending authorization code.
// as removes its own connections, or, as an administrator, those of its organization's
// accounts (ErrNotFound for any other account). Removing what is not there is not an
// error.
func (c *Console) RemoveAccess(ctx context.Context, as store.Account, accountID, clientID string) error {
	acct, err := c.viewable(ctx, as, accountID)
	if err != nil {
		return err
	}
	if clientID == "" || form.CheckText(clientID) != nil {
		return ErrNotFound
	}
	if err := c.store.DeleteGrant(ctx, acct.ID, clientID); err != nil {
		return fmt.Errorf("console: deleting the grant of %s to %s: %w", acct.ID, clientID, err)
	}
	n, err := c.store.RevokeClientTokens(ctx, clientID, acct.ID)
	if err != nil {
		return fmt.Errorf("console: revoking the tokens of %s for %s: %w", acct.ID, clientID, err)
	}
	c.log.InfoContext(ctx, "oauthkit: console: access removed", "client_id", clientID, "account_id", acct.ID,
		"by", as.ID, "tokens_revoked", n)
	return nil
}

// OrganizationConnections returns a page of the accounts of as's organization with their
// connected apps, for an administrator (ErrForbidden for anyone else): at most 20
// accounts, by ID, after the account ID after ("" for the first page).
func (c *Console) OrganizationConnections(ctx context.Context, as store.Account, after string) (OrganizationPage, error) {
	if err := c.mayUse(as); err != nil {
		return OrganizationPage{}, err
	}
	if !c.isAdmin(as) {
		return OrganizationPage{}, ErrForbidden
	}
	accts, err := c.store.OrganizationAccounts(ctx, as.OrganizationID, after, orgPageSize+1)
	if err != nil {
		return OrganizationPage{}, fmt.Errorf("console: listing the accounts of %s: %w", as.OrganizationID, err)
	}
	var page OrganizationPage
	if len(accts) > orgPageSize {
		accts = accts[:orgPageSize]
		page.Next = accts[len(accts)-1].ID
	}
	for _, a := range accts {
		conns, err := c.connections(ctx, a.ID, a.OrganizationID)
		if err != nil {
			return OrganizationPage{}, err
		}
		page.Accounts = append(page.Accounts, AccountConnections{AccountID: a.ID, Login: a.Login, Connections: conns})
	}
	return page, nil
}
