package flows_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
)

// CORS: browser-based (MCP) clients discover the server through the metadata and JWKS,
// which answer every origin, and call the token and revocation endpoints, which answer the
// configured origins; pages and the other APIs never carry a CORS header (R-SEC-5).

const (
	appOrigin   = "https://app.example"
	localOrigin = "http://localhost:5173"
)

// corsEnv is a server with JWT access tokens (so that the JWKS is served) and cors.
func corsEnv(t *testing.T, cors flows.CORS) *env {
	t.Helper()
	key, err := flows.GenerateSigningKey("")
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, func(c *flows.Config) {
		c.JWT = &flows.JWTAccessTokens{SigningKey: key}
		c.CORS = cors
	})
}

// preflight sends the OPTIONS request a browser sends before a cross-origin method with
// the headers an MCP client adds.
func (e *env) preflight(path, origin, method string) apiResp {
	e.t.Helper()
	return e.apiDo(http.MethodOptions, path, "", "Origin", origin, "Access-Control-Request-Method", method,
		"Access-Control-Request-Headers", "content-type,mcp-protocol-version")
}

// corsHeaders returns the Access-Control- headers of r.
func corsHeaders(r apiResp) http.Header {
	h := http.Header{}
	for k, v := range r.header {
		if strings.HasPrefix(k, "Access-Control-") {
			h[k] = v
		}
	}
	return h
}

// wantNoCORS fails unless r carries no Access-Control- header.
func wantNoCORS(t *testing.T, what string, r apiResp) {
	t.Helper()
	if h := corsHeaders(r); len(h) > 0 {
		t.Errorf("%s: CORS headers %v, want none", what, h)
	}
}

// wantAllowOrigin checks Access-Control-Allow-Origin exactly, and that credentials are
// never allowed.
func wantAllowOrigin(t *testing.T, what string, r apiResp, want string) {
	t.Helper()
	if got := r.header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != want {
		t.Errorf("%s: Access-Control-Allow-Origin = %q, want %q", what, got, want)
	}
	if got := r.header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("%s: Access-Control-Allow-Credentials = %q, want none", what, got)
	}
}

// wantPreflight checks an accepted preflight answer.
func wantPreflight(t *testing.T, what string, r apiResp, origin, methods, headers, maxAge string) {
	t.Helper()
	if r.status != http.StatusNoContent || r.raw != "" {
		t.Errorf("%s: status %d body %q, want 204 without body", what, r.status, r.raw)
	}
	wantAllowOrigin(t, what, r, origin)
	for k, want := range map[string]string{
		"Allow":                        methods,
		"Access-Control-Allow-Methods": methods,
		"Access-Control-Allow-Headers": headers,
		"Access-Control-Max-Age":       maxAge,
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", what, k, got, want)
		}
	}
}

// wantVaryOrigin checks whether r says that it depends on Origin.
func wantVaryOrigin(t *testing.T, what string, r apiResp, want bool) {
	t.Helper()
	var vary []string
	for _, v := range r.header.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			vary = append(vary, strings.TrimSpace(f))
		}
	}
	if got := slices.Contains(vary, "Origin"); got != want {
		t.Errorf("%s: Vary %q, want Origin listed: %v", what, vary, want)
	}
}

const (
	endpointHeaders = "Authorization, Content-Type, DPoP, MCP-Protocol-Version"
	documentHeaders = "*, MCP-Protocol-Version"
	defaultMaxAge   = "7200"
)

// TestCORSDocumentsByDefault: with the zero CORS, the metadata and the JWKS carry
// Access-Control-Allow-Origin: * on every answer and answer preflights, and the token and
// revocation endpoints carry no CORS header: OPTIONS there is still 405.
func TestCORSDocumentsByDefault(t *testing.T) {
	e := corsEnv(t, flows.CORS{})
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/jwks.json"} {
		for _, origin := range []string{appOrigin, "null", ""} {
			r := e.apiDo(http.MethodGet, path, "", "Origin", origin, "MCP-Protocol-Version", "2025-06-18")
			if r.status != http.StatusOK || r.obj == nil {
				t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
			}
			wantAllowOrigin(t, "GET "+path, r, "*")
			wantVaryOrigin(t, "GET "+path, r, false)
			if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
				t.Errorf("GET %s: Cache-Control %q, want the document's public caching", path, cc)
			}
		}
		wantPreflight(t, "OPTIONS "+path, e.preflight(path, appOrigin, http.MethodGet), "*", "GET, HEAD, OPTIONS", documentHeaders, defaultMaxAge)
		// OPTIONS without a preflight: 204 with Allow, still readable by any page.
		r := e.apiDo(http.MethodOptions, path, "")
		if r.status != http.StatusNoContent || r.header.Get("Allow") != "GET, HEAD, OPTIONS" || r.header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("plain OPTIONS %s: %d %v", path, r.status, r.header)
		}
		if r := e.apiDo(http.MethodPost, path, "", "Origin", appOrigin); r.status != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: %d, want 405", path, r.status)
		}
	}
	for _, path := range []string{"/v2/token", "/token", "/revoke"} {
		r := e.preflight(path, appOrigin, http.MethodPost)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("OPTIONS %s: %d, want 405", path, r.status)
		}
		wantNoCORS(t, "OPTIONS "+path, r)
		wantVaryOrigin(t, "OPTIONS "+path, r, false)
	}
	tp := e.tokensFor(pubID, acctAlice, "chats--my:ro")
	r := e.apiDo(http.MethodPost, "/v2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {pubID}, "refresh_token": {tp.refresh}}.Encode(),
		"Origin", appOrigin, "Content-Type", ctForm)
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.raw)
	}
	wantNoCORS(t, "POST /v2/token", r)
	wantCacheNoStore(t, r)
}

// TestCORSAllowedOrigins: with AllowedOrigins, the token endpoint (its alias and its
// DELETE revocation too) and the revocation endpoint answer preflights and requests from
// exactly those origins (scheme and host case-insensitive, default port dropped), with
// Vary: Origin on every answer; any other origin gets the same status and no
// Access-Control- header. Token answers stay no-store and expose their challenge.
func TestCORSAllowedOrigins(t *testing.T) {
	e := corsEnv(t, flows.CORS{AllowedOrigins: []string{"HTTPS://App.Example:443", localOrigin}, MaxAge: 10*time.Minute + 999*time.Millisecond})
	endpoints := []struct{ path, method, methods string }{
		{"/v2/token", http.MethodPost, "DELETE, POST, OPTIONS"},
		{"/token", http.MethodPost, "DELETE, POST, OPTIONS"},
		{"/v2/token", http.MethodDelete, "DELETE, POST, OPTIONS"},
		{"/revoke", http.MethodPost, "POST, OPTIONS"},
	}
	for _, ep := range endpoints {
		for _, origin := range []string{appOrigin, localOrigin} {
			what := "preflight " + ep.method + " " + ep.path + " from " + origin
			r := e.preflight(ep.path, origin, ep.method)
			wantPreflight(t, what, r, origin, ep.methods, endpointHeaders, "600")
			wantVaryOrigin(t, what, r, true)
		}
		for _, origin := range []string{
			"https://evil.example", "http://app.example", "https://app.example:8443", "https://sub.app.example",
			"https://app.example.evil", "https://evilapp.example", "http://localhost:5174", "http://localhost",
			"http://127.0.0.1:5173", "null", "https://app.example/", "https://*.example", "*", "",
		} {
			what := "preflight " + ep.path + " from " + origin
			r := e.preflight(ep.path, origin, ep.method)
			if r.status != http.StatusNoContent || r.header.Get("Allow") != ep.methods {
				t.Errorf("%s: %d Allow %q, want 204 with Allow %q", what, r.status, r.header.Get("Allow"), ep.methods)
			}
			wantNoCORS(t, what, r)
			wantVaryOrigin(t, what, r, true)
		}
	}

	// Actual requests: a public client refreshes from an allowed page...
	tp := e.tokensFor(pubID, acctAlice, "chats--my:ro")
	refresh := func(rt string, hdr ...string) apiResp {
		body := url.Values{"grant_type": {"refresh_token"}, "client_id": {pubID}, "refresh_token": {rt}}.Encode()
		return e.apiDo(http.MethodPost, "/v2/token", body, append(hdr, "Content-Type", ctForm, "MCP-Protocol-Version", "2025-06-18")...)
	}
	r := refresh(tp.refresh, "Origin", localOrigin)
	if r.status != http.StatusOK || r.s("access_token") == "" {
		t.Fatalf("refresh from %s: %d %s", localOrigin, r.status, r.raw)
	}
	wantAllowOrigin(t, "refresh", r, localOrigin)
	wantVaryOrigin(t, "refresh", r, true)
	wantCacheNoStore(t, r)
	if got := r.header.Get("Access-Control-Expose-Headers"); got != "WWW-Authenticate, DPoP-Nonce, Retry-After" {
		t.Errorf("refresh: Access-Control-Expose-Headers = %q", got)
	}
	// ...and from another page the server answers alike, but the browser is not told it
	// may show the answer.
	other := refresh(r.s("refresh_token"), "Origin", "https://evil.example")
	if other.status != http.StatusOK {
		t.Fatalf("refresh from another origin: %d %s", other.status, other.raw)
	}
	wantNoCORS(t, "refresh from another origin", other)
	wantVaryOrigin(t, "refresh from another origin", other, true)
	wantCacheNoStore(t, other)

	// An error answer is readable with its challenge.
	bad := e.apiDo(http.MethodPost, "/token", "grant_type=refresh_token&refresh_token=x",
		hdrs([]string{"Origin", appOrigin}, ctHdr(ctForm), basicHdr(confID, "wrong"))...)
	wantAPIError(t, bad, http.StatusUnauthorized, "invalid_client")
	wantAllowOrigin(t, "invalid_client", bad, appOrigin)
	if bad.header.Get("WWW-Authenticate") == "" || !strings.Contains(bad.header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Errorf("invalid_client: the challenge is not exposed: %v", bad.header)
	}

	// Revocation, both styles.
	tp = e.tokensFor(pubID, acctAlice, "chats--my:ro")
	rv := e.apiDo(http.MethodPost, "/revoke", url.Values{"token": {tp.refresh}, "client_id": {pubID}}.Encode(), "Origin", appOrigin, "Content-Type", ctForm)
	if rv.status != http.StatusOK || e.tokenAlive(tp.access) {
		t.Fatalf("POST /revoke: %d %s, access token alive %v", rv.status, rv.raw, e.tokenAlive(tp.access))
	}
	wantAllowOrigin(t, "POST /revoke", rv, appOrigin)
	wantCacheNoStore(t, rv)
	tp = e.tokensFor(pubID, acctAlice, "chats--my:ro")
	del := e.apiDo(http.MethodDelete, "/v2/token", "", hdrs([]string{"Origin", appOrigin}, bearerHdr(tp.access))...)
	if del.status != http.StatusOK || e.tokenAlive(tp.access) {
		t.Fatalf("DELETE /v2/token: %d %s", del.status, del.raw)
	}
	wantAllowOrigin(t, "DELETE /v2/token", del, appOrigin)

	// A method the endpoint does not serve is still 405, readable by the allowed page.
	g := e.apiDo(http.MethodGet, "/v2/token", "", "Origin", appOrigin)
	wantAPIError(t, g, http.StatusMethodNotAllowed, "invalid_request")
	wantAllowOrigin(t, "GET /v2/token", g, appOrigin)

	// The documents still answer every origin, without Vary.
	md := e.preflight("/.well-known/oauth-authorization-server", "https://evil.example", http.MethodGet)
	wantPreflight(t, "metadata preflight", md, "*", "GET, HEAD, OPTIONS", documentHeaders, "600")
	wantVaryOrigin(t, "metadata preflight", md, false)
}

// TestCORSAnyOrigin: AllowAnyOrigin answers every origin with "*", the same for all (no
// Vary), never with credentials.
func TestCORSAnyOrigin(t *testing.T) {
	e := corsEnv(t, flows.CORS{AllowAnyOrigin: true, AllowedOrigins: []string{appOrigin}})
	for _, origin := range []string{appOrigin, "https://evil.example", "null", "vscode-webview://abc"} {
		for _, ep := range []struct{ path, methods string }{{"/v2/token", "DELETE, POST, OPTIONS"}, {"/revoke", "POST, OPTIONS"}} {
			r := e.preflight(ep.path, origin, http.MethodPost)
			wantPreflight(t, "preflight "+ep.path+" from "+origin, r, "*", ep.methods, endpointHeaders, defaultMaxAge)
			wantVaryOrigin(t, "preflight "+ep.path, r, false)
		}
	}
	tp := e.tokensFor(pubID, acctAlice, "chats--my:ro")
	r := e.apiDo(http.MethodPost, "/v2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {pubID}, "refresh_token": {tp.refresh}}.Encode(),
		"Origin", "https://mcp-inspector.example", "Content-Type", ctForm)
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.raw)
	}
	wantAllowOrigin(t, "refresh", r, "*")
	wantVaryOrigin(t, "refresh", r, false)
	wantCacheNoStore(t, r)
}

// TestCORSNeverOnPagesAndOtherAPIs: whatever Config.CORS allows, the authorization
// endpoint, the consent, sign-in and error pages, info, introspection, the personal access
// token API and the customer endpoint carry no CORS header, to requests and to preflights
// (R-SEC-5).
func TestCORSNeverOnPagesAndOtherAPIs(t *testing.T) {
	e := corsEnv(t, flows.CORS{AllowAnyOrigin: true, AllowedOrigins: []string{appOrigin}})
	tp := e.aliceTokens("chats--my:ro")
	authz := "?" + authzQuery(nil).Encode()
	for _, path := range []string{
		"/" + authz, "/authorize" + authz, "/ooops?oauth_exception=invalid_request", "/login", "/old-login", "/logout",
		"/v2/info", "/info", "/introspect", "/v2/personal_access_tokens", "/v2/personal_access_tokens/x", "/customer/", "/customer",
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			r := e.apiDo(method, path, "a=b", hdrs([]string{"Origin", appOrigin}, ctHdr(ctForm), bearerHdr(tp.access))...)
			wantNoCORS(t, method+" "+path, r)
		}
		wantNoCORS(t, "preflight "+path, e.preflight(path, appOrigin, http.MethodPost))
	}
	// The consent page and the decision posted on it, as a browser shows them.
	b := e.browser()
	b.signedInAs(acctAlice.login, acctAlice.pw)
	q := authzQuery(nil)
	req, _ := http.NewRequest(http.MethodGet, e.authURL(q), nil)
	req.Header.Set("Origin", appOrigin)
	p := b.once(req)
	if !isConsentPage(p) {
		t.Fatalf("no consent page: %d", p.StatusCode)
	}
	wantNoCORS(t, "consent page", apiResp{header: p.Header})
	wantNoCORS(t, "consent decision", apiResp{header: b.submitOnce(p, url.Values{"decision": {"allow"}}, http.Header{"Origin": {e.srv.URL}}).Header})
}

// TestCORSDisabled: Disabled sends no CORS header anywhere, the documents included, and
// leaves OPTIONS to the endpoints.
func TestCORSDisabled(t *testing.T) {
	e := corsEnv(t, flows.CORS{Disabled: true, AllowAnyOrigin: true})
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/jwks.json", "/v2/token", "/revoke"} {
		r := e.preflight(path, appOrigin, http.MethodPost)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("OPTIONS %s: %d, want 405", path, r.status)
		}
		wantNoCORS(t, "OPTIONS "+path, r)
	}
	wantNoCORS(t, "metadata", e.apiDo(http.MethodGet, "/.well-known/oauth-authorization-server", "", "Origin", appOrigin))
}

// TestCORSCrossOriginEndpoint: a token endpoint of one's own mounted ahead of Handler (as
// for custom grants) gets the same policy through CrossOriginEndpoint.
func TestCORSCrossOriginEndpoint(t *testing.T) {
	e := corsEnv(t, flows.CORS{AllowedOrigins: []string{appOrigin}})
	mux := http.NewServeMux()
	mux.Handle("/v2/token", e.flows.CrossOriginEndpoint(e.flows.TokenHandler()))
	mux.Handle("/", e.flows.Handler())
	e.srv.Config.Handler = mux
	wantPreflight(t, "preflight", e.preflight("/v2/token", appOrigin, http.MethodPost), appOrigin, "POST, OPTIONS", endpointHeaders, defaultMaxAge)
	r := e.apiDo(http.MethodPost, "/v2/token", "grant_type=nope", hdrs([]string{"Origin", appOrigin}, ctHdr(ctForm), basicHdr(confID, confSecret))...)
	wantAPIError(t, r, http.StatusBadRequest, "unsupported_grant_type")
	wantAllowOrigin(t, "POST", r, appOrigin)

	// Without allowed origins the handler is returned as is.
	plain := newEnv(t)
	h := plain.flows.TokenHandler()
	if got := plain.flows.CrossOriginEndpoint(h); got == nil {
		t.Fatal("CrossOriginEndpoint returned nil")
	}
	plain.srv.Config.Handler = plain.flows.CrossOriginEndpoint(h)
	if r := plain.preflight("/v2/token", appOrigin, http.MethodPost); r.status != http.StatusMethodNotAllowed || len(corsHeaders(r)) > 0 {
		t.Errorf("preflight without allowed origins: %d %v", r.status, corsHeaders(r))
	}
}

// TestCORSConfig: New refuses origins it could not match exactly and a negative MaxAge.
func TestCORSConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cors flows.CORS
		ok   bool
	}{
		{"https", flows.CORS{AllowedOrigins: []string{"https://app.example"}}, true},
		{"port", flows.CORS{AllowedOrigins: []string{"http://localhost:5173"}}, true},
		{"IPv6", flows.CORS{AllowedOrigins: []string{"http://[::1]:8080"}}, true},
		{"custom scheme", flows.CORS{AllowedOrigins: []string{"vscode-webview://abc"}}, true},
		{"uppercase", flows.CORS{AllowedOrigins: []string{"HTTPS://APP.EXAMPLE"}}, true},
		{"zero max age means the default", flows.CORS{MaxAge: 0}, true},
		{"wildcard", flows.CORS{AllowedOrigins: []string{"*"}}, false},
		{"wildcard subdomain", flows.CORS{AllowedOrigins: []string{"https://*.example"}}, false},
		{"trailing slash", flows.CORS{AllowedOrigins: []string{"https://app.example/"}}, false},
		{"path", flows.CORS{AllowedOrigins: []string{"https://app.example/cb"}}, false},
		{"query", flows.CORS{AllowedOrigins: []string{"https://app.example?x"}}, false},
		{"userinfo", flows.CORS{AllowedOrigins: []string{"https://u@app.example"}}, false},
		{"no scheme", flows.CORS{AllowedOrigins: []string{"app.example"}}, false},
		{"null", flows.CORS{AllowedOrigins: []string{"null"}}, false},
		{"empty", flows.CORS{AllowedOrigins: []string{""}}, false},
		{"bad port", flows.CORS{AllowedOrigins: []string{"https://app.example:0"}}, false},
		{"empty port", flows.CORS{AllowedOrigins: []string{"https://app.example:"}}, false},
		{"non-ASCII host", flows.CORS{AllowedOrigins: []string{"https://bücher.example"}}, false},
		{"space", flows.CORS{AllowedOrigins: []string{" https://app.example"}}, false},
		{"negative max age", flows.CORS{MaxAge: -time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := flows.Config{Issuer: "https://as.example", Storage: memstore.New(), Hasher: testHasher,
				Scopes: mustCatalog(t), Authenticator: nobody{}, CORS: tc.cors}
			_, err := flows.New(cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("New = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "Config.CORS") {
				t.Errorf("error %q does not name Config.CORS", err)
			}
		})
	}
}
