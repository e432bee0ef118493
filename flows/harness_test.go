package flows_test

import (
	"context"
	"html"
	"io"
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
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/internal/password"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Test fixtures: two organizations, three accounts, three clients.
const (
	orgA, orgB = "org-a", "org-b"

	aliceID, alicePW = "11111111-1111-4111-8111-111111111111", "alice-password"
	rootID, rootPW   = "22222222-2222-4222-8222-222222222222", "root-password"
	bobID, bobPW     = "33333333-3333-4333-8333-333333333333", "bob-password"

	confID, confSecret = "conf-app", "conf-secret-0123456789"
	pubID              = "pub-app"
	privID, privSecret = "priv-app", "priv-secret-0123456789"

	confRedirect = "https://app.example/cb"
	pubRedirect  = "http://127.0.0.1/cb"
)

var allScopes = []string{"chats--my:ro", "chats--all:ro", "chats--all:rw", "customers:own", "agents--all:rw"}

// agentScopes are the scopes an agent (not an administrator) may hold.
const agentScopes = "chats--my:ro chats--all:ro chats--all:rw customers:own"

var testKey = []byte("0123456789abcdef0123456789abcdef")

// testHasher is the Hasher of testKey.
var testHasher = func() *credentials.Hasher {
	h, err := credentials.NewHasher(testKey)
	if err != nil {
		panic(err)
	}
	return h
}()

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

// env is an authorization server over httptest with fixtures loaded.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	signin *signin.Authenticator // the sign-in, unless the test gave its own Authenticator
	flows  *flows.Server
	store  *memstore.Store
	clock  *clock
	hasher *credentials.Hasher
}

// cheap argon2id parameters keep sign-in fast in tests; the KDF itself is tested in
// internal/password.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1}

// newEnv starts a server; mutate adjusts the configuration before flows.New: each is a
// func(*flows.Config) or a func(*signin.Config) (of the sign-in the server uses unless a
// func(*flows.Config) sets its own Authenticator).
func newEnv(t *testing.T, mutate ...any) *env {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	clk := &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	hasher, err := credentials.NewHasher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro", Description: "Read your chats"},
		{Name: "chats--all:ro", Description: "Read all chats"},
		{Name: "chats--all:rw", Description: "Read and write all chats"},
		{Name: "customers:own", Description: "Act for customers"},
		{Name: "agents--all:rw", Description: "Manage agents", AdminOnly: true},
	}, []scopes.Implication{{From: "chats--all:ro", To: "chats--my:ro"}})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutOrganization(ctx, store.Organization{ID: orgA, Name: "A"}))
	must(st.PutOrganization(ctx, store.Organization{ID: orgB, Name: "B"}))
	for _, a := range []struct {
		id, login, org, pw, role string
	}{
		{aliceID, "alice@example.com", orgA, alicePW, "agent"},
		{rootID, "root@example.com", orgA, rootPW, "administrator"},
		{bobID, "bob@example.com", orgB, bobPW, "agent"},
	} {
		h, err := password.Hash(a.pw, cheap)
		must(err)
		must(st.PutAccount(ctx, store.Account{ID: a.id, Login: a.login, OrganizationID: a.org, Roles: []string{a.role}, PasswordHash: h}))
	}
	must(st.PutClient(ctx, store.Client{ID: confID, Name: "Conf App", SecretHash: hasher.Hash(confSecret), RedirectURIs: []string{confRedirect}, Scopes: allScopes}))
	must(st.PutClient(ctx, store.Client{ID: pubID, Name: "Pub App", Public: true, RedirectURIs: []string{pubRedirect}, Scopes: allScopes}))
	must(st.PutClient(ctx, store.Client{ID: privID, Name: "Priv App", SecretHash: hasher.Hash(privSecret), RedirectURIs: []string{confRedirect}, Scopes: allScopes, OrganizationID: orgA}))

	e := &env{t: t, store: st, clock: clk, hasher: hasher}
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	cfg := flows.Config{
		Issuer:  e.srv.URL,
		Storage: st,
		Hasher:  testHasher,
		Scopes:  cat,
		Now:     clk.Now,
		Logger:  discardLogger(),
		// Tests authorize many times per client and account at one instant; the redirect
		// limit (R-AUTHZ-10) has its own tests with the limit on.
		Limits: flows.Limits{Redirects: flows.NoLimit},
	}
	var sc signin.Config
	for _, m := range mutate {
		if m, ok := m.(func(*flows.Config)); ok {
			m(&cfg)
		}
	}
	for _, m := range mutate {
		switch m := m.(type) {
		case func(*flows.Config):
		case func(*signin.Config):
			m(&sc)
		default:
			t.Fatalf("newEnv: %T is no func(*flows.Config) or func(*signin.Config)", m)
		}
	}
	if sc.Storage == nil {
		sc.Storage = st
		if full, ok := cfg.Storage.(signin.Storage); ok {
			sc.Storage = full // as the test may have wrapped it
		}
	}
	e.signin, err = signin.New(sc)
	must(err)
	if cfg.Authenticator == nil {
		cfg.Authenticator = e.signin
	}
	e.flows, err = flows.New(cfg)
	must(err)
	e.srv.Config.Handler = e.flows.Handler()
	return e
}

// oauth2Config is a golang.org/x/oauth2 client for one of the fixture clients.
func (e *env) oauth2Config(clientID, secret, redirect string) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if secret == "" {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		Endpoint:     oauth2.Endpoint{AuthURL: e.srv.URL + "/", TokenURL: e.srv.URL + "/v2/token", AuthStyle: style},
		RedirectURL:  redirect,
		Scopes:       strings.Fields(agentScopes),
	}
}

// browser is a person's browser: a cookie jar that follows redirects on the server and
// stops at the first redirect that leaves it (to the client's redirect URI).
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{e: e}
	b.c = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != strings.TrimPrefix(e.srv.URL, "http://") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// page is a fetched response with its body read.
type page struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return page{resp, string(body)}
}

func (b *browser) get(rawURL string) page {
	b.e.t.Helper()
	if strings.HasPrefix(rawURL, "/") {
		rawURL = b.e.srv.URL + rawURL
	}
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	return b.do(req)
}

var (
	formRe   = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// submit fills the first form of p with its hidden fields plus fields, and posts it as a
// same-origin browser would.
func (b *browser) submit(p page, fields url.Values) page {
	b.e.t.Helper()
	m := formRe.FindStringSubmatch(p.body)
	if m == nil {
		b.e.t.Fatalf("no form on the page (status %d):\n%s", p.StatusCode, p.body)
	}
	form := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	action := html.UnescapeString(m[1])
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func isLoginPage(p page) bool   { return strings.Contains(p.body, `name="password"`) }
func isConsentPage(p page) bool { return strings.Contains(p.body, `name="decision"`) }

// signIn signs in through the password page.
func (b *browser) signIn(login, pw string) page {
	b.e.t.Helper()
	return b.submit(b.get("/old-login"), url.Values{"email": {login}, "password": {pw}})
}

// authorize runs an authorization request to its end: it signs in as login/pw when asked
// and answers a consent page with decision ("" fails the test if consent is asked). It
// returns the redirect to the client, or the last page if there is none.
func (b *browser) authorize(authURL, login, pw, decision string) page {
	b.e.t.Helper()
	p := b.get(authURL)
	if isLoginPage(p) {
		p = b.submit(p, url.Values{"email": {login}, "password": {pw}})
	}
	if isConsentPage(p) {
		if decision == "" {
			b.e.t.Fatal("consent was asked unexpectedly")
		}
		p = b.submit(p, url.Values{"decision": {decision}})
	}
	return p
}

// callback returns the parameters of a redirect to the client, failing the test if p is
// not one.
func callback(t *testing.T, p page, redirect string) url.Values {
	t.Helper()
	loc := p.Header.Get("Location")
	if p.StatusCode != http.StatusFound && p.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want a redirect to the client; body:\n%s", p.StatusCode, p.body)
	}
	if !strings.HasPrefix(loc, redirect+"?") {
		t.Fatalf("redirect to %q, want %s?...", loc, redirect)
	}
	u, _ := url.Parse(loc)
	return u.Query()
}

// authURL builds an authorization request URL on the test server.
func (e *env) authURL(q url.Values) string { return e.srv.URL + "/?" + q.Encode() }
