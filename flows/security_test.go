package flows_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Code and refresh-token security at the token endpoint (R-TOKEN-3, R-TOKEN-5, R-SEC-1,
// R-SEC-2, R-SEC-7). Storage failures and races are in token_storage_test.go.

// RFC 7636 Appendix B.
const (
	appBVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	appBChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// s256 computes an S256 code_challenge by hand, for any string.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// pkceCode is a conf-app code bound to the S256 challenge of verifier.
func (e *env) pkceCode(verifier string) string {
	e.t.Helper()
	return e.codeFor(url.Values{"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
}

// TestRFC7636Vector: R-SEC-7, the Appendix B vector end to end, for a confidential and a
// public client, with the method spelled as in the RFC and as in the seed ("s256").
func TestRFC7636Vector(t *testing.T) {
	for _, tc := range []struct {
		name, method, client, secret, redirect string
	}{
		{"confidential S256", "S256", confID, confSecret, confRedirect},
		{"confidential s256", "s256", confID, confSecret, confRedirect},
		{"public S256", "S256", pubID, "", pubRedirect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			code := e.codeFor(url.Values{"client_id": {tc.client}, "redirect_uri": {tc.redirect}, "code_challenge": {appBChallenge}, "code_challenge_method": {tc.method}})
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tc.redirect}, "code_verifier": {appBVerifier}}
			if tc.secret == "" {
				form.Set("client_id", tc.client)
			}
			wantTokens(t, e.tokenForm(idIf(tc.secret, tc.client), tc.secret, form))
		})
	}
}

func idIf(secret, id string) string {
	if secret == "" {
		return ""
	}
	return id
}

// TestCodeVerifierChecks: R-TOKEN-3, code_verifier is required when a challenge was sent and
// must match it; plain works when the client chose it; a refused verifier leaves the code
// usable.
func TestCodeVerifierChecks(t *testing.T) {
	e := newEnv(t)
	verifier := strings.Repeat("v", 50)
	code := e.pkceCode(verifier)
	for _, tc := range []struct{ name, verifier string }{
		{"missing", ""},
		{"wrong", strings.Repeat("w", 50)},
		{"the challenge itself", s256(verifier)},
		{"RFC vector verifier", appBVerifier},
	} {
		r := e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", tc.verifier))
		t.Run(tc.name, func(t *testing.T) { wantError(t, r, http.StatusBadRequest, "invalid_grant") })
	}
	wantTokens(t, e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", verifier)))

	plain := strings.Repeat("p", 43)
	code = e.codeFor(url.Values{"code_challenge": {plain}, "code_challenge_method": {"plain"}})
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", s256(plain))), http.StatusBadRequest, "invalid_grant")
	wantTokens(t, e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", plain)))
}

// TestPKCEDowngrade: R-SEC-2, a code issued without a challenge and redeemed with a
// code_verifier is refused (RFC 9700 §4.8.2).
func TestPKCEDowngrade(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", appBVerifier)), http.StatusBadRequest, "invalid_grant")
	wantTokens(t, e.tokenForm(confID, confSecret, codeForm(code)))
}

// TestPKCEVerifierFormat: R-SEC-2 / RFC 7636 §4.1, a verifier outside 43–128 characters of
// [A-Za-z0-9-._~] is refused even when its S256 hash is the challenge; the limits
// themselves are accepted.
func TestPKCEVerifierFormat(t *testing.T) {
	for _, tc := range []struct {
		name     string
		verifier string
		ok       bool
	}{
		{"42 chars", strings.Repeat("a", 42), false},
		{"129 chars", strings.Repeat("a", 129), false},
		{"plus", strings.Repeat("a", 42) + "+", false},
		{"slash", strings.Repeat("a", 42) + "/", false},
		{"equals", strings.Repeat("a", 42) + "=", false},
		{"space", strings.Repeat("a", 21) + " " + strings.Repeat("a", 21), false},
		{"non-ASCII", strings.Repeat("a", 42) + "é", false},
		{"43 chars", strings.Repeat("a", 43), true},
		{"128 chars", strings.Repeat("-._~", 32), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenForm(confID, confSecret, codeForm(e.pkceCode(tc.verifier), "code_verifier", tc.verifier))
			if tc.ok {
				wantTokens(t, r)
			} else {
				wantError(t, r, http.StatusBadRequest, "invalid_grant")
			}
		})
	}
}

// TestCodeBoundToClient: R-SEC-2 / RFC 6749 §4.1.3, another client redeeming a code gets
// invalid_grant, and the code stays usable by its own client.
func TestCodeBoundToClient(t *testing.T) {
	e := newEnv(t)
	code := e.pkceCode(appBVerifier)
	wantError(t, e.tokenForm(privID, privSecret, codeForm(code, "code_verifier", appBVerifier)), http.StatusBadRequest, "invalid_grant")
	wantError(t, e.tokenForm("", "", codeForm(code, "code_verifier", appBVerifier, "client_id", pubID)), http.StatusBadRequest, "invalid_grant")
	wantError(t, e.tokenForm("", "", codeForm(code, "code_verifier", appBVerifier, "client_id", pubID, "redirect_uri", pubRedirect)), http.StatusBadRequest, "invalid_grant")
	wantTokens(t, e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", appBVerifier)))
}

// TestCodeRequestChecks: R-TOKEN-3, code and redirect_uri are required and must match the
// authorization request; refusals do not consume the code.
func TestCodeRequestChecks(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	for _, tc := range []struct {
		name string
		form url.Values
		code string
	}{
		{"missing code", codeForm(""), "invalid_request"},
		{"unknown code", codeForm("oak:ac_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "invalid_grant"},
		{"missing redirect_uri", codeForm(code, "redirect_uri", ""), "invalid_request"},
		{"other redirect_uri", codeForm(code, "redirect_uri", "https://app.example/cb/other"), "invalid_grant"},
		{"redirect_uri with trailing slash", codeForm(code, "redirect_uri", confRedirect+"/"), "invalid_grant"},
		{"redirect_uri in another case", codeForm(code, "redirect_uri", strings.ToUpper(confRedirect)), "invalid_grant"},
	} {
		r := e.tokenForm(confID, confSecret, tc.form)
		t.Run(tc.name, func(t *testing.T) { wantError(t, r, http.StatusBadRequest, tc.code) })
	}
	wantTokens(t, e.tokenForm(confID, confSecret, codeForm(code)))
}

// TestCodeReplayWrongCredentials: R-SEC-1, a replay whose client authentication,
// code_verifier or redirect_uri is wrong is refused WITHOUT revoking the first redemption's
// tokens; a replay that passes every check revokes them (R-TOKEN-3).
func TestCodeReplayWrongCredentials(t *testing.T) {
	e := newEnv(t)
	code := e.pkceCode(appBVerifier)
	first := e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", appBVerifier))
	wantTokens(t, first)
	at, rt := first.str("access_token"), first.str("refresh_token")

	for _, tc := range []struct {
		name           string
		id, secret     string
		form           url.Values
		status         int
		code           string
		wantChallenged bool
	}{
		{"wrong verifier", confID, confSecret, codeForm(code, "code_verifier", strings.Repeat("x", 43)), 400, "invalid_grant", false},
		{"no verifier", confID, confSecret, codeForm(code), 400, "invalid_grant", false},
		{"malformed verifier", confID, confSecret, codeForm(code, "code_verifier", "short"), 400, "invalid_grant", false},
		{"wrong secret", confID, "wrong", codeForm(code, "code_verifier", appBVerifier), 401, "invalid_client", true},
		{"no secret", "", "", codeForm(code, "code_verifier", appBVerifier, "client_id", confID), 401, "invalid_client", false},
		{"other confidential client", privID, privSecret, codeForm(code, "code_verifier", appBVerifier), 400, "invalid_grant", false},
		{"public client", "", "", codeForm(code, "code_verifier", appBVerifier, "client_id", pubID), 400, "invalid_grant", false},
		{"wrong redirect_uri", confID, confSecret, codeForm(code, "code_verifier", appBVerifier, "redirect_uri", confRedirect+"/x"), 400, "invalid_grant", false},
	} {
		r := e.tokenForm(tc.id, tc.secret, tc.form)
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, r, tc.status, tc.code)
			if got := r.header.Get("WWW-Authenticate") != ""; got != tc.wantChallenged {
				t.Errorf("WWW-Authenticate present = %v", got)
			}
			if !e.live(at) || !e.live(rt) {
				t.Fatal("a refused replay revoked the first redemption's tokens")
			}
		})
	}
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code, "code_verifier", appBVerifier)), http.StatusBadRequest, "invalid_grant")
	if e.live(at) || e.live(rt) {
		t.Fatal("a valid replay left the first redemption's tokens alive")
	}
}

// TestRefreshTokenBinding: R-TOKEN-5 / R-SEC-2, a refresh token works only for its client,
// only as a refresh token; refusals revoke nothing.
func TestRefreshTokenBinding(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenForm(confID, confSecret, codeForm(e.codeFor(nil)))
	wantTokens(t, tok)
	at, rt := tok.str("access_token"), tok.str("refresh_token")
	for _, tc := range []struct {
		name, id, secret string
		form             url.Values
		status           int
		code             string
	}{
		{"missing refresh_token", confID, confSecret, url.Values{"grant_type": {"refresh_token"}}, 400, "invalid_request"},
		{"other confidential client", privID, privSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, 400, "invalid_grant"},
		{"public client", "", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {pubID}}, 400, "invalid_grant"},
		{"access token as refresh token", confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {at}}, 400, "invalid_grant"},
		{"code as refresh token", confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {e.codeFor(nil)}}, 400, "invalid_grant"},
		{"refresh token as code", confID, confSecret, codeForm(rt), 400, "invalid_grant"},
	} {
		r := e.tokenForm(tc.id, tc.secret, tc.form)
		t.Run(tc.name, func(t *testing.T) { wantError(t, r, tc.status, tc.code) })
	}
	if !e.live(at) || !e.live(rt) {
		t.Fatal("a refused refresh revoked tokens")
	}
	wantTokens(t, e.tokenForm(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}))
}

// TestRefreshScopeParameter: R-TOKEN-5, a scope parameter narrows the grant; one that names
// no scope at all (only separators) is invalid_scope, not a token without scopes.
func TestRefreshScopeParameter(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenForm(confID, confSecret, codeForm(e.codeFor(nil)))
	wantTokens(t, tok)
	refresh := func(scope string) tokenReply {
		return e.tokenForm(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}, "scope": {scope}})
	}
	for _, tc := range []struct {
		scope, code, want string
	}{
		{"chats--my:ro customers:own", "", "chats--my:ro,customers:own"},
		{"customers:own,chats--my:ro,customers:own", "", "chats--my:ro,customers:own"},
		{",", "invalid_scope", ""},
		{"  , ", "invalid_scope", ""},
		{"chats--my:ro \\x", "invalid_scope", ""},
		{"agents--all:rw", "access_denied", ""},
	} {
		r := refresh(tc.scope)
		if tc.code != "" {
			wantError(t, r, http.StatusBadRequest, tc.code)
			continue
		}
		wantTokens(t, r)
		if r.str("scope") != tc.want {
			t.Errorf("scope %q: got %q, want %q", tc.scope, r.str("scope"), tc.want)
		}
	}
}
