package flows_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// Fast tests of federated sign-in (R-LOGIN-2, R-LOGIN-3) against the in-process upstream
// of oidc_fake_test.go. federated_e2e_test.go runs the same outcomes against a real,
// independent provider.

// wantFedPage fails unless p is the federated sign-in error page with status and detail,
// showing text, with nothing internal in it.
func wantFedPage(t *testing.T, p page, status int, detail, text string) {
	t.Helper()
	if p.StatusCode != status {
		t.Fatalf("status %d, want %d; Location %q\n%s", p.StatusCode, status, p.Header.Get("Location"), p.body)
	}
	if !strings.Contains(p.text(), text) || !strings.Contains(p.body, "<code>"+detail+"</code>") {
		t.Fatalf("page lacks %q / %s:\n%s", text, detail, p.body)
	}
	for _, leak := range []string{"id token", "goroutine", "upstream-client-secret", "127.0.0.1"} {
		if strings.Contains(p.body, leak) {
			t.Errorf("the page shows %q:\n%s", leak, p.body)
		}
	}
	if p.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(p.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("error page without the page security headers: %v", p.Header)
	}
	noSessionCookie(t, p)
}

const (
	textOrgNotFound   = "was not found in the system"
	textNotAuthorised = "The user is not authorised to access the system."
	textOAuthConfig   = "Something is wrong with the OAuth configuration"
)

// TestFederatedSignInProvisions (R-LOGIN-2): a first federated sign-in of a person with a
// mapped organization and a role that may sign in creates the local account (JIT), starts
// a session and returns to the authorization request, which then reaches consent.
func TestFederatedSignInProvisions(t *testing.T) {
	fe := newFedEnv(t)
	b := fe.browser()
	request := "/?" + authzQuery(nil).Encode()
	p := b.getOnce(request)
	loginURL := redirectLocation(t, p, http.StatusFound)
	if loginURL.Path != "/login" {
		t.Fatalf("unauthenticated request sent to %q", loginURL)
	}
	authURL := fe.startFederated(b, loginURL.String())
	q, _ := url.Parse(authURL)
	sent := q.Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(sent.Get(k)) < 43 {
			t.Errorf("%s = %q: want 256 bits", k, sent.Get(k))
		}
		sent.Del(k)
	}
	wantQuery(t, sent, map[string]string{
		"client_id": upClientID, "response_type": "code", "code_challenge_method": "S256",
		"redirect_uri": fe.srv.URL + "/login/callback", "scope": "openid email org roles",
	})
	cb := b.getOnce(strings.TrimPrefix(fe.authorizeUpstream(authURL, person("New.Person@Upstream.test", "up-1", "agent", "viewer")), fe.srv.URL))
	if u := redirectLocation(t, cb, http.StatusFound); u.String() != request {
		t.Fatalf("after sign-in sent to %q, want %q", u, request)
	}
	sess := sessionCookieOf(t, cb.Cookies(), "oauthkit_session")
	if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Value == "" {
		t.Fatalf("session cookie %+v", sess)
	}
	acct, err := fe.store.AccountByLogin(context.Background(), "new.person@upstream.test")
	if err != nil {
		t.Fatal(err)
	}
	if acct.OrganizationID != orgA || !slices.Equal(acct.Roles, []string{"agent"}) || !acct.PasswordLoginDisabled || acct.PasswordHash != "" || len(acct.ID) != 36 {
		t.Fatalf("provisioned account %+v", acct)
	}
	if !isConsentPage(b.get(request)) {
		t.Fatal("the signed-in person does not reach consent")
	}
	// The sign-in cookie is single-use: the callback cleared it.
	for _, c := range cb.Cookies() {
		if strings.HasPrefix(c.Name, "oauthkit_fed_") && c.MaxAge >= 0 {
			t.Errorf("the sign-in state cookie is not cleared: %v", c)
		}
	}
}

// TestFederatedAdminRole: an upstream administrator role becomes Config.AdminRole locally,
// and roles are updated on every sign-in.
func TestFederatedAdminRole(t *testing.T) {
	fe := newFedEnv(t)
	p := fe.signInFederated(fe.browser(), "/login", person("boss@upstream.test", "up-2", "admin"))
	redirectLocation(t, p, http.StatusFound)
	acct, err := fe.store.AccountByLogin(context.Background(), "boss@upstream.test")
	if err != nil || acct.OrganizationID != orgB || !slices.Equal(acct.Roles, []string{"administrator"}) {
		t.Fatalf("account %+v, %v", acct, err)
	}
	p = fe.signInFederated(fe.browser(), "/login", person("boss@upstream.test", "up-2", "agent"))
	redirectLocation(t, p, http.StatusFound)
	again, _ := fe.store.AccountByLogin(context.Background(), "boss@upstream.test")
	if again.ID != acct.ID || !slices.Equal(again.Roles, []string{"agent"}) {
		t.Fatalf("second sign-in: account %+v, want the same id with roles [agent]", again)
	}
}

// TestFederatedOutcomes (R-LOGIN-2): each refusal is its own friendly page, never a 500,
// and no account or session is created.
func TestFederatedOutcomes(t *testing.T) {
	unverified := person("alice@example.com", "up-1", "agent")
	unverified["email_verified"] = false
	noOrg := person("x@upstream.test", "", "agent")
	delete(noOrg, "org_id")
	unasserted := person("alice@example.com", "up-1", "agent")
	delete(unasserted, "email_verified")
	for _, tt := range []struct {
		name   string
		claims map[string]any
		status int
		detail string
		text   string
		log    string
	}{
		{"organization not mapped", person("x@upstream.test", "up-unknown", "agent"), 403, flows.DetailOrganizationNotFound,
			"The user organization <code>up-unknown</code> was not found in the system.", "up-unknown"},
		{"organization id is escaped", person("x@upstream.test", "<b>evil</b>`", "agent"), 403, flows.DetailOrganizationNotFound,
			"organization <code><b>evil</b>`</code> was not found", "not mapped"},
		{"no role that may sign in", person("x@upstream.test", "up-1", "viewer"), 403, flows.DetailNotAuthorised, textNotAuthorised, "viewer"},
		{"no roles at all", person("x@upstream.test", "up-1"), 403, flows.DetailNotAuthorised, textNotAuthorised, "none that may sign in"},
		{"no organization claim", noOrg, 403, flows.DetailNotAuthorised, textNotAuthorised, "org_id"},
		{"email not verified", unverified, 403, flows.DetailNotAuthorised, textNotAuthorised, "not verified"},
		{"existing account, email_verified not asserted", unasserted, 403, flows.DetailNotAuthorised, textNotAuthorised, "did not assert email_verified"},
		{"account of another organization", person("bob@example.com", "up-1", "agent"), 403, flows.DetailNotAuthorised, textNotAuthorised, "belongs to organization"},
		{"mapped to a missing local organization", person("x@upstream.test", "up-ghost", "agent"), 502, flows.DetailOAuthConfiguration, textOAuthConfig, "org-ghost"},
		{"no email claim", map[string]any{"sub": "s", "org_id": "up-1", "roles": []any{"agent"}}, 502, flows.DetailOAuthConfiguration, textOAuthConfig, "email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fe := newFedEnv(t)
			p := fe.signInFederated(fe.browser(), "/login?return_to=%2F", tt.claims)
			wantFedPage(t, p, tt.status, tt.detail, tt.text)
			if tt.name == "organization id is escaped" && !strings.Contains(p.body, "<code>&lt;b&gt;evil&lt;/b&gt;`</code>") {
				t.Fatalf("organization id not escaped:\n%s", p.body)
			}
			// The id is set off by a <code> element, not by Markdown backticks.
			if tt.detail == flows.DetailOrganizationNotFound && strings.Contains(p.body, "organization `") {
				t.Errorf("organization id in backticks:\n%s", p.body)
			}
			if !strings.Contains(fe.logs.String(), tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, fe.logs)
			}
			if _, err := fe.store.AccountByLogin(context.Background(), "x@upstream.test"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a refused sign-in created an account: %v", err)
			}
			for _, id := range []string{aliceID, bobID} {
				if a, _ := fe.store.Account(context.Background(), id); a.PasswordLoginDisabled {
					t.Errorf("a refused sign-in migrated %s", a.Login)
				}
			}
		})
	}
}

// TestFederatedLinkAndMigration (R-LOGIN-3): the first federated sign-in with the verified
// email of a password account links it (same account id, organization kept) and disables
// its password sign-in from then on; other password accounts keep signing in.
func TestFederatedLinkAndMigration(t *testing.T) {
	fe := newFedEnv(t)
	b := fe.browser()
	b.signedInAs("alice@example.com", alicePW) // before migration, the password works
	before := b.sessionValue()

	p := fe.signInFederated(b, "/login?return_to=%2F", person("Alice@Example.com", "up-1", "agent"))
	redirectLocation(t, p, http.StatusFound)
	acct, err := fe.store.Account(context.Background(), aliceID)
	if err != nil || !acct.PasswordLoginDisabled || acct.Login != "alice@example.com" || acct.OrganizationID != orgA {
		t.Fatalf("linked account %+v, %v", acct, err)
	}
	// Sign-in rotates the session id (no fixation), and the old session is gone.
	if after := b.sessionValue(); after == "" || after == before {
		t.Fatalf("session id not rotated: %q → %q", before, after)
	}
	old := fe.browser()
	old.setSessionValue(before)
	if u := redirectLocation(t, old.getOnce("/?"+authzQuery(nil).Encode()), http.StatusFound); u.Query().Get("identity_exception") != flows.IdentityLost {
		t.Fatalf("the pre-sign-in session still works: %q", u)
	}

	r := fe.browser().signIn("alice@example.com", alicePW)
	if !strings.Contains(r.Request.URL.RawQuery, "identity_exception=credentials_login_disabled") {
		t.Fatalf("password sign-in after migration landed on %q", r.Request.URL)
	}
	fe.browser().signedInAs("bob@example.com", bobPW) // never migrated: still works
}

// TestFederatedClaimsFromUserInfo: claims missing from the ID token (providers following
// OIDC Core §5.4) are read from UserInfo, whose sub must be the ID token's.
func TestFederatedClaimsFromUserInfo(t *testing.T) {
	fe := newFedEnv(t)
	fe.up.set(func(u *fakeUpstream) {
		u.idToken = func(c map[string]any) string {
			delete(c, "org_id")
			delete(c, "roles")
			return ""
		}
	})
	redirectLocation(t, fe.signInFederated(fe.browser(), "/login", person("ui@upstream.test", "up-1", "agent")), http.StatusFound)
	if a, err := fe.store.AccountByLogin(context.Background(), "ui@upstream.test"); err != nil || a.OrganizationID != orgA {
		t.Fatalf("account %+v, %v", a, err)
	}

	other := person("mallory@upstream.test", "up-1", "agent")
	fe.up.set(func(u *fakeUpstream) {
		u.idToken = func(c map[string]any) string {
			c["sub"] = "someone-else"
			delete(c, "roles")
			return ""
		}
	})
	wantFedPage(t, fe.signInFederated(fe.browser(), "/login", other), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
	if !strings.Contains(fe.logs.String(), "is not the ID token's") {
		t.Errorf("log:\n%s", fe.logs)
	}
}

// TestFederatedUpstreamDown: the server starts while the upstream is unreachable; sign-in
// shows the configuration page (details in the log) and works once the upstream is back.
func TestFederatedUpstreamDown(t *testing.T) {
	fe := newFedEnv(t)
	fe.up.set(func(u *fakeUpstream) { u.down = true })
	wantFedPage(t, fe.browser().getOnce("/login"), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
	if !strings.Contains(fe.logs.String(), "status 503") {
		t.Errorf("log:\n%s", fe.logs)
	}
	fe.up.set(func(u *fakeUpstream) { u.down = false })
	fe.clock.Advance(3 * time.Second) // past the retry back-off
	redirectLocation(t, fe.signInFederated(fe.browser(), "/login", person("x@upstream.test", "up-1", "agent")), http.StatusFound)

	// Nobody listening at all.
	closed := newFakeUpstream(t)
	fed := closed.federation()
	closed.srv.Close()
	e := newEnv(t, func(c *signin.Config) { c.Federation = fed })
	wantFedPage(t, e.browser().getOnce("/login"), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
}

// TestFederatedBadClientSecret: the upstream refuses the client's credentials at the token
// endpoint (401 invalid_client): the configuration page.
func TestFederatedBadClientSecret(t *testing.T) {
	fe := newFedEnv(t, func(c *federation.Config) { c.ClientSecret = "wrong" })
	wantFedPage(t, fe.signInFederated(fe.browser(), "/login", person("x@upstream.test", "up-1", "agent")), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
	if !strings.Contains(fe.logs.String(), "invalid_client") {
		t.Errorf("log:\n%s", fe.logs)
	}
}

// TestFederatedDiscoveryChecks: a discovery document naming another issuer, or offering
// only unsafe ID token algorithms, is refused.
func TestFederatedDiscoveryChecks(t *testing.T) {
	for name, edit := range map[string]func(map[string]any){
		"another issuer":    func(d map[string]any) { d["issuer"] = "https://evil.example" },
		"only HS256":        func(d map[string]any) { d["id_token_signing_alg_values_supported"] = []string{"HS256", "none"} },
		"no token endpoint": func(d map[string]any) { delete(d, "token_endpoint") },
	} {
		t.Run(name, func(t *testing.T) {
			fe := newFedEnv(t)
			fe.up.set(func(u *fakeUpstream) { u.discovery = edit })
			wantFedPage(t, fe.browser().getOnce("/login"), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
		})
	}
}

// TestFederatedLoginPage: /login shows the sign-in page instead of leaving for the
// upstream when it has something to say (identity_lost after sessions ended), with a link
// that starts the federated sign-in and the password form for unmigrated accounts.
func TestFederatedLoginPage(t *testing.T) {
	fe := newFedEnv(t)
	b := fe.browser()
	p := b.get("/login?identity_exception=identity_lost&return_to=%2F%3Fa%3Db")
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, "You have been signed out.") ||
		!strings.Contains(p.body, `href="/login?return_to=%2F%3Fa%3Db">Sign in with Upstream</a>`) || !isLoginPage(p) {
		t.Fatalf("login page:\n%s", p.body)
	}
	if p := b.get("/old-login"); !strings.Contains(p.body, "Sign in with Upstream") {
		t.Fatalf("password page without the federated link:\n%s", p.body)
	}
	// A signed-in person going nowhere in particular sees who they are.
	b.signedInAs("bob@example.com", bobPW)
	if p := b.getOnce("/login"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "You are signed in as <strong>bob@example.com</strong>") {
		t.Fatalf("/login when signed in: %d\n%s", p.StatusCode, p.body)
	}
}

// TestFederationConfig: bad federation configuration fails in federation.New, and in
// signin.New when given to the built-in sign-in.
func TestFederationConfig(t *testing.T) {
	good := func() *federation.Config {
		return &federation.Config{
			Issuer: "https://upstream.example", ClientID: "c", ClientSecret: "s",
			Organizations: map[string]string{"u": orgA}, SignInRoles: []string{"agent"},
		}
	}
	for name, edit := range map[string]func(c *federation.Config){
		"no issuer":             func(c *federation.Config) { c.Issuer = "" },
		"http issuer":           func(c *federation.Config) { c.Issuer = "http://upstream.example" },
		"issuer with query":     func(c *federation.Config) { c.Issuer = "https://upstream.example/?x=1" },
		"no client id":          func(c *federation.Config) { c.ClientID = "" },
		"no organizations":      func(c *federation.Config) { c.Organizations = nil },
		"empty organization":    func(c *federation.Config) { c.Organizations = map[string]string{"u": ""} },
		"no roles":              func(c *federation.Config) { c.SignInRoles = nil },
		"scopes without openid": func(c *federation.Config) { c.Scopes = []string{"email"} },
		"bad redirect URL":      func(c *federation.Config) { c.RedirectURL = "/cb" },
	} {
		t.Run(name, func(t *testing.T) {
			f := good()
			edit(f)
			if _, err := signin.New(signin.Config{Storage: memstore.New(), Federation: f}); err == nil || !strings.Contains(err.Error(), "federation") {
				t.Fatalf("signin.New: %v, want a federation error", err)
			}
		})
	}
	// Without the built-in sign-in, the hooks and the storage are the application's to give.
	hook := func(http.ResponseWriter, *http.Request, store.Account) error { return nil }
	for name, edit := range map[string]func(c *federation.Config){
		"no storage":      func(c *federation.Config) { c.Storage = nil },
		"no hook":         func(c *federation.Config) { c.SignedIn = nil },
		"no sign-in page": func(c *federation.Config) { c.SignInPage = "" },
	} {
		t.Run(name, func(t *testing.T) {
			f := good()
			f.Storage, f.SignedIn, f.SignInPage = memstore.New(), hook, "/signin"
			if _, err := federation.New(*f); err != nil {
				t.Fatalf("federation.New with everything: %v", err)
			}
			edit(f)
			if _, err := federation.New(*f); err == nil {
				t.Fatal("federation.New accepted it")
			}
		})
	}
	// With the built-in sign-in, the hooks are its own.
	f := good()
	f.SignedIn = hook
	if _, err := signin.New(signin.Config{Storage: memstore.New(), Federation: f}); err == nil || !strings.Contains(err.Error(), "SignedIn") {
		t.Fatalf("signin.New with a SignedIn hook of the application's: %v", err)
	}
	f = good()
	f.Issuer = "http://127.0.0.1:1" // http on loopback: allowed, and not contacted
	si, err := signin.New(signin.Config{Storage: memstore.New(), Federation: f})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fedTestConfig(t)
	cfg.Authenticator = si
	if _, err := flows.New(cfg); err != nil {
		t.Fatal(err)
	}
}

// fedTestConfig is a valid server configuration without its Authenticator.
func fedTestConfig(t *testing.T) flows.Config {
	t.Helper()
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "x", Description: "x"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return flows.Config{Issuer: "https://as.example", Storage: memstore.New(), Hasher: testHasher, Scopes: cat, Logger: discardLogger()}
}

// TestFederatedClaimShapes: claim names reach into nested objects, roles may be one
// space- or comma-separated string, an organization id may be a number, and an email
// without email_verified is refused unless AllowMissingEmailVerified is set.
func TestFederatedClaimShapes(t *testing.T) {
	fe := newFedEnv(t, func(c *federation.Config) {
		c.OrganizationClaim = "tenant.id"
		c.RolesClaim = "realm_access.roles"
		c.Organizations["42"] = orgB
	})
	claims := map[string]any{
		"sub": "s-1", "email": "nested@upstream.test", "email_verified": true,
		"tenant":       map[string]any{"id": 42},
		"realm_access": map[string]any{"roles": "viewer, agent admin"},
	}
	redirectLocation(t, fe.signInFederated(fe.browser(), "/login", claims), http.StatusFound)
	a, err := fe.store.AccountByLogin(context.Background(), "nested@upstream.test")
	if err != nil || a.OrganizationID != orgB || !slices.Equal(a.Roles, []string{"agent", "administrator"}) {
		t.Fatalf("account %+v, %v", a, err)
	}

	// A missing email_verified is refused by default; AllowMissingEmailVerified accepts it.
	noClaim := person("x@upstream.test", "up-1", "agent")
	delete(noClaim, "email_verified")
	strict := newFedEnv(t)
	wantFedPage(t, strict.signInFederated(strict.browser(), "/login", noClaim), http.StatusForbidden, flows.DetailNotAuthorised, textNotAuthorised)
	lax := newFedEnv(t, func(c *federation.Config) { c.AllowMissingEmailVerified = true })
	redirectLocation(t, lax.signInFederated(lax.browser(), "/login", noClaim), http.StatusFound)
}
