package console_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/console"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/internal/password"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Fixtures: two organizations; in A an agent (alice) and an administrator (root), in B an
// agent (bob) and an administrator (carol), and an account without a sign-in role (mute).
const (
	orgA, orgB = "org-a", "org-b"
	aliceID    = "11111111-1111-4111-8111-111111111111"
	rootID     = "22222222-2222-4222-8222-222222222222"
	bobID      = "33333333-3333-4333-8333-333333333333"
	carolID    = "44444444-4444-4444-8444-444444444444"
	muteID     = "55555555-5555-4555-8555-555555555555"
	alicePW    = "alice-password"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// clock is an injectable clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is an authorization server with its console over httptest, a protected API at
// /api/me (package middleware, Bearer and Basic), and the fixtures loaded.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	flows   *flows.Server
	console *console.Console
	store   *memstore.Store
	hasher  *credentials.Hasher
	clock   *clock
	accts   map[string]store.Account
}

// options of newEnv.
type options struct {
	// ownAuth uses the application's own Authenticator (appAuth) instead of signin.
	ownAuth bool
	console console.Config
}

var cheap = password.Params{Memory: 64, Time: 1, Threads: 1}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	st := memstore.New()
	hasher, err := credentials.NewHasher(testKey)
	must(err)
	cat, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro", Description: "Read your chats"},
		{Name: "chats--all:rw", Description: "Read and write all chats"},
		{Name: "agents--all:rw", Description: "Manage agents", AdminOnly: true},
		{Name: flows.PersonalTokensScope, Description: "Manage your personal access tokens"},
	}, nil)
	must(err)
	e := &env{t: t, store: st, hasher: hasher, clock: &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}, accts: map[string]store.Account{}}
	must(st.PutOrganization(ctx, store.Organization{ID: orgA, Name: "A"}))
	must(st.PutOrganization(ctx, store.Organization{ID: orgB, Name: "B"}))
	pw, err := password.Hash(alicePW, cheap)
	must(err)
	for _, a := range []store.Account{
		{ID: aliceID, Login: "alice@example.com", OrganizationID: orgA, Roles: []string{"agent"}, PasswordHash: pw},
		{ID: rootID, Login: "root@example.com", OrganizationID: orgA, Roles: []string{"agent", "administrator"}},
		{ID: bobID, Login: "bob@example.com", OrganizationID: orgB, Roles: []string{"agent"}},
		{ID: carolID, Login: "carol@example.com", OrganizationID: orgB, Roles: []string{"administrator"}},
		{ID: muteID, Login: "mute@example.com", OrganizationID: orgA, Roles: []string{"viewer"}},
	} {
		a.CreatedAt = e.clock.Now()
		must(st.PutAccount(ctx, a))
		e.accts[a.ID] = a
	}

	e.srv = httptest.NewServer(nil)
	t.Cleanup(e.srv.Close)
	cfg := flows.Config{
		Issuer: e.srv.URL, Storage: st, Hasher: hasher, Scopes: cat, Now: e.clock.Now, Logger: discard(),
		Limits: flows.Limits{Redirects: flows.NoLimit},
		Policy: flows.Policy{SignInRoles: []string{"agent", "administrator"}},
	}
	if o.ownAuth {
		cfg.Authenticator = appAuth{st}
	} else {
		si, err := signin.New(signin.Config{Storage: st})
		must(err)
		cfg.Authenticator = si
	}
	e.flows, err = flows.New(cfg)
	must(err)
	cc := o.console
	cc.Server, cc.Storage = e.flows, st
	e.console, err = console.New(cc)
	must(err)

	local, err := middleware.NewLocal(st, hasher, middleware.LocalOptions{Accounts: st, Catalog: cat, Now: e.clock.Now})
	must(err)
	api := middleware.Authenticate(local, middleware.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := middleware.TokenFromContext(r.Context())
		io.WriteString(w, tok.AccountID)
	}))
	mux := http.NewServeMux()
	mux.Handle("/", e.flows.Handler())
	mux.Handle("/console/", e.console.Handler())
	mux.Handle("/console", e.console.Handler())
	mux.Handle("GET /api/me", api)
	mux.HandleFunc("GET /app/login", appLogin)
	e.srv.Config.Handler = mux
	return e
}

// appAuth is an application's own Authenticator: its session cookie names the account
// (a test stand-in for a real session), and its sign-in page is /app/login.
type appAuth struct{ st store.Accounts }

const appCookie = "app_session"

func (a appAuth) Account(r *http.Request) (store.Account, bool, error) {
	c, err := r.Cookie(appCookie)
	if err != nil {
		return store.Account{}, false, nil
	}
	acct, err := a.st.Account(r.Context(), c.Value)
	if err != nil {
		return store.Account{}, false, nil
	}
	return acct, true, nil
}

func (a appAuth) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	http.Redirect(w, r, "/app/login?"+url.Values{"return_to": {returnTo}}.Encode(), flows.RedirectStatus(r))
}

// appLogin signs in as the account named by "as", or shows that it is the sign-in page.
func appLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("as") == "" {
		io.WriteString(w, "the application's sign-in page")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: appCookie, Value: q.Get("as"), Path: "/", HttpOnly: true})
	to := flows.SafeReturnTo(q.Get("return_to"))
	if to == "" {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusFound)
}

func (e *env) acct(id string) store.Account { return e.accts[id] }

// oauth2Config is a golang.org/x/oauth2 client of this server.
func (e *env) oauth2Config(clientID, secret, redirect string, scope ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Scopes: scope,
		Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/", TokenURL: e.srv.URL + "/v2/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// info calls the token info endpoint with tok and returns its status.
func (e *env) info(tok string) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v2/info", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// apiBasic calls the protected API with a personal access token over Basic and returns
// the status.
func (e *env) apiBasic(user, pat string) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/me", nil)
	req.SetBasicAuth(user, pat)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// clientAuthenticates reports whether the token endpoint accepts secret for clientID: a
// refresh with a junk token is invalid_grant once the client is authenticated.
func (e *env) clientAuthenticates(clientID, secret string) bool {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v2/token",
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"oak:rt_junk"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case strings.Contains(string(body), `"invalid_grant"`):
		return true
	case strings.Contains(string(body), `"invalid_client"`), strings.Contains(string(body), `"unauthorized_client"`):
		return false
	}
	e.t.Fatalf("token endpoint: %d %s", resp.StatusCode, body)
	return false
}

// client is a cookie-jar HTTP client that follows redirects within the server only.
type client struct {
	e *env
	c *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	return &client{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

// signInAs signs the client in through the application's own sign-in.
func (c *client) signInAs(id string) {
	c.e.t.Helper()
	c.get("/app/login?as=" + id)
}

type page struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) page {
	c.e.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return page{resp, string(body)}
}

func (c *client) get(path string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	return c.do(req)
}

// noFollow makes the next requests stop at redirects.
func (c *client) noFollow() *client {
	cc := *c.c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{e: c.e, c: &cc}
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// post submits fields, with the hidden fields of p (its CSRF token), to the action of p's form (or to path
// when set), as a same-origin browser does.
func (c *client) post(p page, path string, fields url.Values) page {
	c.e.t.Helper()
	if path == "" {
		m := formRe.FindStringSubmatch(p.body)
		if m == nil {
			c.e.t.Fatalf("no form on the page (status %d):\n%s", p.StatusCode, p.body)
		}
		path = html.UnescapeString(m[1])
	}
	form := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// inputValue returns the value of the input with id on p, or "".
func inputValue(p page, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*value="([^"]*)"`).FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
