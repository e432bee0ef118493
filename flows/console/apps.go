package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/internal/form"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Bounds of what an app holds and what one page lists.
const (
	maxNameLen      = 100 // characters
	maxRedirectURIs = 20
	// maxOrgApps bounds the private apps of an organization that an administrator's list
	// shows beside their own.
	maxOrgApps = 200
)

// App is an OAuth client ("app") as the console shows it. It never holds a secret: the
// secret exists only in the answer of [Console.CreateApp] and [Console.RotateSecret].
type App struct {
	// ID is the client_id.
	ID string
	// Name is shown on the consent page.
	Name string
	// Public is true for a public app (a browser or native app: no secret, PKCE, rotating
	// refresh tokens) and false for a confidential one (a server with a secret).
	Public bool
	// RedirectURIs are the registered redirect URIs, normalised.
	RedirectURIs []string
	// Scopes are the scopes the app may ask for.
	Scopes []string
	// OrganizationID, when set, is the organization the app is private to: only its
	// accounts may use it, and they are not asked for consent.
	OrganizationID string
	// AllowImplicit lets the app use the implicit grant (response_type=token).
	AllowImplicit bool
	// OwnerID is the account that registered the app.
	OwnerID string
	// CreatedAt and UpdatedAt are when the app was registered and last changed.
	CreatedAt, UpdatedAt time.Time
	// PreviousSecretExpiresAt, when not zero, is when the secret the app had before its
	// last rotation stops working.
	PreviousSecretExpiresAt time.Time
}

// Private reports whether the app is private to an organization.
func (a App) Private() bool { return a.OrganizationID != "" }

func appOf(c store.Client, now time.Time) App {
	a := App{
		ID: c.ID, Name: c.Name, Public: c.Public, RedirectURIs: slices.Clone(c.RedirectURIs),
		Scopes: slices.Clone(c.Scopes), OrganizationID: c.OrganizationID, AllowImplicit: c.AllowImplicit,
		OwnerID: c.OwnerID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if now.Before(c.PreviousSecretExpiresAt) && !c.PreviousSecretHash.IsZero() {
		a.PreviousSecretExpiresAt = c.PreviousSecretExpiresAt
	}
	return a
}

// AppSpec describes an app for [Console.CreateApp].
type AppSpec struct {
	// Name is shown on the consent page: 1 to 100 characters of plain text.
	Name string
	// RedirectURIs are where the app may receive codes and tokens, at least one and at
	// most 20, each valid for package redirecturi; they are stored normalised (scheme and
	// host in lower case), each once.
	RedirectURIs []string
	// Scopes are the scopes the app may ask for, at least one, each declared in the
	// server's catalog; flows.PersonalTokensScope is not for console apps.
	// Administrator-only scopes may be listed: only administrators can grant them.
	Scopes []string
	// Public makes a public app (no secret); otherwise the app is confidential.
	Public bool
	// Private makes the app private to the organization of the account creating it: only
	// its accounts may use it, without being asked for consent. Only administrators may
	// create private apps, since such an app gets access without anyone being asked.
	Private bool
	// AllowImplicit lets the app use the implicit grant, which OAuth 2.1 removes: only for
	// old browser apps that cannot do the code flow.
	AllowImplicit bool
}

// mayUse refuses an account that holds no role that may sign in.
func (c *Console) mayUse(as store.Account) error {
	if as.ID == "" || !c.srv.MaySignIn(as) {
		return ErrForbidden
	}
	return nil
}

// mayManage reports whether as manages the app: it registered it, or it administers the
// organization the app is private to.
func (c *Console) mayManage(as store.Account, cl store.Client) bool {
	return (cl.OwnerID != "" && cl.OwnerID == as.ID) ||
		(c.isAdmin(as) && cl.OrganizationID == as.OrganizationID)
}

// CreateApp registers an app described by spec, owned by as, and returns it with its
// secret (for a confidential app; "" for a public one). The secret exists only in this
// answer: show it to the person once. A spec that is not valid is a *ValidationError
// naming each field's problem; an account that may not sign in, ErrForbidden.
func (c *Console) CreateApp(ctx context.Context, as store.Account, spec AppSpec) (App, string, error) {
	if err := c.mayUse(as); err != nil {
		return App{}, "", err
	}
	var p problems
	name := checkName(&p, spec.Name)
	uris := checkRedirectURIs(&p, spec.RedirectURIs)
	want := c.checkAppScopes(&p, spec.Scopes)
	if spec.Private && !c.isAdmin(as) {
		p.add("private", "Only an administrator of your organization can make an app private to it.")
	}
	if err := p.err(); err != nil {
		return App{}, "", err
	}
	owned, err := c.store.ClientsByOwner(ctx, as.ID, "", c.cfg.MaxApps)
	if err != nil {
		return App{}, "", fmt.Errorf("console: listing the apps of %s: %w", as.ID, err)
	}
	if len(owned) >= c.cfg.MaxApps {
		p.add("", fmt.Sprintf("You already have %d apps, the most one account may have. Delete one first.", c.cfg.MaxApps))
		return App{}, "", p.err()
	}
	fs := flows.ClientSpec{Name: name, Public: spec.Public, RedirectURIs: uris, Scopes: want.Names(), AllowImplicit: spec.AllowImplicit}
	if spec.Private {
		fs.OrganizationID = as.OrganizationID
	}
	cl, secret, err := c.srv.NewClient(fs)
	if err != nil {
		return App{}, "", fmt.Errorf("console: a checked app spec was refused: %w", err)
	}
	cl.OwnerID = as.ID
	if err := c.store.PutClient(ctx, cl); err != nil {
		return App{}, "", fmt.Errorf("console: storing an app: %w", err)
	}
	c.log.InfoContext(ctx, "oauthkit: console: app registered", "client_id", cl.ID, "account_id", as.ID)
	return appOf(cl, c.now()), secret, nil
}

// checkName returns the trimmed app name, or records why it is not valid.
func checkName(p *problems, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		p.add("name", "Enter a name for the app.")
	case form.CheckText(name) != nil:
		p.add("name", "The name must be plain text, without control characters.")
	case utf8.RuneCountInString(name) > maxNameLen:
		p.add("name", fmt.Sprintf("The name must be at most %d characters.", maxNameLen))
	}
	return name
}

// checkAppScopes returns the scopes an app asks for, or records why they are not valid.
func (c *Console) checkAppScopes(p *problems, names []string) scopes.Set {
	want := scopes.New()
	for _, n := range names {
		if !scopes.ValidName(n) {
			p.add("scopes", "Choose scopes from the list.")
			return want
		}
		want = want.Union(scopes.New(n))
	}
	switch {
	case want.IsEmpty():
		p.add("scopes", "Choose at least one scope.")
	case len(c.catalog.Unknown(want)) > 0, want.Has(flows.PersonalTokensScope):
		p.add("scopes", "Choose scopes from the list.")
	}
	return want
}

// Apps returns the apps as manages: those it registered and, for an administrator, the
// apps private to its organization (at most 200 of those), by name.
func (c *Console) Apps(ctx context.Context, as store.Account) ([]App, error) {
	if err := c.mayUse(as); err != nil {
		return nil, err
	}
	owned, err := c.store.ClientsByOwner(ctx, as.ID, "", c.cfg.MaxApps)
	if err != nil {
		return nil, fmt.Errorf("console: listing the apps of %s: %w", as.ID, err)
	}
	if c.isAdmin(as) {
		org, err := c.store.ClientsByOrganization(ctx, as.OrganizationID, "", maxOrgApps)
		if err != nil {
			return nil, fmt.Errorf("console: listing the apps of organization %s: %w", as.OrganizationID, err)
		}
		for _, cl := range org {
			if !slices.ContainsFunc(owned, func(o store.Client) bool { return o.ID == cl.ID }) {
				owned = append(owned, cl)
			}
		}
	}
	now := c.now()
	apps := make([]App, len(owned))
	for i, cl := range owned {
		apps[i] = appOf(cl, now)
	}
	slices.SortFunc(apps, func(a, b App) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return apps, nil
}

// App returns the app with id, when as manages it; ErrNotFound otherwise.
func (c *Console) App(ctx context.Context, as store.Account, id string) (App, error) {
	cl, err := c.managed(ctx, as, id)
	if err != nil {
		return App{}, err
	}
	return appOf(cl, c.now()), nil
}

// managed returns the client with id, when as manages it.
func (c *Console) managed(ctx context.Context, as store.Account, id string) (store.Client, error) {
	if err := c.mayUse(as); err != nil {
		return store.Client{}, err
	}
	if id == "" || form.CheckText(id) != nil {
		return store.Client{}, ErrNotFound
	}
	cl, err := c.store.Client(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Client{}, ErrNotFound
	case err != nil:
		return store.Client{}, fmt.Errorf("console: reading app %s: %w", id, err)
	case !c.mayManage(as, cl):
		return store.Client{}, ErrNotFound
	}
	return cl, nil
}

// RotateSecret gives the confidential app id a new secret and returns the app with it; the
// secret exists only in this answer. The previous secret keeps working for
// Config.SecretOverlap (App.PreviousSecretExpiresAt), or stops at once without one. A
// public app has no secret: *ValidationError. ErrNotFound unless as manages the app.
func (c *Console) RotateSecret(ctx context.Context, as store.Account, id string) (App, string, error) {
	cl, err := c.managed(ctx, as, id)
	if err != nil {
		return App{}, "", err
	}
	if cl.Public {
		return App{}, "", &ValidationError{Fields: []FieldError{{"", "A public app has no secret to rotate."}}}
	}
	now := c.now()
	secret := credentials.NewClientSecret()
	cl.PreviousSecretHash, cl.PreviousSecretExpiresAt = store.Hash{}, time.Time{}
	if c.cfg.SecretOverlap > 0 {
		cl.PreviousSecretHash, cl.PreviousSecretExpiresAt = cl.SecretHash, now.Add(c.cfg.SecretOverlap)
	}
	cl.SecretHash = c.hasher.Hash(secret)
	cl.UpdatedAt = now
	if err := c.store.PutClient(ctx, cl); err != nil {
		return App{}, "", fmt.Errorf("console: storing app %s: %w", id, err)
	}
	c.log.InfoContext(ctx, "oauthkit: console: app secret rotated", "client_id", id, "account_id", as.ID,
		"overlap", c.cfg.SecretOverlap)
	return appOf(cl, now), secret, nil
}

// DeleteApp deletes the app id and revokes every token issued to it, for every account,
// and its pending authorization codes. ErrNotFound unless as manages the app.
func (c *Console) DeleteApp(ctx context.Context, as store.Account, id string) error {
	if _, err := c.managed(ctx, as, id); err != nil {
		return err
	}
	// The client first, so that no new code or token is issued to it while its tokens go.
	if err := c.store.DeleteClient(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("console: deleting app %s: %w", id, err)
	}
	n, err := c.store.RevokeClientTokens(ctx, id, "")
	if err != nil {
		return fmt.Errorf("console: revoking the tokens of app %s: %w", id, err)
	}
	c.log.InfoContext(ctx, "oauthkit: console: app deleted", "client_id", id, "account_id", as.ID, "tokens_revoked", n)
	return nil
}
