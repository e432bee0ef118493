package console

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// Personal access tokens, through the server's own methods (flows.Server.CreatePersonalToken
// and the others), for the account acting only.

// PersonalTokenScopes returns the scopes as may give a personal access token: the catalog's,
// in its order, without the administrator-only ones unless as is an administrator, and
// never flows.PersonalTokensScope.
func (c *Console) PersonalTokenScopes(as store.Account) []scopes.Scope {
	var out []scopes.Scope
	for _, sc := range c.catalog.Scopes() {
		if sc.Name == flows.PersonalTokensScope || (sc.AdminOnly && !as.HasRole(c.adminRole)) {
			continue
		}
		out = append(out, sc)
	}
	return out
}

// PersonalTokens lists the live personal access tokens of as, oldest first, without their
// secrets. flows.PersonalToken has no time of last use: the server does not record it.
func (c *Console) PersonalTokens(ctx context.Context, as store.Account) ([]flows.PersonalToken, error) {
	if err := c.mayUse(as); err != nil {
		return nil, err
	}
	return c.srv.PersonalTokens(ctx, as.ID)
}

// CreatePersonalToken makes a personal access token for as, with a name (1 to 100
// characters of plain text) and scopes within its rights (see PersonalTokenScopes), and
// returns it with its secret in Token: the only time the secret exists outside the
// caller. A request that is not valid is a *ValidationError naming the field ("name",
// "scopes"); so is an account that has the most tokens it may have.
func (c *Console) CreatePersonalToken(ctx context.Context, as store.Account, name string, names []string) (flows.PersonalToken, error) {
	if err := c.mayUse(as); err != nil {
		return flows.PersonalToken{}, err
	}
	var p problems
	name = checkName(&p, name)
	allowed := scopes.New()
	for _, sc := range c.PersonalTokenScopes(as) {
		allowed = allowed.Union(scopes.New(sc.Name))
	}
	want := scopes.New()
	for _, n := range names {
		if !scopes.ValidName(n) || !allowed.Has(n) {
			p.add("scopes", "Choose scopes from the list.")
			break
		}
		want = want.Union(scopes.New(n))
	}
	if len(p) == 0 && want.IsEmpty() {
		p.add("scopes", "Choose at least one scope.")
	}
	if err := p.err(); err != nil {
		return flows.PersonalToken{}, err
	}
	pt, err := c.srv.CreatePersonalToken(ctx, as.ID, name, want)
	var fe *flows.Error
	switch {
	case err == nil:
		c.log.InfoContext(ctx, "oauthkit: console: personal access token created", "token_id", pt.ID, "account_id", as.ID)
		return pt, nil
	case errors.As(err, &fe) && fe.Code == flows.ErrInvalidScope:
		p.add("scopes", "Your account may not give a token these scopes.")
	case errors.As(err, &fe) && fe.Code == flows.ErrAccessDenied:
		return flows.PersonalToken{}, ErrForbidden
	case errors.As(err, &fe) && fe.Code == flows.ErrInvalidRequest && strings.Contains(fe.Description, "personal access tokens"):
		p.add("", "You have the most personal access tokens an account may have. Revoke one first.")
	default:
		return flows.PersonalToken{}, fmt.Errorf("console: creating a personal access token: %w", err)
	}
	return flows.PersonalToken{}, p.err()
}

// RevokePersonalToken revokes the personal access token id of as. ErrNotFound when as has
// no such live token.
func (c *Console) RevokePersonalToken(ctx context.Context, as store.Account, id string) error {
	if err := c.mayUse(as); err != nil {
		return err
	}
	err := c.srv.RevokePersonalToken(ctx, as.ID, id)
	if errors.Is(err, flows.ErrPersonalTokenNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("console: revoking a personal access token: %w", err)
	}
	c.log.InfoContext(ctx, "oauthkit: console: personal access token revoked", "token_id", id, "account_id", as.ID)
	return nil
}

// personalToken returns the live personal access token id of as, for its confirmation
// page.
func (c *Console) personalToken(ctx context.Context, as store.Account, id string) (flows.PersonalToken, error) {
	list, err := c.PersonalTokens(ctx, as)
	if err != nil {
		return flows.PersonalToken{}, err
	}
	for _, pt := range list {
		if pt.ID == id {
			return pt, nil
		}
	}
	return flows.PersonalToken{}, ErrNotFound
}
