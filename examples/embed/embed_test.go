package main

import (
	"bufio"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestCodeFlowThroughTheApp: a client (golang.org/x/oauth2) runs the authorization code
// flow with PKCE through the application: the person signs in at the application's own
// form, approves at oauthkit's consent page, and the client's access token opens the
// application's JSON API, as far as its scopes go.
func TestCodeFlowThroughTheApp(t *testing.T) {
	s := start(t)
	md := s.metadata(t, "/.well-known/oauth-authorization-server/oauth")
	if other := s.metadata(t, "/oauth/.well-known/oauth-authorization-server"); other.Issuer != md.Issuer ||
		md.Issuer != s.base+"/oauth" || md.AuthorizationEndpoint != s.base+"/oauth/" || md.TokenEndpoint != s.base+"/oauth/v2/token" {
		t.Fatalf("metadata at the root %+v, under /oauth %+v", md, other)
	}
	conf := &oauth2.Config{
		ClientID: demoClientID, ClientSecret: s.secret, RedirectURL: s.base + "/demo/callback",
		Scopes:   []string{"profile:ro", "notes:ro"},
		Endpoint: oauth2.Endpoint{AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint},
	}
	b := s.browser(t, "/demo/callback") // the test is the client: it takes the callback itself
	ctx := context.Background()

	// The application signs people in: oauthkit serves no sign-in page of its own.
	for _, path := range []string{"/oauth/login", "/oauth/old-login", "/oauth/logout"} {
		if p := b.get(s.base + path); p.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 (the application's own sign-in replaces oauthkit's)", path, p.status)
		}
	}

	verifier := oauth2.GenerateVerifier()
	p := b.get(conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	if p.url.Path != "/signin" || !strings.Contains(p.body, "Sign in to Notes") {
		t.Fatalf("nobody signed in: want the application's sign-in form, got %d at %s\n%s", p.status, p.url, p.body)
	}
	if next := p.url.Query().Get("next"); !strings.HasPrefix(next, "/oauth/?") {
		t.Fatalf("the sign-in form comes back to %q, want the authorization request", next)
	}
	if again := b.submit(p, url.Values{"email": {demoEmail}, "password": {"wrong"}}); again.status != http.StatusUnauthorized ||
		!strings.Contains(again.body, "Wrong email or password") {
		t.Fatalf("a wrong password: %d\n%s", again.status, again.body)
	}
	p = b.submit(p, url.Values{"email": {demoEmail}, "password": {demoPassword}})
	if !strings.Contains(p.body, `name="decision"`) || !strings.Contains(p.body, "Notes Demo Client") ||
		!strings.Contains(p.body, "Read your notes") || !strings.Contains(p.body, demoEmail) {
		t.Fatalf("no consent page after signing in: %d at %s\n%s", p.status, p.url, p.body)
	}
	code := callbackCode(t, b.submit(p, url.Values{"decision": {"allow"}}), conf, "state-1", md.Issuer)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}

	// The token opens the API, through x/oauth2's client.
	api := conf.Client(ctx, tok)
	var me struct{ Email string }
	if status := getJSON(t, api, s.base+"/api/me", &me); status != http.StatusOK || me.Email != demoEmail {
		t.Fatalf("GET /api/me with the token: %d %+v", status, me)
	}
	var notes struct{ Notes []string }
	if status := getJSON(t, api, s.base+"/api/notes", &notes); status != http.StatusOK || len(notes.Notes) != 2 || notes.Notes[0] != "Buy milk" {
		t.Fatalf("GET /api/notes with the token: %d %+v", status, notes)
	}
	// No token, or one the server never issued: 401.
	if r := call(t, s.base+"/api/notes", ""); r.StatusCode != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Bearer realm="notes"` {
		t.Fatalf("GET /api/notes without a token: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	if r := call(t, s.base+"/api/me", "oak:at_not-a-token"); r.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("GET /api/me with a made-up token: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}

	// A token for fewer scopes: consent is remembered, so the flow goes straight back to the
	// client, and the token opens /api/me only.
	narrow := *conf
	narrow.Scopes = []string{"profile:ro"}
	verifier = oauth2.GenerateVerifier()
	p = b.get(narrow.AuthCodeURL("state-2", oauth2.S256ChallengeOption(verifier)))
	few, err := narrow.Exchange(ctx, callbackCode(t, p, &narrow, "state-2", md.Issuer), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, s.base+"/api/me", few.AccessToken); r.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/me with a profile:ro token: %d", r.StatusCode)
	}
	if r := call(t, s.base+"/api/notes", few.AccessToken); r.StatusCode != http.StatusForbidden ||
		!strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) ||
		!strings.Contains(r.Header.Get("WWW-Authenticate"), `scope="notes:ro"`) {
		t.Fatalf("GET /api/notes with a profile:ro token: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
}

// TestDemoClient: the printed demo URL leads, through sign-in and consent, to the demo
// client's page showing what the API answered to its token.
func TestDemoClient(t *testing.T) {
	s := start(t, "-db", filepath.Join(t.TempDir(), "notes.db"))
	b := s.browser(t, "")
	p := b.get(s.base + "/demo")
	p = b.submit(p, url.Values{"email": {demoEmail}, "password": {demoPassword}})
	p = b.submit(p, url.Values{"decision": {"allow"}})
	for _, want := range []string{"GET /api/me: 200 OK", demoEmail, "GET /api/notes: 200 OK", "Call the dentist", "curl -H 'Authorization: Bearer oak:"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the demo client's page lacks %q:\n%s", want, p.body)
		}
	}
	// The application's own pages know the person, and sign them out.
	if p = b.get(s.base + "/"); !strings.Contains(p.body, "Signed in as <strong>"+demoEmail) {
		t.Fatalf("the home page after signing in:\n%s", p.body)
	}
	if p = b.submit(p, nil); !strings.Contains(p.body, `href="/signin"`) {
		t.Fatalf("the home page after signing out:\n%s", p.body)
	}
}

// TestSignInStaysOnSite: the sign-in form sends people on only to paths of the site.
func TestSignInStaysOnSite(t *testing.T) {
	for next, want := range map[string]string{
		"/oauth/?client_id=x&state=y": "/oauth/?client_id=x&state=y",
		"/":                           "/",
		"":                            "/",
		"oauth/":                      "/",
		"//evil.example/":             "/",
		"/\\evil.example/":            "/",
		"https://evil.example/":       "/",
		"javascript:alert(1)":         "/",
		"/%0d%0aSet-Cookie:x":         "/%0d%0aSet-Cookie:x",
		"/\r\nSet-Cookie: x":          "/",
	} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
	s := start(t)
	b := s.browser(t, "/")
	p := b.get(s.base + "/signin?next=" + url.QueryEscape("//evil.example/"))
	if p = b.submit(p, url.Values{"email": {demoEmail}, "password": {demoPassword}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		t.Fatalf("signed in with an off-site next: %d, Location %q", p.status, p.header.Get("Location"))
	}
}

// TestWiringIsShort keeps the claim of oauth.go true: mountOAuth, everything between "the
// application exists" and "the application serves", is under 60 lines.
func TestWiringIsShort(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "oauth.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "mountOAuth" {
			n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			t.Logf("mountOAuth is %d lines", n)
			if n >= 60 {
				t.Errorf("mountOAuth is %d lines, want under 60", n)
			}
			return
		}
	}
	t.Fatal("oauth.go has no mountOAuth")
}

// site is a running application, as its welcome text describes it.
type site struct {
	base, secret string
}

// start runs the application on a free port with args, until the test ends.
func start(t *testing.T, args ...string) site {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	var s site
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		l := strings.TrimSpace(lines.Text())
		if base, ok := strings.CutPrefix(l, "Notes (an app with oauthkit inside) listening on "); ok {
			s.base = base
		}
		if secret, ok := strings.CutPrefix(l, "client_secret:"); ok {
			s.secret = strings.TrimSpace(secret)
		}
		if strings.HasSuffix(l, "/api/notes") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if s.base == "" || s.secret == "" {
		t.Fatalf("the welcome text lacks the address or the client secret: %+v", s)
	}
	return s
}

// metadata returns the authorization server's metadata at path.
func (s site) metadata(t *testing.T, path string) (md struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
}) {
	t.Helper()
	if status := getJSON(t, http.DefaultClient, s.base+path, &md); status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, status)
	}
	return md
}

// browser is a person's browser: it keeps cookies, follows redirects (except to a path
// named stopAt), and posts forms from the site's origin, as browsers do.
type browser struct {
	t      *testing.T
	c      *http.Client
	origin string
}

func (s site) browser(t *testing.T, stopAt string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, origin: s.base, c: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if stopAt != "" && req.URL.Path == stopAt {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

// page is what the browser shows.
type page struct {
	status int
	url    *url.URL
	header http.Header
	body   string
}

func (b *browser) get(u string) page { return b.do(http.MethodGet, u, nil) }

var (
	formRe   = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// submit posts the first form of p with its hidden fields and fields.
func (b *browser) submit(p page, fields url.Values) page {
	b.t.Helper()
	m := formRe.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no form on the page at %s (%d):\n%s", p.url, p.status, p.body)
	}
	form := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	action, err := p.url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(http.MethodPost, action.String(), strings.NewReader(form.Encode()))
}

func (b *browser) do(method, u string, body io.Reader) page {
	b.t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.origin)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL, header: resp.Header, body: string(raw)}
}

// callbackCode returns the code of the authorization response p, a redirect to conf's
// redirect URI with state and the issuer iss (RFC 9207).
func callbackCode(t *testing.T, p page, conf *oauth2.Config, state, iss string) string {
	t.Helper()
	loc, err := p.url.Parse(p.header.Get("Location"))
	if err != nil || (p.status != http.StatusFound && p.status != http.StatusSeeOther) ||
		!strings.HasPrefix(loc.String(), conf.RedirectURL+"?") {
		t.Fatalf("no redirect to the client: %d at %s, Location %q\n%s", p.status, p.url, p.header.Get("Location"), p.body)
	}
	q := loc.Query()
	if q.Get("state") != state || q.Get("iss") != iss || q.Get("code") == "" {
		t.Fatalf("the authorization response %v, want state %q and iss %q", q, state, iss)
	}
	return q.Get("code")
}

// getJSON GETs u with c and decodes the JSON answer into v; it returns the status.
func getJSON(t *testing.T, c *http.Client, u string, v any) int {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	return resp.StatusCode
}

// call GETs u with the bearer token tok ("" for none).
func call(t *testing.T, u, tok string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
