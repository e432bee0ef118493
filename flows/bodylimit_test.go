package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every request body the server reads is limited to 64 KiB (R-TOKEN-1 for the token
// endpoint, whose own test is TestTokenBodyLimit; STYLE.md: MaxBytesReader, and 413 for a
// MaxBytesError). Each test below sends a request that succeeds at exactly the limit,
// padded with a parameter the endpoint ignores (or JSON whitespace), and the same request
// one byte over, which must be refused: 413 (or at least a 4xx JSON error) from the JSON
// APIs, the usual error redirect from the browser forms; never 5xx, never a success.

const bodyLimit = 64 << 10

// padForm returns form plus a "pad" parameter, encoded to exactly size bytes.
func padForm(t *testing.T, form url.Values, size int) url.Values {
	t.Helper()
	n := size - len(form.Encode()) - len("&pad=")
	if n < 0 {
		t.Fatalf("form of %d bytes does not fit in %d", len(form.Encode()), size)
	}
	out := url.Values{"pad": {strings.Repeat("a", n)}}
	for k, v := range form {
		out[k] = v
	}
	if got := len(out.Encode()); got != size {
		t.Fatalf("padded form is %d bytes, want %d", got, size)
	}
	return out
}

// padJSON returns the JSON object obj with whitespace before its closing brace, size bytes
// in all.
func padJSON(t *testing.T, obj string, size int) string {
	t.Helper()
	head, ok := strings.CutSuffix(obj, "}")
	if !ok || len(obj) > size {
		t.Fatalf("cannot pad %q to %d bytes", obj, size)
	}
	return head + strings.Repeat(" ", size-len(obj)) + "}"
}

// wantTooLarge checks the refusal of an oversized body by a JSON API: 413 invalid_request
// with no-store and no token. A 400 is accepted (it is still a refusal) but logged, since
// the caller of MaxBytesReader should answer 413.
func wantTooLarge(t *testing.T, r apiResp, what string) {
	t.Helper()
	switch r.status {
	case http.StatusRequestEntityTooLarge:
	case http.StatusBadRequest:
		t.Logf("%s: a body over 64 KiB answers 400, not 413: %s", what, r.raw)
	default:
		t.Fatalf("%s: a body over 64 KiB answers %d %s, want 413", what, r.status, r.raw)
	}
	wantAPIError(t, r, r.status, "invalid_request")
}

func formAs(id, secret string) []string { return hdrs(ctHdr(ctForm), basicHdr(id, secret)) }

// TestBodyLimitIntrospect: POST /introspect.
func TestBodyLimitIntrospect(t *testing.T) {
	e := newEnv(t)
	tok := e.aliceTokens(agentScopes).access
	form := url.Values{"token": {tok}}

	r := e.apiDo(http.MethodPost, "/introspect", padForm(t, form, bodyLimit+1).Encode(), formAs(confID, confSecret)...)
	wantTooLarge(t, r, "/introspect")

	r = e.apiDo(http.MethodPost, "/introspect", padForm(t, form, bodyLimit).Encode(), formAs(confID, confSecret)...)
	if r.status != http.StatusOK || r.obj["active"] != true {
		t.Fatalf("at the limit: %d %s, want 200 active", r.status, r.raw)
	}
}

// TestBodyLimitRevoke: POST /revoke; the oversized request revokes nothing.
func TestBodyLimitRevoke(t *testing.T) {
	e := newEnv(t)
	kept, revoked := e.aliceTokens(agentScopes), e.aliceTokens(agentScopes)

	r := e.apiDo(http.MethodPost, "/revoke", padForm(t, url.Values{"token": {kept.access}}, bodyLimit+1).Encode(), formAs(confID, confSecret)...)
	wantTooLarge(t, r, "/revoke")
	e.wantAccessLive(kept.access, "the token named in an oversized revocation request")

	r = e.apiDo(http.MethodPost, "/revoke", padForm(t, url.Values{"token": {revoked.access}}, bodyLimit).Encode(), formAs(confID, confSecret)...)
	if r.status != http.StatusOK {
		t.Fatalf("at the limit: %d %s, want 200", r.status, r.raw)
	}
	e.wantAccessDead(revoked.access, "the token revoked at the limit")
}

// TestBodyLimitCustomer: POST /customer/ with a valid Bearer token; the oversized request
// creates no customer token.
func TestBodyLimitCustomer(t *testing.T) {
	e := newEnv(t)
	tok := e.aliceTokens(agentScopes).access

	wantTooLarge(t, e.customerPost(tok, padJSON(t, custBody(), bodyLimit+1)), "/customer/")

	r := e.customerPost(tok, padJSON(t, custBody(), bodyLimit))
	if r.status != http.StatusOK || r.s("access_token") == "" {
		t.Fatalf("at the limit: %d %s, want 200 with a customer token", r.status, r.raw)
	}
}

// TestBodyLimitPersonalTokens: POST /v2/personal_access_tokens with a valid Bearer token;
// the oversized request creates no token.
func TestBodyLimitPersonalTokens(t *testing.T) {
	e := newPATEnv(t)
	tok := e.consoleTokens(acctAlice, agentScopes).access
	body := `{"name":"ci","scopes":["chats--my:ro"]}`

	wantTooLarge(t, e.createPAT(tok, padJSON(t, body, bodyLimit+1)), "/v2/personal_access_tokens")
	if list := e.listPATs(tok); len(list) != 0 {
		t.Fatalf("an oversized request created %v", list)
	}

	r := e.createPAT(tok, padJSON(t, body, bodyLimit))
	if r.status != http.StatusCreated || r.s("token") == "" {
		t.Fatalf("at the limit: %d %s, want 201 with the secret", r.status, r.raw)
	}
}

// TestBodyLimitPasswordLogin: POST /old-login; the oversized form goes back to the sign-in
// page with identity_exception=invalid_request and starts no session.
func TestBodyLimitPasswordLogin(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	action, form := pageForm(t, b.get("/old-login"), url.Values{"email": {acctAlice.login}, "password": {acctAlice.pw}})

	p := b.once(b.formPost(action, padForm(t, form, bodyLimit+1), nil))
	u := redirectLocation(t, p, http.StatusSeeOther)
	if u.Path != "/old-login" || u.Query().Get("identity_exception") != "invalid_request" {
		t.Fatalf("an oversized sign-in form is sent to %q, want /old-login?identity_exception=invalid_request", u)
	}
	noSessionCookie(t, p)
	if b.sessionValue() != "" {
		t.Fatal("an oversized sign-in form started a session")
	}

	p = b.once(b.formPost(action, padForm(t, form, bodyLimit), nil))
	if p.StatusCode != http.StatusSeeOther || b.sessionValue() == "" {
		t.Fatalf("at the limit: %d to %q, want 303 and a session", p.StatusCode, p.Header.Get("Location"))
	}
}

// TestBodyLimitConsent: POST of the consent form to the authorization endpoint; the
// oversized form goes to the error page with invalid_request, and neither a grant is
// remembered nor a code issued.
func TestBodyLimitConsent(t *testing.T) {
	e := newEnv(t)
	b, page := e.consentPage(authzQuery(nil))
	action, form := pageForm(t, page, url.Values{"decision": {"allow"}})

	p := b.once(b.formPost(action, padForm(t, form, bodyLimit+1), nil))
	if q := errorPageRedirect(t, p, http.StatusSeeOther); q.Get("oauth_exception") != "invalid_request" {
		t.Fatalf("an oversized consent form: error page with %v, want oauth_exception=invalid_request", q)
	}
	e.noGrant()

	p = b.once(b.formPost(action, padForm(t, form, bodyLimit), nil))
	if clientRedirect(t, p, http.StatusSeeOther, confRedirect).Get("code") == "" {
		t.Fatal("at the limit: no code")
	}
}
