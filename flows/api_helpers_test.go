package flows_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
)

// Helpers for the tests of the token APIs around the token endpoint: revocation, info,
// introspection, personal access tokens, customers, metadata and client credentials.

// apiResp is an answer of the test server, body read, and decoded when it is JSON.
type apiResp struct {
	status int
	header http.Header
	raw    string
	obj    map[string]any   // set when the body is a JSON object
	list   []map[string]any // set when the body is a JSON array
}

// s returns the string field k of the JSON object, or "".
func (r apiResp) s(k string) string { v, _ := r.obj[k].(string); return v }

// noRedirects is a client that returns redirects instead of following them: none of these
// APIs redirects, and http.ServeMux's path-cleaning redirect must show.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// apiDo sends method path with body and the header pairs hdr (name, value, ...).
func (e *env) apiDo(method, path, body string, hdr ...string) apiResp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return readResp(resp)
}

// Header pairs for apiDo.
func bearerHdr(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func basicHdr(id, secret string) []string {
	v := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	return []string{"Authorization", "Basic " + v}
}

const (
	ctForm = "application/x-www-form-urlencoded"
	ctJSON = "application/json"
)

func hdrs(pairs ...[]string) []string {
	var out []string
	for _, p := range pairs {
		out = append(out, p...)
	}
	return out
}

func ctHdr(ct string) []string { return []string{"Content-Type", ct} }

// wantAPIError checks an R-ERR-1 JSON error answer and its no-store header (R-SEC-5).
func wantAPIError(t *testing.T, r apiResp, status int, code string) {
	t.Helper()
	if r.status != status || r.s("error") != code {
		t.Fatalf("got %d %s, want %d with error %q", r.status, r.raw, status, code)
	}
	if r.s("error_description") == "" {
		t.Errorf("error_description is missing: %s", r.raw)
	}
	if _, ok := r.obj["access_token"]; ok {
		t.Errorf("an error answer carries a token: %s", r.raw)
	}
	wantCacheNoStore(t, r)
}

// wantCacheNoStore checks Cache-Control: no-store (R-SEC-5).
func wantCacheNoStore(t *testing.T, r apiResp) {
	t.Helper()
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store (status %d)", got, r.status)
	}
}

// wantChallenge checks the WWW-Authenticate header exactly.
func wantChallenge(t *testing.T, r apiResp, want string) {
	t.Helper()
	if got := r.header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != want {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
}

// Challenges of RFC 6750 §3.
const (
	challengeNoToken = `Bearer realm="oauthkit"`
	challengeInvalid = `Bearer realm="oauthkit", error="invalid_token"`
)

// acct is a fixture account's credentials.
type acct struct{ login, pw string }

var (
	acctAlice = acct{"alice@example.com", alicePW}
	acctRoot  = acct{"root@example.com", rootPW}
	acctBob   = acct{"bob@example.com", bobPW}
)

// clientSecrets are the fixture clients' secrets ("" for the public one).
var clientSecrets = map[string]string{confID: confSecret, privID: privSecret, pubID: ""}

// tokenPair is a successful token answer.
type tokenPair struct {
	access, refresh string
	body            map[string]any
}

// tokensFor runs the code flow (with PKCE S256) of clientID for a, asking for scope, and
// redeems the code.
func (e *env) tokensFor(clientID string, a acct, scope string) tokenPair {
	e.t.Helper()
	redirect := confRedirect
	if clientID == pubID {
		redirect = pubRedirect
	}
	verifier := oauth2.GenerateVerifier()
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {scope}, "state": {"st"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
	p := e.browser().authorize(e.authURL(q), a.login, a.pw, "allow")
	code := callback(e.t, p, redirect).Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	return e.mustToken(clientID, form)
}

// aliceTokens is tokensFor(conf-app, alice, scope).
func (e *env) aliceTokens(scope string) tokenPair {
	e.t.Helper()
	return e.tokensFor(confID, acctAlice, scope)
}

// tokenAs posts form to the token endpoint as clientID: Basic for a confidential client,
// client_id in the body for the public one.
func (e *env) tokenAs(clientID string, form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	secret := clientSecrets[clientID]
	if secret == "" {
		form.Set("client_id", clientID)
		return e.tokenPost("", "", form)
	}
	return e.tokenPost(clientID, secret, form)
}

// mustToken is tokenAs that fails the test unless the answer is 200 with an access token.
func (e *env) mustToken(clientID string, form url.Values) tokenPair {
	e.t.Helper()
	resp, body := e.tokenAs(clientID, form)
	at, _ := body["access_token"].(string)
	if resp.StatusCode != http.StatusOK || at == "" {
		e.t.Fatalf("token request %v as %s: %d %v", form, clientID, resp.StatusCode, body)
	}
	rt, _ := body["refresh_token"].(string)
	return tokenPair{access: at, refresh: rt, body: body}
}

// refreshAs runs the refresh_token grant as clientID.
func (e *env) refreshAs(clientID, rt string) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.tokenAs(clientID, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// mustRefresh is refreshAs that must succeed.
func (e *env) mustRefresh(clientID, rt string) tokenPair {
	e.t.Helper()
	return e.mustToken(clientID, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// tokenAlive reports whether the token string tok is live in the store.
func (e *env) tokenAlive(tok string) bool {
	t, err := e.store.Token(context.Background(), e.hasher.Hash(tok), e.clock.Now())
	return err == nil && t.Live(e.clock.Now())
}

// infoGet calls GET /v2/info with tok as Bearer.
func (e *env) infoGet(tok string) apiResp {
	e.t.Helper()
	return e.apiDo(http.MethodGet, "/v2/info", "", bearerHdr(tok)...)
}

// introspectAs calls POST /introspect as a confidential client (Basic) for tok.
func (e *env) introspectAs(id, secret, tok string) apiResp {
	e.t.Helper()
	body := url.Values{"token": {tok}}.Encode()
	return e.apiDo(http.MethodPost, "/introspect", body, hdrs(ctHdr(ctForm), basicHdr(id, secret))...)
}

// isActive reports whether conf-app's introspection of tok says active, failing on non-200.
func (e *env) isActive(tok string) bool {
	e.t.Helper()
	r := e.introspectAs(confID, confSecret, tok)
	if r.status != http.StatusOK {
		e.t.Fatalf("introspection: %d %s", r.status, r.raw)
	}
	return r.obj["active"] == true
}

// wantInactive checks an introspection answer is exactly {"active":false} (RFC 7662 §2.2).
func wantInactive(t *testing.T, r apiResp) {
	t.Helper()
	if r.status != http.StatusOK || strings.TrimRight(r.raw, "\n") != `{"active":false}` {
		t.Errorf("got %d %q, want 200 {\"active\":false} exactly", r.status, r.raw)
	}
	wantCacheNoStore(t, r)
}

// createPAT posts a personal access token request body with tok as Bearer.
func (e *env) createPAT(tok, body string) apiResp {
	e.t.Helper()
	return e.apiDo(http.MethodPost, "/v2/personal_access_tokens", body, hdrs(ctHdr(ctJSON), bearerHdr(tok))...)
}

// custBody is a customer-endpoint JSON body for conf-app; extra replaces or adds fields.
func custBody(extra ...string) string {
	m := map[string]string{"client_id": confID, "response_type": "token", "redirect_uri": confRedirect}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			delete(m, extra[i])
			continue
		}
		m[extra[i]] = extra[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// customerPost posts body to /customer/ with tok as Bearer.
func (e *env) customerPost(tok, body string) apiResp {
	e.t.Helper()
	return e.apiDo(http.MethodPost, "/customer/", body, hdrs(ctHdr(ctJSON), bearerHdr(tok))...)
}

// newPAT creates a personal access token for accountID through the Go API.
func (e *env) newPAT(accountID, name string, names ...string) flows.PersonalToken {
	e.t.Helper()
	pt, err := e.flows.CreatePersonalToken(context.Background(), accountID, name, scopes.New(names...))
	if err != nil {
		e.t.Fatalf("CreatePersonalToken: %v", err)
	}
	return pt
}

// newCustomerToken gets a customer token from /customer/ with the access token tok; extra
// is as for custBody.
func (e *env) newCustomerToken(tok string, extra ...string) (token, entityID string) {
	e.t.Helper()
	r := e.customerPost(tok, custBody(extra...))
	if r.status != http.StatusOK || r.s("access_token") == "" {
		e.t.Fatalf("customer endpoint: %d %s", r.status, r.raw)
	}
	return r.s("access_token"), r.s("entity_id")
}

// readResp reads and closes resp's body, decoding JSON like apiDo.
func readResp(resp *http.Response) apiResp {
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	switch trimmed := strings.TrimSpace(r.raw); {
	case strings.HasPrefix(trimmed, "{"):
		_ = json.Unmarshal(raw, &r.obj)
	case strings.HasPrefix(trimmed, "["):
		_ = json.Unmarshal(raw, &r.list)
	}
	return r
}
