package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Revocation: the seed's DELETE /v2/token (R-REVOKE-1), pairs and families (R-REVOKE-2) and
// RFC 7009 POST /revoke (R-REVOKE-3).

// wantEmptyObject checks the seed's revocation answer: 200 {} with no-store (R-REVOKE-1,
// R-SEC-5).
func wantEmptyObject(t *testing.T, r apiResp) {
	t.Helper()
	if r.status != http.StatusOK || strings.TrimSpace(r.raw) != "{}" {
		t.Fatalf("got %d %q, want 200 {}", r.status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	wantCacheNoStore(t, r)
}

// wantAccessDead checks that an access token is refused at /v2/info.
func (e *env) wantAccessDead(tok, what string) {
	e.t.Helper()
	if r := e.infoGet(tok); r.status != http.StatusUnauthorized {
		e.t.Errorf("%s: /v2/info answers %d %s, want 401", what, r.status, r.raw)
	}
}

// wantAccessLive checks that an access token is accepted at /v2/info.
func (e *env) wantAccessLive(tok, what string) {
	e.t.Helper()
	if r := e.infoGet(tok); r.status != http.StatusOK {
		e.t.Errorf("%s: /v2/info answers %d %s, want 200", what, r.status, r.raw)
	}
}

// wantRefreshDead checks that a refresh token of clientID is invalid_grant.
func (e *env) wantRefreshDead(clientID, rt, what string) {
	e.t.Helper()
	if resp, body := e.refreshAs(clientID, rt); resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		e.t.Errorf("%s: refresh answers %d %v, want invalid_grant", what, resp.StatusCode, body)
	}
}

// TestRevokeDelete: R-REVOKE-1, DELETE /v2/token and /token with the access or the refresh
// token as Bearer, in a code query parameter or in a form or JSON body: 200 {} and both
// tokens of the pair stop working.
func TestRevokeDelete(t *testing.T) {
	for _, path := range []string{"/v2/token", "/token"} {
		for _, tc := range []struct {
			name  string
			which string // "access" or "refresh"
			how   string // "bearer", "query", "form", "json", "bearer+query"
		}{
			{"access as Bearer", "access", "bearer"},
			{"refresh as Bearer", "refresh", "bearer"},
			{"access in code query", "access", "query"},
			{"refresh in code query", "refresh", "query"},
			{"access in form body", "access", "form"},
			{"refresh in JSON body", "refresh", "json"},
			{"Bearer and the same code", "access", "bearer+query"},
		} {
			t.Run(strings.TrimPrefix(path, "/")+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t)
				tp := e.aliceTokens(agentScopes)
				tok := tp.access
				if tc.which == "refresh" {
					tok = tp.refresh
				}
				target, body, hdr := path, "", []string(nil)
				switch tc.how {
				case "bearer":
					hdr = bearerHdr(tok)
				case "query":
					target += "?" + url.Values{"code": {tok}}.Encode()
				case "form":
					body, hdr = url.Values{"code": {tok}}.Encode(), ctHdr(ctForm)
				case "json":
					body, hdr = `{"code":"`+tok+`"}`, ctHdr(ctJSON)
				case "bearer+query":
					target += "?" + url.Values{"code": {tok}}.Encode()
					hdr = bearerHdr(tok)
				}
				wantEmptyObject(t, e.apiDo(http.MethodDelete, target, body, hdr...))
				e.wantAccessDead(tp.access, "access token")
				e.wantRefreshDead(confID, tp.refresh, "refresh token")
			})
		}
	}
}

// TestRevokeDeleteUnknownAndErrors: R-REVOKE-1, an unknown token still answers 200 {}; no
// token, a malformed header, a Bearer token with a different code, or a code sent twice is
// invalid_request, and revokes nothing. R-SEC-5: no-store on every answer.
func TestRevokeDeleteUnknownAndErrors(t *testing.T) {
	e := newEnv(t)
	tp := e.aliceTokens(agentScopes)
	other := e.aliceTokens(agentScopes)
	unknown := "oak:at_" + strings.Repeat("x", 43)
	q := func(code string) string { return "?" + url.Values{"code": {code}}.Encode() }

	for _, tc := range []struct {
		name   string
		target string
		body   string
		hdr    []string
		status int // 200 means 200 {}
	}{
		{"unknown Bearer", "/v2/token", "", bearerHdr(unknown), http.StatusOK},
		{"unknown code", "/v2/token" + q(unknown), "", nil, http.StatusOK},
		{"unknown code at /token", "/token" + q(unknown), "", nil, http.StatusOK},
		{"no token", "/v2/token", "", nil, http.StatusBadRequest},
		{"empty code", "/v2/token?code=", "", nil, http.StatusBadRequest},
		{"Basic instead of Bearer", "/v2/token", "", basicHdr(confID, confSecret), http.StatusBadRequest},
		{"Bearer alone", "/v2/token", "", []string{"Authorization", "Bearer"}, http.StatusBadRequest},
		{"Bearer with two tokens", "/v2/token", "", []string{"Authorization", "Bearer " + tp.access + " " + other.access}, http.StatusBadRequest},
		{"Bearer and a different code", "/v2/token" + q(other.access), "", bearerHdr(tp.access), http.StatusBadRequest},
		{"Bearer and a different form code", "/v2/token", url.Values{"code": {other.access}}.Encode(), hdrs(bearerHdr(tp.access), ctHdr(ctForm)), http.StatusBadRequest},
		{"code in query and body", "/v2/token" + q(tp.access), url.Values{"code": {tp.access}}.Encode(), ctHdr(ctForm), http.StatusBadRequest},
		{"code repeated in query", "/v2/token" + q(tp.access) + "&code=x", "", nil, http.StatusBadRequest},
		{"body of another type", "/v2/token", "code=" + tp.access, ctHdr("text/plain"), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.apiDo(http.MethodDelete, tc.target, tc.body, tc.hdr...)
			if tc.status == http.StatusOK {
				wantEmptyObject(t, r)
			} else {
				wantAPIError(t, r, tc.status, "invalid_request")
			}
		})
	}
	for _, tok := range []string{tp.access, tp.refresh, other.access, other.refresh} {
		if !e.tokenAlive(tok) {
			t.Errorf("a refused or unknown revocation revoked a live token")
		}
	}
}

// TestRevokePairConfidential: R-REVOKE-2 for a confidential client, whose refresh token
// does not rotate: revoking an access token issued from a refresh revokes the refresh token
// and every access token paired with it (from the code and from each refresh); revoking the
// refresh token does the same. Another token family of the same client and account is
// untouched.
func TestRevokePairConfidential(t *testing.T) {
	for _, tc := range []struct {
		name   string
		victim func(first tokenPair, refreshed []tokenPair) string
		rfc    bool // through POST /revoke instead of DELETE /v2/token
	}{
		{"access token from a refresh", func(_ tokenPair, r []tokenPair) string { return r[0].access }, false},
		{"access token from the code", func(f tokenPair, _ []tokenPair) string { return f.access }, false},
		{"refresh token", func(f tokenPair, _ []tokenPair) string { return f.refresh }, false},
		{"access token from a refresh, RFC 7009", func(_ tokenPair, r []tokenPair) string { return r[1].access }, true},
		{"refresh token, RFC 7009", func(f tokenPair, _ []tokenPair) string { return f.refresh }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.aliceTokens(agentScopes)
			refreshed := []tokenPair{e.mustRefresh(confID, first.refresh), e.mustRefresh(confID, first.refresh)}
			for _, r := range refreshed {
				if r.refresh != first.refresh {
					t.Fatalf("a confidential client's refresh token rotated")
				}
			}
			otherFamily := e.aliceTokens(agentScopes)
			victim := tc.victim(first, refreshed)
			if tc.rfc {
				r := e.apiDo(http.MethodPost, "/revoke", url.Values{"token": {victim}}.Encode(), hdrs(ctHdr(ctForm), basicHdr(confID, confSecret))...)
				if r.status != http.StatusOK {
					t.Fatalf("POST /revoke: %d %s", r.status, r.raw)
				}
			} else {
				wantEmptyObject(t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(victim)...))
			}
			e.wantAccessDead(first.access, "access token from the code")
			for _, r := range refreshed {
				e.wantAccessDead(r.access, "access token from a refresh")
			}
			e.wantRefreshDead(confID, first.refresh, "refresh token")
			e.wantAccessLive(otherFamily.access, "other family's access token")
			if !e.tokenAlive(otherFamily.refresh) {
				t.Error("other family's refresh token was revoked")
			}
			e.mustRefresh(confID, otherFamily.refresh)
		})
	}
}

// TestRevokePairPublic: R-REVOKE-2 for a public client, whose refresh token rotates:
// revoking the access token of a refresh revokes the new refresh token it is paired with;
// revoking that refresh token revokes the access token.
func TestRevokePairPublic(t *testing.T) {
	for _, victim := range []string{"access", "refresh"} {
		t.Run(victim, func(t *testing.T) {
			e := newEnv(t)
			first := e.tokensFor(pubID, acctAlice, agentScopes)
			second := e.mustRefresh(pubID, first.refresh)
			if second.refresh == "" || second.refresh == first.refresh {
				t.Fatalf("a public client's refresh token did not rotate: %v", second.body)
			}
			otherFamily := e.tokensFor(pubID, acctAlice, agentScopes)
			tok := second.access
			if victim == "refresh" {
				tok = second.refresh
			}
			wantEmptyObject(t, e.apiDo(http.MethodDelete, "/token", "", bearerHdr(tok)...))
			e.wantAccessDead(second.access, "access token from the refresh")
			if e.tokenAlive(second.refresh) {
				t.Error("the paired refresh token survived")
			}
			e.wantRefreshDead(pubID, second.refresh, "paired refresh token")
			e.wantAccessLive(otherFamily.access, "other family's access token")
			e.mustRefresh(pubID, otherFamily.refresh)
		})
	}
}

// TestRevokeRFC7009: R-REVOKE-3, POST /revoke with client authentication (Basic, post, or
// client_id alone for a public client), token and an optional token_type_hint: 200 with an
// empty body whether the token was the caller's (then revoked), unknown, already revoked,
// or another client's (then left alone).
func TestRevokeRFC7009(t *testing.T) {
	type caller struct{ id, secret, style string } // style: basic, post, none
	var (
		confBasic = caller{confID, confSecret, "basic"}
		confPost  = caller{confID, confSecret, "post"}
		pubNone   = caller{pubID, "", "none"}
	)
	for _, tc := range []struct {
		name        string
		who         caller
		owner       string // client the token is issued to; "" for an unknown token
		which       string // access or refresh
		hint        string
		revokeFirst bool
		wantRevoked bool
	}{
		{"own access token, Basic", confBasic, confID, "access", "", false, true},
		{"own access token, post", confPost, confID, "access", "", false, true},
		{"own refresh token, hinted", confBasic, confID, "refresh", "refresh_token", false, true},
		{"own access token, hinted", confPost, confID, "access", "access_token", false, true},
		{"own access token, wrong hint", confBasic, confID, "access", "refresh_token", false, true},
		{"own refresh token, unknown hint", confBasic, confID, "refresh", "something", false, true},
		{"unknown token", confBasic, "", "access", "", false, false},
		{"already revoked", confBasic, confID, "access", "", true, true},
		{"another client's access token", confBasic, privID, "access", "", false, false},
		{"another client's refresh token", confPost, privID, "refresh", "refresh_token", false, false},
		{"public client, own token", pubNone, pubID, "access", "", false, true},
		{"public client, own refresh token", pubNone, pubID, "refresh", "", false, true},
		{"public client, another client's token", pubNone, confID, "refresh", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tp := tokenPair{access: "oak:at_" + strings.Repeat("u", 43), refresh: "oak:rt_" + strings.Repeat("u", 43)}
			if tc.owner != "" {
				tp = e.tokensFor(tc.owner, acctAlice, agentScopes)
			}
			tok := tp.access
			if tc.which == "refresh" {
				tok = tp.refresh
			}
			if tc.revokeFirst {
				wantEmptyObject(t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tok)...))
			}
			form := url.Values{"token": {tok}}
			if tc.hint != "" {
				form.Set("token_type_hint", tc.hint)
			}
			hdr := ctHdr(ctForm)
			switch tc.who.style {
			case "basic":
				hdr = hdrs(hdr, basicHdr(tc.who.id, tc.who.secret))
			case "post":
				form.Set("client_id", tc.who.id)
				form.Set("client_secret", tc.who.secret)
			case "none":
				form.Set("client_id", tc.who.id)
			}
			r := e.apiDo(http.MethodPost, "/revoke", form.Encode(), hdr...)
			if r.status != http.StatusOK || r.raw != "" {
				t.Fatalf("got %d %q, want 200 with an empty body", r.status, r.raw)
			}
			wantCacheNoStore(t, r)
			if tc.owner == "" {
				return
			}
			if got := !e.tokenAlive(tp.access) && !e.tokenAlive(tp.refresh); got != tc.wantRevoked {
				t.Errorf("pair revoked = %v, want %v", got, tc.wantRevoked)
			}
			if !tc.wantRevoked {
				e.wantAccessLive(tp.access, "another client's access token")
				e.mustRefresh(tc.owner, tp.refresh)
			}
		})
	}
}

// TestRevokeRFC7009Errors: R-REVOKE-3 and R-ERR-1, client authentication failures and bad
// requests at POST /revoke revoke nothing; GET is 405 (R-SEC-5: no-store throughout).
func TestRevokeRFC7009Errors(t *testing.T) {
	e := newEnv(t)
	tp := e.aliceTokens(agentScopes)
	tokForm := url.Values{"token": {tp.access}}.Encode()
	for _, tc := range []struct {
		name      string
		method    string
		body      string
		hdr       []string
		status    int
		code      string
		challenge string
	}{
		{"wrong secret, Basic", http.MethodPost, tokForm, hdrs(ctHdr(ctForm), basicHdr(confID, "wrong-secret-0123456789")),
			http.StatusUnauthorized, "invalid_client", `Basic realm="oauthkit", charset="UTF-8"`},
		{"wrong secret, post", http.MethodPost, tokForm + "&client_id=conf-app&client_secret=wrong", ctHdr(ctForm),
			http.StatusUnauthorized, "invalid_client", ""},
		{"confidential client without its secret", http.MethodPost, tokForm + "&client_id=conf-app", ctHdr(ctForm),
			http.StatusUnauthorized, "invalid_client", ""},
		{"no client authentication", http.MethodPost, tokForm, ctHdr(ctForm), http.StatusBadRequest, "unauthorized_client", ""},
		{"unknown client", http.MethodPost, tokForm, hdrs(ctHdr(ctForm), basicHdr("nobody", "x")),
			http.StatusUnauthorized, "unauthorized_client", `Basic realm="oauthkit", charset="UTF-8"`},
		{"no token", http.MethodPost, "token_type_hint=access_token", hdrs(ctHdr(ctForm), basicHdr(confID, confSecret)),
			http.StatusBadRequest, "invalid_request", ""},
		{"token repeated", http.MethodPost, tokForm + "&" + tokForm, hdrs(ctHdr(ctForm), basicHdr(confID, confSecret)),
			http.StatusBadRequest, "invalid_request", ""},
		{"wrong content type", http.MethodPost, tokForm, hdrs(ctHdr("text/plain"), basicHdr(confID, confSecret)),
			http.StatusBadRequest, "invalid_request", ""},
		{"GET", http.MethodGet, "", basicHdr(confID, confSecret), http.StatusMethodNotAllowed, "invalid_request", ""},
		{"DELETE", http.MethodDelete, "", bearerHdr(tp.access), http.StatusMethodNotAllowed, "invalid_request", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.apiDo(tc.method, "/revoke", tc.body, tc.hdr...)
			wantAPIError(t, r, tc.status, tc.code)
			if tc.challenge != "" {
				wantChallenge(t, r, tc.challenge)
			}
			if tc.status == http.StatusMethodNotAllowed {
				if got := r.header.Get("Allow"); got != http.MethodPost {
					t.Errorf("Allow = %q, want POST", got)
				}
			}
		})
	}
	if !e.tokenAlive(tp.access) || !e.tokenAlive(tp.refresh) {
		t.Error("a refused revocation revoked the token")
	}
}
