package flows_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// Token-endpoint request parsing, grant-type dispatch and response headers (R-TOKEN-1,
// R-TOKEN-4, R-TOKEN-6, R-SEC-5). Helpers shared by clientauth_test.go and security_test.go
// live here.

const formType = "application/x-www-form-urlencoded"

// tokenCall is one raw request to the token endpoint.
type tokenCall struct {
	method string // default POST
	path   string // default /v2/token; may carry a query
	ctype  string // Content-Type; default form-urlencoded; "-" sends none
	body   string
	auth   string // Authorization header value, if any
}

// tokenReply is the token endpoint's answer, body read and decoded when it is JSON.
type tokenReply struct {
	status int
	header http.Header
	raw    string
	json   map[string]any
}

// str returns the string field k of the JSON body, or "".
func (r tokenReply) str(k string) string { s, _ := r.json[k].(string); return s }

// tokenDo sends c to the test server.
func (e *env) tokenDo(c tokenCall) tokenReply {
	e.t.Helper()
	method, path, ctype := c.method, c.path, c.ctype
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = "/v2/token"
	}
	if ctype == "" {
		ctype = formType
	}
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(c.body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "-" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := tokenReply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.json)
	return r
}

// tokenForm posts form with Basic credentials when id is set.
func (e *env) tokenForm(id, secret string, form url.Values) tokenReply {
	e.t.Helper()
	c := tokenCall{body: form.Encode()}
	if id != "" {
		c.auth = basicAuth(id, secret)
	}
	return e.tokenDo(c)
}

// basicAuth is client_secret_basic done right: id and secret form-urlencoded, then base64
// (RFC 6749 §2.3.1).
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// codeForm is an authorization_code token request for code, redirect_uri confRedirect, plus
// kv pairs.
func codeForm(code string, kv ...string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// wantNoStore checks the headers every token-endpoint response carries (R-TOKEN-4, R-SEC-5).
func wantNoStore(t *testing.T, r tokenReply) {
	t.Helper()
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store (status %d)", got, r.status)
	}
	if got := r.header.Get("Pragma"); got != "no-cache" {
		t.Errorf("Pragma = %q, want no-cache (status %d)", got, r.status)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type = %q, want application/json (status %d)", got, r.status)
	}
}

// wantError checks an RFC 6749 §5.2 error answer (R-ERR-1) with its headers.
func wantError(t *testing.T, r tokenReply, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code {
		t.Fatalf("got %d %s, want %d with error %q", r.status, r.raw, status, code)
	}
	if r.str("error_description") == "" {
		t.Errorf("error_description is missing: %s", r.raw)
	}
	if _, ok := r.json["access_token"]; ok {
		t.Errorf("an error answer carries a token: %s", r.raw)
	}
	wantNoStore(t, r)
}

// wantTokens checks a successful token answer (R-TOKEN-4).
func wantTokens(t *testing.T, r tokenReply) {
	t.Helper()
	if r.status != http.StatusOK || !strings.HasPrefix(r.str("access_token"), "oak:at_") || r.str("token_type") != "Bearer" {
		t.Fatalf("got %d %s, want 200 with a Bearer access token", r.status, r.raw)
	}
	wantNoStore(t, r)
}

// live reports whether the token string tok is still valid in the store.
func (e *env) live(tok string) bool {
	_, err := e.store.Token(context.Background(), e.hasher.Hash(tok), e.clock.Now())
	return err == nil
}

// TestTokenMethodNotAllowed: R-TOKEN-1, POST only (and DELETE, the revocation of
// R-REVOKE-1, at the same path): 405 with Allow naming both and a JSON body.
func TestTokenMethodNotAllowed(t *testing.T) {
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodHead} {
		t.Run(m, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenDo(tokenCall{method: m, body: "grant_type=refresh_token&refresh_token=x", auth: basicAuth(confID, confSecret)})
			if got := r.header.Get("Allow"); got != "DELETE, POST" {
				t.Errorf("Allow = %q, want DELETE, POST", got)
			}
			if m == http.MethodHead { // no body to read
				if r.status != http.StatusMethodNotAllowed {
					t.Fatalf("status %d, want 405", r.status)
				}
				return
			}
			wantError(t, r, http.StatusMethodNotAllowed, "invalid_request")
		})
	}
}

// TestTokenContentType: R-TOKEN-1, only form-urlencoded and JSON bodies.
func TestTokenContentType(t *testing.T) {
	body := "grant_type=refresh_token&refresh_token=x"
	for _, ct := range []string{"text/plain", "multipart/form-data; boundary=xyz", "application/xml", "-", "application/x-www-form-urlencoded; charset=\"unterminated"} {
		t.Run(ct, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenDo(tokenCall{ctype: ct, body: body, auth: basicAuth(confID, confSecret)})
			wantError(t, r, http.StatusBadRequest, "invalid_request")
		})
	}
	// Parameters on the media type are fine; the request reaches the grant.
	e := newEnv(t)
	r := e.tokenDo(tokenCall{ctype: formType + "; charset=UTF-8", body: body, auth: basicAuth(confID, confSecret)})
	wantError(t, r, http.StatusBadRequest, "invalid_grant")
}

// TestTokenBodyLimit: R-TOKEN-1, bodies are limited to 64 KiB: one byte more is 413.
func TestTokenBodyLimit(t *testing.T) {
	const limit = 64 << 10
	prefix := "grant_type=refresh_token&refresh_token="
	for _, tc := range []struct {
		name   string
		ctype  string
		body   string
		status int
		code   string
	}{
		{"form at the limit", formType, prefix + strings.Repeat("a", limit-len(prefix)), http.StatusBadRequest, "invalid_grant"},
		{"form over the limit", formType, prefix + strings.Repeat("a", limit-len(prefix)+1), http.StatusRequestEntityTooLarge, "invalid_request"},
		{"json over the limit", "application/json", `{"grant_type":"refresh_token","refresh_token":"` + strings.Repeat("a", limit) + `"}`, http.StatusRequestEntityTooLarge, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenDo(tokenCall{ctype: tc.ctype, body: tc.body, auth: basicAuth(confID, confSecret)})
			wantError(t, r, tc.status, tc.code)
		})
	}
}

// TestTokenMalformedForm: R-TOKEN-1, a body that is not strict form encoding is refused.
func TestTokenMalformedForm(t *testing.T) {
	for _, body := range []string{
		"grant_type=refresh_token&refresh_token=%zz",
		"grant_type=refresh_token;refresh_token=x",
		"a=1;b=2",
		"grant_type=refresh_token&refresh_token=x%",
		"grant_type%=refresh_token",
	} {
		t.Run(body, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenDo(tokenCall{body: body, auth: basicAuth(confID, confSecret)})
			wantError(t, r, http.StatusBadRequest, "invalid_request")
		})
	}
}

// TestTokenJSONBody: R-TOKEN-1, a JSON body works for a whole code exchange and a refresh,
// as the seed's examples show.
func TestTokenJSONBody(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	body, _ := json.Marshal(map[string]string{
		"grant_type": "authorization_code", "code": code, "redirect_uri": confRedirect,
		"client_id": confID, "client_secret": confSecret,
	})
	r := e.tokenDo(tokenCall{ctype: "application/json; charset=utf-8", body: string(body)})
	wantTokens(t, r)
	if r.str("account_id") != aliceID || r.str("organization_id") != orgA || r.json["expires_in"] != float64(28800) {
		t.Errorf("token answer = %s", r.raw)
	}
	body, _ = json.Marshal(map[string]any{"grant_type": "refresh_token", "refresh_token": r.str("refresh_token"), "scope": nil})
	wantTokens(t, e.tokenDo(tokenCall{ctype: "application/json", body: string(body), auth: basicAuth(confID, confSecret)}))
}

// TestTokenJSONMalformed: R-TOKEN-1, a JSON body must be one flat object of strings.
func TestTokenJSONMalformed(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"not json", `grant_type=refresh_token`},
		{"unterminated", `{"grant_type":"refresh_token"`},
		{"array", `["grant_type","refresh_token"]`},
		{"string", `"grant_type"`},
		{"null", `null`},
		{"empty", ``},
		{"nested object", `{"grant_type":"refresh_token","refresh_token":{"x":"y"}}`},
		{"nested array", `{"grant_type":["refresh_token"],"refresh_token":"x"}`},
		{"number", `{"grant_type":"refresh_token","refresh_token":12345}`},
		{"bool", `{"grant_type":"refresh_token","refresh_token":true}`},
		{"trailing object", `{"grant_type":"refresh_token","refresh_token":"x"}{"scope":"a"}`},
		{"trailing garbage", `{"grant_type":"refresh_token","refresh_token":"x"} x`},
		{"trailing comma", `{"grant_type":"refresh_token","refresh_token":"x",}`},
		{"missing colon", `{"grant_type" "refresh_token"}`},
		{"bad escape", `{"grant_type":"refresh_token","refresh_token":"\q"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenDo(tokenCall{ctype: "application/json", body: tc.body, auth: basicAuth(confID, confSecret)})
			wantError(t, r, http.StatusBadRequest, "invalid_request")
		})
	}
}

// TestTokenDuplicateParams: R-TOKEN-1, RFC 6749 §3.1: a repeated parameter is
// invalid_request, in a form and in JSON, however the name is spelled; the code survives.
func TestTokenDuplicateParams(t *testing.T) {
	for _, tc := range []struct{ name, ctype, body string }{
		{"form grant_type", formType, "grant_type=authorization_code&grant_type=refresh_token&code=CODE&redirect_uri=" + url.QueryEscape(confRedirect)},
		{"form redirect_uri", formType, "grant_type=authorization_code&code=CODE&redirect_uri=" + url.QueryEscape(confRedirect) + "&redirect_uri=" + url.QueryEscape(confRedirect)},
		{"form escaped name", formType, "grant_type=authorization_code&code=CODE&co%64e=CODE&redirect_uri=" + url.QueryEscape(confRedirect)},
		{"form empty and set", formType, "grant_type=authorization_code&code=&code=CODE&redirect_uri=" + url.QueryEscape(confRedirect)},
		{"json key", "application/json", `{"grant_type":"authorization_code","code":"CODE","code":"CODE","redirect_uri":"` + confRedirect + `"}`},
		{"json escaped key", "application/json", `{"grant_type":"authorization_code","code":"CODE","c\u006fde":"other","redirect_uri":"` + confRedirect + `"}`},
		{"json null and set", "application/json", `{"grant_type":"authorization_code","code":null,"code":"CODE","redirect_uri":"` + confRedirect + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			code := e.codeFor(nil)
			r := e.tokenDo(tokenCall{ctype: tc.ctype, body: strings.ReplaceAll(tc.body, "CODE", code), auth: basicAuth(confID, confSecret)})
			wantError(t, r, http.StatusBadRequest, "invalid_request")
			if !strings.Contains(r.str("error_description"), "more than once") {
				t.Errorf("error_description = %q, want the repetition named", r.str("error_description"))
			}
			wantTokens(t, e.tokenForm(confID, confSecret, codeForm(code)))
		})
	}
}

// TestTokenEmptyParamIsAbsent: R-TOKEN-1, a parameter sent with an empty value (or JSON
// null) counts as not sent.
func TestTokenEmptyParamIsAbsent(t *testing.T) {
	e := newEnv(t)
	r := e.tokenDo(tokenCall{body: "grant_type=&code=x", auth: basicAuth(confID, confSecret)})
	wantError(t, r, http.StatusBadRequest, "invalid_request")
	r = e.tokenForm(confID, confSecret, codeForm(""))
	wantError(t, r, http.StatusBadRequest, "invalid_request")

	// An empty code_verifier on a code without challenge is no PKCE downgrade, and an empty
	// client_secret beside Basic is not a second authentication method.
	r = e.tokenForm(confID, confSecret, codeForm(e.codeFor(nil), "code_verifier", "", "client_secret", ""))
	wantTokens(t, r)
	body := `{"grant_type":"authorization_code","code":"` + e.codeFor(nil) + `","redirect_uri":"` + confRedirect + `","code_verifier":"","client_secret":null}`
	wantTokens(t, e.tokenDo(tokenCall{ctype: "application/json", body: body, auth: basicAuth(confID, confSecret)}))

	// An empty scope on a refresh keeps the whole grant.
	r2 := e.tokenForm(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}, "scope": {""}})
	wantTokens(t, r2)
	if r2.str("scope") != r.str("scope") {
		t.Errorf("scope after an empty scope parameter = %q, want %q", r2.str("scope"), r.str("scope"))
	}
}

// TestTokenGrantTypes: R-TOKEN-6, only the enabled grant types are served.
func TestTokenGrantTypes(t *testing.T) {
	for _, gt := range []string{"client_credentials", "password", "garbage", "implicit", "token", "AUTHORIZATION_CODE", "urn:ietf:params:oauth:grant-type:device_code"} {
		t.Run(gt, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenForm(confID, confSecret, url.Values{"grant_type": {gt}, "username": {"alice@example.com"}, "password": {alicePW}})
			wantError(t, r, http.StatusBadRequest, "unsupported_grant_type")
		})
	}
	t.Run("missing", func(t *testing.T) {
		e := newEnv(t)
		r := e.tokenForm(confID, confSecret, url.Values{"code": {"x"}, "redirect_uri": {confRedirect}})
		wantError(t, r, http.StatusBadRequest, "invalid_request")
	})
	// A handler built with only the refresh grant refuses codes.
	t.Run("handler without the code grant", func(t *testing.T) {
		e := newEnv(t)
		h := e.flows.TokenHandler(e.flows.RefreshTokenGrant())
		req := httptest.NewRequest(http.MethodPost, "/v2/token", strings.NewReader(codeForm(e.codeFor(nil)).Encode()))
		req.Header.Set("Content-Type", formType)
		req.Header.Set("Authorization", basicAuth(confID, confSecret))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		r := tokenReply{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
		_ = json.Unmarshal(rec.Body.Bytes(), &r.json)
		wantError(t, r, http.StatusBadRequest, "unsupported_grant_type")
	})
}

// TestTokenNoStoreEverywhere: R-TOKEN-4 / R-SEC-5, Cache-Control: no-store and Pragma:
// no-cache on the successes of both grants, on the /token alias, and on an error of every
// status the endpoint uses (503 is in TestStorageFailure).
func TestTokenNoStoreEverywhere(t *testing.T) {
	e := newEnv(t)
	ok := e.tokenForm(confID, confSecret, codeForm(e.codeFor(nil)))
	wantTokens(t, ok)
	wantTokens(t, e.tokenForm(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ok.str("refresh_token")}}))
	wantTokens(t, e.tokenDo(tokenCall{path: "/token", body: codeForm(e.codeFor(nil)).Encode(), auth: basicAuth(confID, confSecret)}))

	for _, tc := range []struct {
		c      tokenCall
		status int
		code   string
	}{
		{tokenCall{method: http.MethodGet}, 405, "invalid_request"},
		{tokenCall{ctype: "text/plain", body: "x"}, 400, "invalid_request"},
		{tokenCall{body: "grant_type=refresh_token&x=" + strings.Repeat("a", 64<<10)}, 413, "invalid_request"},
		{tokenCall{body: "grant_type=refresh_token&refresh_token=x", auth: basicAuth(confID, "wrong")}, 401, "invalid_client"},
		{tokenCall{body: "grant_type=refresh_token&refresh_token=x&client_id=" + confID + "&client_secret=wrong"}, 401, "invalid_client"},
		{tokenCall{body: "grant_type=refresh_token&refresh_token=x", auth: basicAuth("nobody", "x")}, 401, "unauthorized_client"},
		{tokenCall{body: "grant_type=refresh_token&refresh_token=x", auth: basicAuth(confID, confSecret)}, 400, "invalid_grant"},
		{tokenCall{body: "grant_type=password", auth: basicAuth(confID, confSecret)}, 400, "unsupported_grant_type"},
	} {
		wantError(t, e.tokenDo(tc.c), tc.status, tc.code)
	}
	// 429 after repeated failures (R-SEC-3).
	var r tokenReply
	for range 11 {
		r = e.tokenForm(privID, "wrong", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}})
	}
	wantError(t, r, http.StatusTooManyRequests, "invalid_client")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if _, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil {
		t.Errorf("Retry-After = %q, want seconds", r.header.Get("Retry-After"))
	}
}
