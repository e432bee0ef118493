package flows_test

import (
	"net/http"
	"net/url"
	"testing"
)

// R-REVOKE-2 / RFC 7009 §2.1: revoking any access or refresh token of a
// grant revokes every token of that grant, across refresh-token rotations.

// revokeVia revokes tok as clientID at DELETE /v2/token or, with rfc, at POST /revoke.
func (e *env) revokeVia(rfc bool, clientID, tok string) {
	e.t.Helper()
	if !rfc {
		wantEmptyObject(e.t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tok)...))
		return
	}
	form := url.Values{"token": {tok}}
	hdr := ctHdr(ctForm)
	if secret := clientSecrets[clientID]; secret != "" {
		hdr = hdrs(hdr, basicHdr(clientID, secret))
	} else {
		form.Set("client_id", clientID)
	}
	if r := e.apiDo(http.MethodPost, "/revoke", form.Encode(), hdr...); r.status != http.StatusOK {
		e.t.Fatalf("POST /revoke: %d %s", r.status, r.raw)
	}
}

// TestRevokeRotatedGrant: a public client redeems a code and refreshes twice (two
// rotations); revoking the current refresh token, the current access token, or the first
// access token kills every access token of the grant at /v2/info and every refresh token.
// Another grant of the same client and account is untouched.
func TestRevokeRotatedGrant(t *testing.T) {
	for _, rfc := range []bool{false, true} {
		for _, victim := range []string{"current refresh token", "current access token", "first access token"} {
			name := "DELETE /v2/token, " + victim
			if rfc {
				name = "RFC 7009, " + victim
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t)
				first := e.tokensFor(pubID, acctAlice, agentScopes)
				second := e.mustRefresh(pubID, first.refresh)
				third := e.mustRefresh(pubID, second.refresh)
				other := e.tokensFor(pubID, acctAlice, agentScopes)
				tok := map[string]string{
					"current refresh token": third.refresh,
					"current access token":  third.access,
					"first access token":    first.access,
				}[victim]
				e.revokeVia(rfc, pubID, tok)
				for i, tp := range []tokenPair{first, second, third} {
					e.wantAccessDead(tp.access, []string{"first", "second", "third"}[i]+" access token")
					if e.tokenAlive(tp.refresh) {
						t.Errorf("refresh token %d of the grant survived", i+1)
					}
				}
				e.wantRefreshDead(pubID, third.refresh, "current refresh token")
				e.wantAccessLive(other.access, "another grant's access token")
				e.mustRefresh(pubID, other.refresh)
			})
		}
	}
}

// TestRevokeCustomerTokenAlone: revoking a customer token revokes only it, not the grant of
// the agent's token that minted it.
func TestRevokeCustomerTokenAlone(t *testing.T) {
	for _, rfc := range []bool{false, true} {
		e := newEnv(t)
		agent := e.aliceTokens(agentScopes)
		cust, _ := e.newCustomerToken(agent.access)
		e.revokeVia(rfc, confID, cust)
		if e.tokenAlive(cust) {
			t.Errorf("rfc=%v: the customer token survived its revocation", rfc)
		}
		e.wantAccessLive(agent.access, "the agent's access token")
		e.mustRefresh(confID, agent.refresh)
	}
}

// TestRevokePersonalTokenAtTokenEndpoint: a personal access token presented at DELETE
// /v2/token is revoked (its own family), and nothing of its account's other tokens.
func TestRevokePersonalTokenAtTokenEndpoint(t *testing.T) {
	e := newEnv(t)
	agent := e.aliceTokens(agentScopes)
	pat := e.newPAT(aliceID, "ci", "chats--my:ro").Token
	other := e.newPAT(aliceID, "other", "chats--my:ro").Token
	e.revokeVia(false, "", pat)
	if e.tokenAlive(pat) {
		t.Error("the personal access token survived its revocation")
	}
	if !e.tokenAlive(other) {
		t.Error("revoking one personal access token revoked another")
	}
	e.wantAccessLive(agent.access, "the account's access token")
}
