package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
)

// Server.Handler under other routers: chi with the server under a prefix that chi keeps in
// the path, and the standard library's http.StripPrefix, which removes it. In both, the
// code flow runs with golang.org/x/oauth2 through the sign-in and consent pages, the
// metadata names the URLs a client reaches, and the personal access token API finds the
// token id in the path.

// prefixedPaths are the default paths of the server and of its sign-in, each under prefix.
func prefixedPaths(prefix string) (flows.Paths, signin.Paths) {
	d, si := flows.DefaultPaths(), signin.DefaultPaths()
	for _, p := range []*string{&d.Authorize, &d.Token, &d.ErrorPage, &d.Revoke, &d.Introspect, &d.Info,
		&d.PersonalTokens, &d.Customer, &d.Metadata, &d.JWKS, &si.Login, &si.PasswordLogin, &si.Logout} {
		*p = prefix + *p
	}
	return d, si
}

// TestHandlerInChi: r.Mount("/oauth", srv.Handler()) with every path under /oauth, beside
// the application's own routes.
func TestHandlerInChi(t *testing.T) {
	paths, signinPaths := prefixedPaths("/oauth")
	e := newEnv(t, func(c *flows.Config) { c.Paths = paths }, func(c *signin.Config) { c.Paths = signinPaths })
	r := chi.NewRouter()
	r.Get("/hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("the app's own page")) })
	r.Mount("/oauth", e.flows.Handler())
	e.srv.Config.Handler = r
	runRoutedCodeFlow(t, e, "/oauth/.well-known/oauth-authorization-server", "/oauth")
	if p := e.browser().get("/hello"); p.body != "the app's own page" {
		t.Fatalf("the app's route: %d %q", p.StatusCode, p.body)
	}
}

// TestHandlerInChiAtRoot: r.Mount("/", srv.Handler()) with the default paths.
func TestHandlerInChiAtRoot(t *testing.T) {
	e := newEnv(t)
	r := chi.NewRouter()
	r.Mount("/", e.flows.Handler())
	e.srv.Config.Handler = r
	runRoutedCodeFlow(t, e, "/.well-known/oauth-authorization-server", "")
}

// TestHandlerBehindStripPrefix: http.StripPrefix("/oauth", srv.Handler()) with the
// default paths and the issuer's path /oauth: every URL the server sends includes the
// prefix the router strips.
func TestHandlerBehindStripPrefix(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Issuer += "/oauth" })
	mux := http.NewServeMux()
	mux.Handle("/oauth/", http.StripPrefix("/oauth", e.flows.Handler()))
	e.srv.Config.Handler = mux
	runRoutedCodeFlow(t, e, "/oauth/.well-known/oauth-authorization-server", "/oauth")
}

// runRoutedCodeFlow discovers the endpoints at metadataPath, runs the code flow of
// conf-app as alice with x/oauth2, and creates and deletes a personal access token at
// prefix's personal access token API.
func runRoutedCodeFlow(t *testing.T, e *env, metadataPath, prefix string) {
	t.Helper()
	md, _ := e.metadata(metadataPath)
	authURL, _ := md["authorization_endpoint"].(string)
	tokenURL, _ := md["token_endpoint"].(string)
	if want := e.srv.URL + prefix + "/"; authURL != want {
		t.Fatalf("authorization_endpoint %q, want %q", authURL, want)
	}
	conf := e.oauth2Config(confID, confSecret, confRedirect)
	conf.Endpoint.AuthURL, conf.Endpoint.TokenURL = authURL, tokenURL
	b := e.browser()
	p := b.get(conf.AuthCodeURL("st-routed"))
	if !isLoginPage(p) {
		t.Fatalf("no sign-in page: %d at %s\n%s", p.StatusCode, p.Request.URL, p.body)
	}
	if got := p.Request.URL.Path; got != prefix+"/old-login" {
		t.Errorf("sign-in page at %q, want %q", got, prefix+"/old-login")
	}
	p = b.submit(p, url.Values{"email": {"alice@example.com"}, "password": {alicePW}})
	if !isConsentPage(p) {
		t.Fatalf("no consent page after sign-in: %d at %s\n%s", p.StatusCode, p.Request.URL, p.body)
	}
	p = b.submit(p, url.Values{"decision": {"allow"}})
	q := callback(t, p, confRedirect)
	if q.Get("state") != "st-routed" {
		t.Fatalf("callback %v", q)
	}
	tok, err := conf.Exchange(context.Background(), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	ts := conf.Client(context.Background(), &oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"})
	resp, err := ts.Get(e.srv.URL + prefix + "/v2/info")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("info with the new token: %d", resp.StatusCode)
	}

	pats := prefix + patPath
	r := b.sessionAPI(http.MethodGet, pats, "", "", true)
	csrf := r.header.Get("X-CSRF-Token")
	r = b.sessionAPI(http.MethodPost, pats, `{"name":"ci","scopes":["chats--my:ro"]}`, csrf, true)
	if r.status != http.StatusCreated || r.s("id") == "" {
		t.Fatalf("create a personal access token: %d %s", r.status, r.raw)
	}
	if d := b.sessionAPI(http.MethodDelete, pats+"/"+r.s("id"), "", csrf, true); d.status != http.StatusNoContent {
		t.Fatalf("delete the personal access token: %d %s", d.status, d.raw)
	}
	if d := b.sessionAPI(http.MethodDelete, pats+"/"+r.s("id")+"/more", "", csrf, true); d.status != http.StatusNotFound || !strings.Contains(d.raw, "invalid_request") {
		t.Fatalf("a deeper path: %d %s, want the API's 404", d.status, d.raw)
	}
}
