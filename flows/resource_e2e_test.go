package flows_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/middleware"
)

// End to end (R-RES): a real OAuth client asks for a token for one resource, and the
// resource servers of package middleware, each with its Options.Resource, accept it where
// it is meant for and refuse it elsewhere.

// resourceServer is an API protected by middleware.Authenticate for resource, over v.
func (e *env) resourceServer(v middleware.Validator, resource string) *httptest.Server {
	e.t.Helper()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	rs := httptest.NewServer(middleware.Authenticate(v, middleware.Options{Resource: resource, Now: e.clock.Now, Logger: discardLogger()})(ok))
	e.t.Cleanup(rs.Close)
	return rs
}

// callAPI GETs rs with tok as Bearer and returns the status and WWW-Authenticate.
func callAPI(t *testing.T, rs *httptest.Server, tok string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rs.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

// wantAccepted and wantRefused check what the resource server rs says of tok.
func wantAccepted(t *testing.T, what string, rs *httptest.Server, tok string) {
	t.Helper()
	if st, ch := callAPI(t, rs, tok); st != http.StatusOK {
		t.Errorf("%s: %d %s, want 200", what, st, ch)
	}
}

func wantRefused(t *testing.T, what string, rs *httptest.Server, tok string) {
	t.Helper()
	if st, ch := callAPI(t, rs, tok); st != http.StatusUnauthorized || !strings.Contains(ch, `error="invalid_token"`) {
		t.Errorf("%s: %d %s, want 401 invalid_token", what, st, ch)
	}
}

// oauth2Token runs conf-app's code flow through golang.org/x/oauth2, sending resource
// (when not "") at the authorization and the token endpoint, as MCP clients do.
func (e *env) oauth2Token(resource string) string {
	e.t.Helper()
	conf := e.oauth2Config(confID, confSecret, confRedirect)
	var opts []oauth2.AuthCodeOption
	if resource != "" {
		opts = append(opts, oauth2.SetAuthURLParam("resource", resource))
	}
	p := e.browser().authorize(conf.AuthCodeURL("st", opts...), acctAlice.login, acctAlice.pw, "allow")
	tok, err := conf.Exchange(context.Background(), callback(e.t, p, confRedirect).Get("code"), opts...)
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok.AccessToken
}

// TestResourceMiddlewareLocal: an opaque token for the MCP server passes the MCP
// server's middleware and is refused by the API's; a token without audience is refused
// by both (both require one).
func TestResourceMiddlewareLocal(t *testing.T) {
	e := newEnv(t, withResources)
	local, err := middleware.NewLocal(e.store, testHasher, middleware.LocalOptions{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	mcp, api := e.resourceServer(local, resMCP), e.resourceServer(local, resAPI)
	forMCP, none := e.oauth2Token(resMCP), e.oauth2Token("")
	wantAccepted(t, "a token for the MCP server, at the MCP server", mcp, forMCP)
	wantRefused(t, "a token for the MCP server, at the API", api, forMCP)
	wantRefused(t, "a token without audience, at the MCP server", mcp, none)

	// Refreshed and narrowed to the API, the grant's other resource: now the reverse.
	code := e.codeFor(url.Values{"resource": {resMCP, resAPI}})
	rt := e.mustToken(confID, resourceCodeForm(code)).refresh
	forAPI := e.mustToken(confID, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "resource": {resAPI}}).access
	wantAccepted(t, "a refreshed token for the API, at the API", api, forAPI)
	wantRefused(t, "a refreshed token for the API, at the MCP server", mcp, forAPI)
}

// TestResourceJWT: a JWT access token's aud is its resources alone (a string for one, an
// array for several), or the configured audience when it has none; a JWT validator with
// the resource as its audience accepts only the tokens meant for it.
func TestResourceJWT(t *testing.T) {
	key, err := flows.GenerateSigningKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, withResources, func(c *flows.Config) { c.JWT = &flows.JWTAccessTokens{SigningKey: key} })
	for _, tc := range []struct {
		resources []string
		aud       any
	}{
		{nil, e.srv.URL},
		{[]string{resMCP}, resMCP},
		{[]string{resMCP, resAPI}, []any{resMCP, resAPI}},
	} {
		at := e.mustToken(confID, resourceCodeForm(e.codeFor(url.Values{"resource": tc.resources}))).access
		if _, claims := jwtParts(t, at); !sameJSON(claims["aud"], tc.aud) {
			t.Errorf("token for %q: aud = %#v, want %#v", tc.resources, claims["aud"], tc.aud)
		}
	}

	v, err := middleware.NewJWT(middleware.JWTOptions{
		Issuer: e.srv.URL, Audience: resMCP, JWKSURL: e.srv.URL + "/.well-known/jwks.json", Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	mcp := e.resourceServer(v, resMCP)
	wantAccepted(t, "a JWT for the MCP server", mcp, e.oauth2Token(resMCP))
	wantRefused(t, "a JWT for the API", mcp, e.oauth2Token(resAPI))
	wantRefused(t, "a JWT without resource (aud: the issuer)", mcp, e.oauth2Token(""))
}

// sameJSON compares two decoded JSON values of strings and arrays of strings.
func sameJSON(a, b any) bool {
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok != bok {
		return false
	}
	if !aok {
		return a == b
	}
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if as[i] != bs[i] {
			return false
		}
	}
	return true
}
