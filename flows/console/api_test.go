package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows/console"
	"github.com/oauthkit/oauthkit/store"
)

// The Go API of the console checks who may do what itself, whoever calls it.

var webApp = console.AppSpec{
	Name:         "Web app",
	RedirectURIs: []string{"https://app.example/cb"},
	Scopes:       []string{"chats--my:ro"},
}

func createApp(t *testing.T, e *env, as string, spec console.AppSpec) (console.App, string) {
	t.Helper()
	app, secret, err := e.console.CreateApp(context.Background(), e.acct(as), spec)
	if err != nil {
		t.Fatalf("CreateApp as %s: %v", as, err)
	}
	return app, secret
}

// TestCreateAppStoresWhatItShows: the record stored is the app returned, owned by its
// creator, with redirect URIs normalised and only the keyed hash of the secret, which
// authenticates the client at the token endpoint.
func TestCreateAppStoresWhatItShows(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	spec := webApp
	spec.RedirectURIs = []string{"HTTPS://App.Example/cb", " https://app.example/cb ", "My.App:/Callback", "http://127.0.0.1:8080/Cb"}
	app, secret := createApp(t, e, aliceID, spec)
	if want := []string{"https://app.example/cb", "my.app:/Callback", "http://127.0.0.1:8080/Cb"}; !slices.Equal(app.RedirectURIs, want) {
		t.Errorf("RedirectURIs = %q, want %q (normalised, each once)", app.RedirectURIs, want)
	}
	c, err := e.store.Client(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.OwnerID != aliceID || c.OrganizationID != "" || c.Public || !slices.Equal(c.RedirectURIs, app.RedirectURIs) {
		t.Errorf("stored client = %+v", c)
	}
	if len(secret) < 43 || !e.hasher.Equal(secret, c.SecretHash) {
		t.Errorf("the secret (%d characters) is not what the stored hash is of", len(secret))
	}
	if !e.clientAuthenticates(app.ID, secret) {
		t.Error("the new app's secret does not authenticate it")
	}
	pub, secret := createApp(t, e, aliceID, console.AppSpec{Name: "SPA", RedirectURIs: []string{"http://127.0.0.1/cb"}, Scopes: []string{"chats--my:ro"}, Public: true, AllowImplicit: true})
	if secret != "" || !pub.Public || !pub.AllowImplicit {
		t.Errorf("public app = %+v with secret %q", pub, secret)
	}
}

// TestCreateAppValidation: each field's problem is reported against that field, and
// nothing is stored.
func TestCreateAppValidation(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	for _, tc := range []struct {
		name  string
		as    string
		spec  console.AppSpec
		field string
	}{
		{"no name", aliceID, console.AppSpec{RedirectURIs: webApp.RedirectURIs, Scopes: webApp.Scopes}, "name"},
		{"control character in name", aliceID, console.AppSpec{Name: "a\x07b", RedirectURIs: webApp.RedirectURIs, Scopes: webApp.Scopes}, "name"},
		{"long name", aliceID, console.AppSpec{Name: strings.Repeat("é", 101), RedirectURIs: webApp.RedirectURIs, Scopes: webApp.Scopes}, "name"},
		{"no redirect URI", aliceID, console.AppSpec{Name: "x", Scopes: webApp.Scopes}, "redirect_uris"},
		{"redirect URI with query", aliceID, console.AppSpec{Name: "x", RedirectURIs: []string{"https://a.example/cb?x=1"}, Scopes: webApp.Scopes}, "redirect_uris"},
		{"redirect URI with traversal", aliceID, console.AppSpec{Name: "x", RedirectURIs: []string{"https://a.example/cb/../x"}, Scopes: webApp.Scopes}, "redirect_uris"},
		{"javascript redirect URI", aliceID, console.AppSpec{Name: "x", RedirectURIs: []string{"javascript:alert(1)"}, Scopes: webApp.Scopes}, "redirect_uris"},
		{"no scope", aliceID, console.AppSpec{Name: "x", RedirectURIs: webApp.RedirectURIs}, "scopes"},
		{"unknown scope", aliceID, console.AppSpec{Name: "x", RedirectURIs: webApp.RedirectURIs, Scopes: []string{"nope:rw"}}, "scopes"},
		{"the personal tokens scope", aliceID, console.AppSpec{Name: "x", RedirectURIs: webApp.RedirectURIs, Scopes: []string{"personal_tokens:manage"}}, "scopes"},
		{"private, by an agent", aliceID, console.AppSpec{Name: "x", RedirectURIs: webApp.RedirectURIs, Scopes: webApp.Scopes, Private: true}, "private"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.console.CreateApp(context.Background(), e.acct(tc.as), tc.spec)
			var invalid *console.ValidationError
			if !errors.As(err, &invalid) || invalid.Message(tc.field) == "" {
				t.Fatalf("err = %v, want a *ValidationError about %s", err, tc.field)
			}
			if strings.Contains(invalid.Error(), "a.example") {
				t.Errorf("the message echoes the URI: %v", invalid)
			}
		})
	}
	if apps, err := e.console.Apps(context.Background(), e.acct(aliceID)); err != nil || len(apps) != 0 {
		t.Errorf("refused specs stored %d apps (%v)", len(apps), err)
	}
	if _, _, err := e.console.CreateApp(context.Background(), e.acct(muteID), webApp); !errors.Is(err, console.ErrForbidden) {
		t.Errorf("an account without a sign-in role: err = %v, want ErrForbidden", err)
	}
}

// TestAppsWhoManages: an app is managed by its owner and, when private to an
// organization, by that organization's administrators; nobody else sees it.
func TestAppsWhoManages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, options{ownAuth: true})
	mine, _ := createApp(t, e, aliceID, webApp)
	privateSpec := webApp
	privateSpec.Name, privateSpec.Private = "Internal tool", true
	private, _ := createApp(t, e, rootID, privateSpec)
	if private.OrganizationID != orgA {
		t.Fatalf("private app of root: OrganizationID = %q", private.OrganizationID)
	}
	ids := func(as string) []string {
		apps, err := e.console.Apps(ctx, e.acct(as))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range apps {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(aliceID); !slices.Equal(got, []string{mine.ID}) {
		t.Errorf("alice's apps = %v, want only hers", got)
	}
	if got := ids(rootID); !slices.Equal(got, []string{private.ID}) {
		t.Errorf("root's apps = %v, want the organization's private app only (not alice's marketplace app)", got)
	}
	if got := ids(carolID); len(got) != 0 {
		t.Errorf("another organization's administrator sees %v", got)
	}

	for _, tc := range []struct {
		as, app string
		may     bool
	}{
		{aliceID, mine.ID, true}, {bobID, mine.ID, false}, {rootID, mine.ID, false}, {carolID, mine.ID, false},
		{rootID, private.ID, true}, {aliceID, private.ID, false}, {carolID, private.ID, false},
	} {
		_, err := e.console.App(ctx, e.acct(tc.as), tc.app)
		_, _, rerr := e.console.RotateSecret(ctx, e.acct(tc.as), tc.app)
		if tc.may != (err == nil) || tc.may != (rerr == nil) {
			t.Errorf("%s on %s: App err %v, RotateSecret err %v; want allowed=%v", tc.as, tc.app, err, rerr, tc.may)
		}
		if !tc.may {
			if !errors.Is(err, console.ErrNotFound) || !errors.Is(rerr, console.ErrNotFound) {
				t.Errorf("%s on %s: want ErrNotFound, got %v and %v", tc.as, tc.app, err, rerr)
			}
			if derr := e.console.DeleteApp(ctx, e.acct(tc.as), tc.app); !errors.Is(derr, console.ErrNotFound) {
				t.Errorf("%s deleted %s: %v", tc.as, tc.app, derr)
			}
		}
	}
	if _, err := e.console.App(ctx, e.acct(aliceID), "no-such-app"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("App(unknown) = %v", err)
	}
}

// TestRotateSecretOverlap: without an overlap the old secret stops at once; with one it
// works until the overlap ends, and a second rotation replaces it.
func TestRotateSecretOverlap(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, options{ownAuth: true})
	app, first := createApp(t, e, aliceID, webApp)
	_, second, err := e.console.RotateSecret(ctx, e.acct(aliceID), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.clientAuthenticates(app.ID, first) || !e.clientAuthenticates(app.ID, second) {
		t.Fatal("without an overlap, only the new secret must work")
	}

	e = newEnv(t, options{ownAuth: true, console: console.Config{SecretOverlap: time.Hour}})
	app, first = createApp(t, e, aliceID, webApp)
	rotated, second, err := e.console.RotateSecret(ctx, e.acct(aliceID), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(time.Hour); !rotated.PreviousSecretExpiresAt.Equal(want) {
		t.Errorf("PreviousSecretExpiresAt = %v, want %v", rotated.PreviousSecretExpiresAt, want)
	}
	if !e.clientAuthenticates(app.ID, first) || !e.clientAuthenticates(app.ID, second) {
		t.Fatal("during the overlap both secrets must work")
	}
	_, third, err := e.console.RotateSecret(ctx, e.acct(aliceID), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.clientAuthenticates(app.ID, first) {
		t.Error("the secret before last still works after a second rotation")
	}
	e.clock.Advance(time.Hour)
	if e.clientAuthenticates(app.ID, second) || !e.clientAuthenticates(app.ID, third) {
		t.Error("after the overlap only the newest secret must work")
	}
	pub, _ := createApp(t, e, aliceID, console.AppSpec{Name: "SPA", RedirectURIs: []string{"http://127.0.0.1/cb"}, Scopes: []string{"chats--my:ro"}, Public: true})
	var invalid *console.ValidationError
	if _, _, err := e.console.RotateSecret(ctx, e.acct(aliceID), pub.ID); !errors.As(err, &invalid) {
		t.Errorf("rotating a public app: %v, want a *ValidationError", err)
	}
}

// TestMaxApps: an account has at most Config.MaxApps apps.
func TestMaxApps(t *testing.T) {
	e := newEnv(t, options{ownAuth: true, console: console.Config{MaxApps: 2}})
	createApp(t, e, aliceID, webApp)
	createApp(t, e, aliceID, webApp)
	var invalid *console.ValidationError
	if _, _, err := e.console.CreateApp(context.Background(), e.acct(aliceID), webApp); !errors.As(err, &invalid) || invalid.Message("") == "" {
		t.Fatalf("a third app: %v, want a *ValidationError about the request", err)
	}
	createApp(t, e, rootID, webApp) // the cap is per account
}

// issueCode runs the code flow for app as account through the application's own sign-in
// and returns the access token x/oauth2 got.
func issueCode(t *testing.T, e *env, app console.App, secret, as string) string {
	t.Helper()
	c := e.client()
	c.signInAs(as)
	conf := e.oauth2Config(app.ID, secret, app.RedirectURIs[0], app.Scopes...)
	p := c.get(strings.TrimPrefix(conf.AuthCodeURL("st"), e.srv.URL))
	if strings.Contains(p.body, `name="decision"`) {
		p = c.post(p, "", map[string][]string{"decision": {"allow"}})
	}
	loc := p.Header.Get("Location")
	if !strings.HasPrefix(loc, app.RedirectURIs[0]+"?") {
		t.Fatalf("the authorization ended at %d %q:\n%s", p.StatusCode, loc, p.body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := conf.Exchange(context.Background(), u.Query().Get("code"))
	if err != nil {
		t.Fatalf("x/oauth2 exchange: %v", err)
	}
	return tok.AccessToken
}

// TestConnectedAppsAndRemoveAccess: a consented app is listed with its scopes; removing
// its access forgets the consent and kills its tokens; an administrator sees and removes
// the connections of the organization's accounts, and nobody else's.
func TestConnectedAppsAndRemoveAccess(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, options{ownAuth: true})
	app, secret := createApp(t, e, bobID, webApp) // a marketplace app of another organization
	tok := issueCode(t, e, app, secret, aliceID)
	if e.info(tok) != http.StatusOK {
		t.Fatal("the new token does not work")
	}
	conns, err := e.console.ConnectedApps(ctx, e.acct(aliceID), aliceID)
	if err != nil || len(conns) != 1 {
		t.Fatalf("ConnectedApps = %+v, %v", conns, err)
	}
	if c := conns[0]; c.ClientID != app.ID || c.AppName != "Web app" || !c.Remembered || c.Tokens != 2 || c.Private ||
		!slices.Equal(c.Scopes, []string{"chats--my:ro"}) || !c.GrantedAt.Equal(e.clock.Now()) {
		t.Errorf("connection = %+v", c)
	}
	for _, as := range []string{bobID, carolID} {
		if _, err := e.console.ConnectedApps(ctx, e.acct(as), aliceID); !errors.Is(err, console.ErrNotFound) {
			t.Errorf("%s sees alice's connections: %v", as, err)
		}
		if err := e.console.RemoveAccess(ctx, e.acct(as), aliceID, app.ID); !errors.Is(err, console.ErrNotFound) {
			t.Errorf("%s removed alice's connection: %v", as, err)
		}
	}
	if e.info(tok) != http.StatusOK {
		t.Fatal("a refused removal revoked the token")
	}
	if _, err := e.console.OrganizationConnections(ctx, e.acct(aliceID), ""); !errors.Is(err, console.ErrForbidden) {
		t.Errorf("an agent's OrganizationConnections: %v, want ErrForbidden", err)
	}
	page, err := e.console.OrganizationConnections(ctx, e.acct(rootID), "")
	if err != nil {
		t.Fatal(err)
	}
	var logins []string
	for _, a := range page.Accounts {
		logins = append(logins, a.Login)
		if a.AccountID == aliceID && (len(a.Connections) != 1 || a.Connections[0].ClientID != app.ID) {
			t.Errorf("root sees alice's connections as %+v", a.Connections)
		}
	}
	if slices.Contains(logins, "bob@example.com") || !slices.Contains(logins, "alice@example.com") || page.Next != "" {
		t.Errorf("root's organization page lists %v (next %q)", logins, page.Next)
	}

	if err := e.console.RemoveAccess(ctx, e.acct(rootID), aliceID, app.ID); err != nil {
		t.Fatal(err)
	}
	if e.info(tok) != http.StatusUnauthorized {
		t.Error("the token works after its access was removed")
	}
	if _, err := e.store.Grant(ctx, aliceID, app.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the consent is still remembered: %v", err)
	}
	if conns, err := e.console.ConnectedApps(ctx, e.acct(aliceID), aliceID); err != nil || len(conns) != 0 {
		t.Errorf("after removal ConnectedApps = %+v, %v", conns, err)
	}
}

// TestPrivateAppConnection: a private app of the account's organization gets tokens
// without consent, and is a connected app all the same, which its access can be removed
// from.
func TestPrivateAppConnection(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, options{ownAuth: true})
	spec := webApp
	spec.Private = true
	app, secret := createApp(t, e, rootID, spec)
	tok := issueCode(t, e, app, secret, aliceID)
	conns, err := e.console.ConnectedApps(ctx, e.acct(aliceID), aliceID)
	if err != nil || len(conns) != 1 || conns[0].Remembered || conns[0].Tokens != 2 || !conns[0].Private {
		t.Fatalf("ConnectedApps = %+v, %v; want the private app with its tokens and no consent", conns, err)
	}
	if err := e.console.RemoveAccess(ctx, e.acct(aliceID), aliceID, app.ID); err != nil {
		t.Fatal(err)
	}
	if e.info(tok) != http.StatusUnauthorized {
		t.Error("the token works after its access was removed")
	}
}

// TestDeleteAppRevokesTokens: deleting an app revokes every account's tokens of it.
func TestDeleteAppRevokesTokens(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, options{ownAuth: true})
	app, secret := createApp(t, e, aliceID, webApp)
	toks := []string{issueCode(t, e, app, secret, aliceID), issueCode(t, e, app, secret, rootID)}
	other, otherSecret := createApp(t, e, aliceID, webApp)
	keep := issueCode(t, e, other, otherSecret, aliceID)
	if err := e.console.DeleteApp(ctx, e.acct(aliceID), app.ID); err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if e.info(tok) != http.StatusUnauthorized {
			t.Error("a token of the deleted app still works")
		}
	}
	if e.info(keep) != http.StatusOK {
		t.Error("another app's token was revoked")
	}
	if _, err := e.console.App(ctx, e.acct(aliceID), app.ID); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("App after DeleteApp: %v", err)
	}
	if conns, _ := e.console.ConnectedApps(ctx, e.acct(aliceID), aliceID); len(conns) != 1 || conns[0].ClientID != other.ID {
		t.Errorf("ConnectedApps after DeleteApp = %+v, want only the other app", conns)
	}
}

// TestPersonalTokensAPI: a token within the account's rights is made, listed without its
// secret, works with Basic, and stops when revoked; an agent cannot give one an
// administrator's scope, and nobody revokes another's.
func TestPersonalTokensAPI(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, options{ownAuth: true})
	var invalid *console.ValidationError
	if _, err := e.console.CreatePersonalToken(ctx, e.acct(aliceID), "ci", []string{"agents--all:rw"}); !errors.As(err, &invalid) || invalid.Message("scopes") == "" {
		t.Errorf("an agent's token with an administrator's scope: %v", err)
	}
	if _, err := e.console.CreatePersonalToken(ctx, e.acct(aliceID), " ", []string{"chats--my:ro"}); !errors.As(err, &invalid) || invalid.Message("name") == "" {
		t.Errorf("a token without a name: %v", err)
	}
	if _, err := e.console.CreatePersonalToken(ctx, e.acct(aliceID), "ci", []string{"personal_tokens:manage"}); !errors.As(err, &invalid) {
		t.Errorf("a token with the personal tokens scope: %v", err)
	}
	offered := e.console.PersonalTokenScopes(e.acct(aliceID))
	if len(offered) == 0 {
		t.Fatal("an agent is offered no scope for a personal token")
	}
	for _, sc := range offered {
		if sc.AdminOnly || sc.Name == "personal_tokens:manage" {
			t.Errorf("an agent is offered %s", sc.Name)
		}
	}
	pt, err := e.console.CreatePersonalToken(ctx, e.acct(aliceID), "ci", []string{"chats--my:ro"})
	if err != nil {
		t.Fatal(err)
	}
	if e.apiBasic(aliceID, pt.Token) != http.StatusOK {
		t.Fatal("the new token does not work with Basic")
	}
	list, err := e.console.PersonalTokens(ctx, e.acct(aliceID))
	if err != nil || len(list) != 1 || list[0].Token != "" || list[0].ID != pt.ID {
		t.Fatalf("PersonalTokens = %+v, %v", list, err)
	}
	if err := e.console.RevokePersonalToken(ctx, e.acct(bobID), pt.ID); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("bob revoked alice's token: %v", err)
	}
	if err := e.console.RevokePersonalToken(ctx, e.acct(aliceID), pt.ID); err != nil {
		t.Fatal(err)
	}
	if e.apiBasic(aliceID, pt.Token) != http.StatusUnauthorized {
		t.Error("the revoked token still works")
	}
}
