package flows_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The seed's token info endpoint, GET /v2/info and /info (R-INFO-1).

const agentScopesCommas = "chats--all:ro,chats--all:rw,chats--my:ro,customers:own"

// TestInfo: R-INFO-1, an access token from the code exchange is described with exactly the
// seed's fields, no refresh_token, and expires_in counting down by the server's clock, at
// /v2/info and at /info; R-SEC-5 no-store.
func TestInfo(t *testing.T) {
	for _, path := range []string{"/v2/info", "/info"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			e := newEnv(t)
			tp := e.aliceTokens(agentScopes)
			want := map[string]any{
				"access_token":    tp.access,
				"account_id":      aliceID,
				"client_id":       confID,
				"expires_in":      float64(28800),
				"organization_id": orgA,
				"scope":           agentScopesCommas,
				"token_type":      "Bearer",
			}
			get := func() apiResp {
				t.Helper()
				r := e.apiDo(http.MethodGet, path, "", bearerHdr(tp.access)...)
				if r.status != http.StatusOK {
					t.Fatalf("status %d %s, want 200", r.status, r.raw)
				}
				wantCacheNoStore(t, r)
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q", ct)
				}
				return r
			}
			if diff := cmp.Diff(want, get().obj); diff != "" {
				t.Errorf("info (-want +got):\n%s", diff)
			}
			e.clock.Advance(time.Hour)
			want["expires_in"] = float64(28800 - 3600)
			if diff := cmp.Diff(want, get().obj); diff != "" {
				t.Errorf("info an hour later (-want +got):\n%s", diff)
			}
			e.clock.Advance(7*time.Hour - time.Second)
			want["expires_in"] = float64(1)
			if diff := cmp.Diff(want, get().obj); diff != "" {
				t.Errorf("info a second before expiry (-want +got):\n%s", diff)
			}
			e.clock.Advance(time.Second)
			r := e.apiDo(http.MethodGet, path, "", bearerHdr(tp.access)...)
			wantAPIError(t, r, http.StatusUnauthorized, "invalid_token")
			wantChallenge(t, r, challengeInvalid)
		})
	}
}

// TestInfoNarrowScope: R-INFO-1, scope lists the token's own scopes, comma-separated.
func TestInfoNarrowScope(t *testing.T) {
	e := newEnv(t)
	tp := e.aliceTokens("chats--my:ro chats--all:ro")
	r := e.infoGet(tp.access)
	if r.status != http.StatusOK || r.s("scope") != "chats--all:ro,chats--my:ro" {
		t.Fatalf("got %d %s, want scope chats--all:ro,chats--my:ro", r.status, r.raw)
	}
}

// TestInfoFromRefresh: R-INFO-1, an access token issued by the refresh_token grant shows its
// refresh token when its client is confidential (the unchanged one); a public client's new
// (rotated) one is never shown. Other access tokens show none.
func TestInfoFromRefresh(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client string
	}{
		{"confidential", confID},
		{"public with rotation, not shown", pubID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.tokensFor(tc.client, acctAlice, agentScopes)
			next := e.mustRefresh(tc.client, first.refresh)
			if tc.client == confID && next.refresh != first.refresh {
				t.Fatalf("confidential refresh token rotated")
			}
			if tc.client == pubID && next.refresh == first.refresh {
				t.Fatalf("public refresh token did not rotate")
			}
			r := e.infoGet(next.access)
			if r.status != http.StatusOK {
				t.Fatalf("info: %d %s", r.status, r.raw)
			}
			want := map[string]any{
				"access_token":    next.access,
				"account_id":      aliceID,
				"client_id":       tc.client,
				"expires_in":      float64(28800),
				"organization_id": orgA,
				"scope":           agentScopesCommas,
				"token_type":      "Bearer",
				"refresh_token":   next.refresh,
			}
			if tc.client == pubID {
				delete(want, "refresh_token")
			}
			if diff := cmp.Diff(want, r.obj); diff != "" {
				t.Errorf("info of a refreshed access token (-want +got):\n%s", diff)
			}
			if r := e.infoGet(first.access); r.status != http.StatusOK || r.obj["refresh_token"] != nil {
				t.Errorf("info of the code's access token: %d %s, want no refresh_token", r.status, r.raw)
			}
		})
	}
}

// TestInfoRefusedTokens: R-INFO-1, refresh, personal and customer tokens (R-CUST-2) are not
// accepted, nor are unknown, expired or revoked access tokens: 401 with an RFC 6750 §3
// invalid_token challenge, and no-store (R-SEC-5).
func TestInfoRefusedTokens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token func(e *env) string
	}{
		{"refresh token", func(e *env) string { return e.aliceTokens(agentScopes).refresh }},
		{"rotated refresh token", func(e *env) string {
			first := e.tokensFor(pubID, acctAlice, agentScopes)
			e.mustRefresh(pubID, first.refresh)
			return first.refresh
		}},
		{"personal access token", func(e *env) string { return e.newPAT(aliceID, "ci", "chats--my:ro").Token }},
		{"customer token", func(e *env) string {
			tok, _ := e.newCustomerToken(e.aliceTokens(agentScopes).access)
			return tok
		}},
		{"unknown token", func(*env) string { return "oak:at_" + strings.Repeat("A", 43) }},
		{"expired access token", func(e *env) string {
			tok := e.aliceTokens(agentScopes).access
			e.clock.Advance(8 * time.Hour)
			return tok
		}},
		{"revoked access token", func(e *env) string {
			tok := e.aliceTokens(agentScopes).access
			wantEmptyObject(e.t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tok)...))
			return tok
		}},
		{"access token of a revoked refresh token", func(e *env) string {
			tp := e.aliceTokens(agentScopes)
			wantEmptyObject(e.t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tp.refresh)...))
			return tp.access
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tok := tc.token(e)
			for _, path := range []string{"/v2/info", "/info"} {
				r := e.apiDo(http.MethodGet, path, "", bearerHdr(tok)...)
				wantAPIError(t, r, http.StatusUnauthorized, "invalid_token")
				wantChallenge(t, r, challengeInvalid)
				if strings.Contains(r.raw, tok) {
					t.Errorf("the refused token is echoed: %s", r.raw)
				}
			}
		})
	}
}

// TestInfoRequestErrors: R-INFO-1 with RFC 6750 §2.1 and §3: no credentials is 401 with a
// bare challenge; another scheme or a token in the query counts as none; a malformed Bearer
// header is 400; methods other than GET are 405. A lowercase scheme name is accepted.
func TestInfoRequestErrors(t *testing.T) {
	e := newEnv(t)
	tp := e.aliceTokens(agentScopes)
	for _, tc := range []struct {
		name      string
		method    string
		target    string
		hdr       []string
		status    int
		challenge string
	}{
		{"no Authorization header", http.MethodGet, "/v2/info", nil, http.StatusUnauthorized, challengeNoToken},
		{"Basic credentials", http.MethodGet, "/v2/info", basicHdr(confID, confSecret), http.StatusUnauthorized, challengeNoToken},
		{"another scheme starting with Bearer", http.MethodGet, "/v2/info", []string{"Authorization", "Bearerish " + tp.access}, http.StatusUnauthorized, challengeNoToken},
		{"token in the query", http.MethodGet, "/v2/info?access_token=" + tp.access, nil, http.StatusUnauthorized, challengeNoToken},
		{"Bearer alone", http.MethodGet, "/v2/info", []string{"Authorization", "Bearer"}, http.StatusBadRequest, `Bearer realm="oauthkit", error="invalid_request"`},
		{"Bearer and a space", http.MethodGet, "/v2/info", []string{"Authorization", "Bearer "}, http.StatusBadRequest, `Bearer realm="oauthkit", error="invalid_request"`},
		{"Bearer a b", http.MethodGet, "/v2/info", []string{"Authorization", "Bearer a b"}, http.StatusBadRequest, `Bearer realm="oauthkit", error="invalid_request"`},
		{"Bearer with a tab", http.MethodGet, "/v2/info", []string{"Authorization", "Bearer\t" + tp.access}, http.StatusBadRequest, `Bearer realm="oauthkit", error="invalid_request"`},
		{"lowercase bearer", http.MethodGet, "/v2/info", []string{"Authorization", "bearer " + tp.access}, http.StatusOK, ""},
		{"POST", http.MethodPost, "/v2/info", bearerHdr(tp.access), http.StatusMethodNotAllowed, ""},
		{"POST /info", http.MethodPost, "/info", bearerHdr(tp.access), http.StatusMethodNotAllowed, ""},
		{"DELETE", http.MethodDelete, "/v2/info", bearerHdr(tp.access), http.StatusMethodNotAllowed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.apiDo(tc.method, tc.target, "", tc.hdr...)
			switch tc.status {
			case http.StatusOK:
				if r.status != http.StatusOK || r.s("access_token") != tp.access {
					t.Fatalf("got %d %s, want 200", r.status, r.raw)
				}
				return
			case http.StatusUnauthorized:
				if r.status != tc.status {
					t.Fatalf("got %d %s, want %d", r.status, r.raw, tc.status)
				}
				wantCacheNoStore(t, r)
			case http.StatusMethodNotAllowed:
				wantAPIError(t, r, tc.status, "invalid_request")
				if got := r.header.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q, want GET, HEAD", got)
				}
			default:
				wantAPIError(t, r, tc.status, "invalid_request")
			}
			if tc.challenge != "" {
				wantChallenge(t, r, tc.challenge)
			}
			if r.status == http.StatusMethodNotAllowed && r.header.Get("WWW-Authenticate") != "" {
				t.Errorf("405 carries a challenge")
			}
		})
	}
	if !e.tokenAlive(tp.access) {
		t.Error("the info endpoint revoked the token")
	}
}
