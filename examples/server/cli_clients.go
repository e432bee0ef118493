package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/console"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// The commands on apps (clients create, list, rotate-secret, delete). They act as an
// account through the developer console's methods, so they follow its rules: an app has
// an owner, who manages it, as an administrator manages the apps private to its
// organization.

// appJSON is an app in the commands' JSON, with the field names of RFC 7591.
type appJSON struct {
	ClientID                string     `json:"client_id"`
	ClientSecret            string     `json:"client_secret,omitempty"`
	Name                    string     `json:"client_name"`
	Type                    string     `json:"client_type"` // "confidential" or "public"
	RedirectURIs            []string   `json:"redirect_uris"`
	Scopes                  []string   `json:"scopes"`
	OrganizationID          string     `json:"organization_id,omitempty"`
	OwnerID                 string     `json:"owner_id,omitempty"`
	AllowImplicit           bool       `json:"allow_implicit"`
	CreatedAt               time.Time  `json:"created_at"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
}

func appOut(a console.App, secret string) appJSON {
	j := appJSON{
		ClientID: a.ID, ClientSecret: secret, Name: a.Name, Type: appType(a), RedirectURIs: a.RedirectURIs,
		Scopes: a.Scopes, OrganizationID: a.OrganizationID, OwnerID: a.OwnerID, AllowImplicit: a.AllowImplicit,
		CreatedAt: a.CreatedAt,
	}
	if !a.PreviousSecretExpiresAt.IsZero() {
		t := a.PreviousSecretExpiresAt
		j.PreviousSecretExpiresAt = &t
	}
	return j
}

func appType(a console.App) string {
	if a.Public {
		return "public"
	}
	return "confidential"
}

func (c *cli) clientsCreate(args []string) error {
	fs := c.flags()
	sf := storageFlags(fs)
	as := fs.String("as", "", "the account that registers and owns the app: its login (email) or ID (required)")
	name := fs.String("name", "", "the app's name, shown on the consent page (required)")
	uris := &listFlag{split: console.SplitRedirectURIs}
	fs.Var(uris, "redirect-uri", "a redirect URI of the app; repeat the flag, or separate them by commas (at least one)")
	scopeList := fs.String("scopes", "", "the scopes the app may ask for, separated by commas or spaces (at least one)")
	public := fs.Bool("public", false, "a public app (a browser or native app: no secret, PKCE); default confidential, with a secret")
	private := fs.Bool("private", false, "private to the organization of -as, which must be an administrator: its accounts are not asked for consent")
	implicit := fs.Bool("implicit", false, "allow the implicit grant (response_type=token), for old browser apps only")
	asJSON := fs.Bool("json", false, "print the app as JSON (with client_secret)")
	if _, err := c.parse(fs, args, 0); err != nil {
		return err
	}
	if *as == "" {
		return usagef("-as is required: the login or ID of the account that owns the app")
	}
	want, err := scopes.Parse(*scopeList)
	if err != nil {
		return usagef("-scopes: %v", err)
	}
	op, err := c.operator(sf, 0)
	if err != nil {
		return err
	}
	defer op.close()
	acct, err := c.account(op, *as)
	if err != nil {
		return err
	}
	app, secret, err := op.con.CreateApp(c.ctx, acct, console.AppSpec{
		Name: *name, RedirectURIs: uris.vals, Scopes: want.Names(), Public: *public, Private: *private, AllowImplicit: *implicit,
	})
	if err != nil {
		return c.consoleError(err, op, acct, "")
	}
	if *asJSON {
		return c.printJSON(appOut(app, secret))
	}
	fmt.Fprintf(c.stdout, "client_id:     %s\n", app.ID)
	if secret != "" {
		fmt.Fprintf(c.stdout, "client_secret: %s\n", secret)
		c.note("Registered the confidential app %q, owned by %s. Keep its secret now: it is shown only this once.", app.Name, acct.Login)
	} else {
		c.note("Registered the public app %q, owned by %s. It has no secret: it proves itself with PKCE.", app.Name, acct.Login)
	}
	return nil
}

func (c *cli) clientsList(args []string) error {
	fs := c.flags()
	sf := storageFlags(fs)
	as := fs.String("as", "", "the account whose apps to list, as its console lists them: its login or ID (required)")
	asJSON := fs.Bool("json", false, "print the apps as a JSON array")
	if _, err := c.parse(fs, args, 0); err != nil {
		return err
	}
	if *as == "" {
		return usagef("-as is required: the login or ID of the account whose apps to list")
	}
	op, err := c.operator(sf, 0)
	if err != nil {
		return err
	}
	defer op.close()
	acct, err := c.account(op, *as)
	if err != nil {
		return err
	}
	apps, err := op.con.Apps(c.ctx, acct)
	if err != nil {
		return c.consoleError(err, op, acct, "")
	}
	if *asJSON {
		out := make([]appJSON, len(apps))
		for i, a := range apps {
			out[i] = appOut(a, "")
		}
		return c.printJSON(out)
	}
	if len(apps) == 0 {
		c.note("%s manages no apps.", acct.Login)
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT_ID\tTYPE\tPRIVATE\tNAME")
	for _, a := range apps {
		private := "-"
		if a.Private() {
			private = a.OrganizationID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, appType(a), private, a.Name)
	}
	return tw.Flush()
}

func (c *cli) clientsRotate(args []string) error {
	fs := c.flags()
	sf := storageFlags(fs)
	as := fs.String("as", "", "the account acting, which must manage the app (default: the app's owner)")
	overlap := fs.Duration("overlap", 0, "how long the previous secret keeps working, so deployments can switch one at a time (default: it stops at once)")
	asJSON := fs.Bool("json", false, "print the app as JSON (with client_secret)")
	pos, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *overlap < 0 {
		return usagef("-overlap must not be negative")
	}
	op, err := c.operator(sf, *overlap)
	if err != nil {
		return err
	}
	defer op.close()
	acct, err := c.actingOn(op, *as, pos[0])
	if err != nil {
		return err
	}
	app, secret, err := op.con.RotateSecret(c.ctx, acct, pos[0])
	if err != nil {
		return c.consoleError(err, op, acct, pos[0])
	}
	if *asJSON {
		return c.printJSON(appOut(app, secret))
	}
	fmt.Fprintf(c.stdout, "client_secret: %s\n", secret)
	if app.PreviousSecretExpiresAt.IsZero() {
		c.note("Rotated the secret of %s; the previous one no longer works. Keep the new one now: it is shown only this once.", app.ID)
	} else {
		c.note("Rotated the secret of %s; the previous one works until %s. Keep the new one now: it is shown only this once.",
			app.ID, app.PreviousSecretExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func (c *cli) clientsDelete(args []string) error {
	fs := c.flags()
	sf := storageFlags(fs)
	as := fs.String("as", "", "the account acting, which must manage the app (default: the app's owner)")
	pos, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	op, err := c.operator(sf, 0)
	if err != nil {
		return err
	}
	defer op.close()
	acct, err := c.actingOn(op, *as, pos[0])
	if err != nil {
		return err
	}
	if err := op.con.DeleteApp(c.ctx, acct, pos[0]); err != nil {
		return c.consoleError(err, op, acct, pos[0])
	}
	c.note("Deleted the app %s and revoked every token issued to it.", pos[0])
	return nil
}

// account returns the account named by who: a login (email) or an account ID.
func (c *cli) account(op *operator, who string) (store.Account, error) {
	a, err := op.st.AccountByLogin(c.ctx, strings.ToLower(who))
	if errors.Is(err, store.ErrNotFound) {
		a, err = op.st.Account(c.ctx, who)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, fmt.Errorf("no account %q (-as takes a login or an account ID)", who)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("reading the account %q: %w", who, err)
	}
	return a, nil
}

// actingOn returns the account that acts on the app clientID: the one who names, or, when
// who is empty, the app's owner.
func (c *cli) actingOn(op *operator, who, clientID string) (store.Account, error) {
	if who != "" {
		return c.account(op, who)
	}
	cl, err := op.st.Client(c.ctx, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Account{}, fmt.Errorf("no app %q", clientID)
	case err != nil:
		return store.Account{}, fmt.Errorf("reading the app %q: %w", clientID, err)
	case cl.OwnerID == "" && cl.OrganizationID != "":
		return store.Account{}, fmt.Errorf("the app %q has no owner: name an administrator of %s with -as", clientID, cl.OrganizationID)
	case cl.OwnerID == "":
		return store.Account{}, fmt.Errorf("the app %q has no owner: it was registered neither in the console nor by this tool, so neither manages it (it comes from the server's config)", clientID)
	}
	a, err := op.st.Account(c.ctx, cl.OwnerID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, fmt.Errorf("the owner of the app %q, account %s, no longer exists: name an account that manages it with -as", clientID, cl.OwnerID)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("reading the account %s: %w", cl.OwnerID, err)
	}
	return a, nil
}

// flagOfField names the flag of each field of a console.ValidationError.
var flagOfField = map[string]string{
	"name": "-name", "redirect_uris": "-redirect-uri", "scopes": "-scopes", "type": "-public",
	"private": "-private", "implicit": "-implicit",
}

// consoleError turns an error of a console method into the command's: a request refused
// for what a flag says is a usage error naming the flags, with the scopes the account may
// choose from when they were the problem; one refused as a whole (a limit reached, a
// public app's secret) is a failure.
func (c *cli) consoleError(err error, op *operator, acct store.Account, clientID string) error {
	var ve *console.ValidationError
	switch {
	case errors.As(err, &ve):
		ue := &usageError{}
		for _, f := range ve.Fields {
			if fl := flagOfField[f.Field]; fl != "" {
				ue.lines = append(ue.lines, fl+": "+f.Message)
			} else {
				ue.lines = append(ue.lines, f.Message)
			}
		}
		if !slices.ContainsFunc(ve.Fields, func(f console.FieldError) bool { return f.Field != "" }) {
			return errors.New(strings.Join(ue.lines, " "))
		}
		if ve.Message("scopes") != "" {
			ue.lines = append(ue.lines, "scopes to choose from: "+strings.Join(c.scopeChoices(op, acct), ", "))
		}
		return ue
	case errors.Is(err, console.ErrNotFound) && clientID != "":
		return fmt.Errorf("no app %q that %s manages", clientID, acct.Login)
	case errors.Is(err, console.ErrForbidden):
		return fmt.Errorf("%s may not do this: it holds no role that may sign in", acct.Login)
	}
	return err
}

// scopeChoices are the scopes the command's -scopes may name: an app's (the catalog's but
// the personal-token scope) for clients create, a personal access token's (within the
// account's rights) for tokens create-pat.
func (c *cli) scopeChoices(op *operator, acct store.Account) []string {
	var names []string
	if c.cmd.name == "clients create" {
		for _, sc := range op.cat.Scopes() {
			if sc.Name != flows.PersonalTokensScope {
				names = append(names, sc.Name)
			}
		}
		return names
	}
	for _, sc := range op.con.PersonalTokenScopes(acct) {
		names = append(names, sc.Name)
	}
	return names
}
