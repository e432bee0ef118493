package flows_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
)

// R-CUST-1 and R-LOGIN-4: customer tokens belong to the grant of the token that minted
// them, are counted under the token limits, and die with the account's tokens.

// TestCustomerTokenRevokedWithGrant: revoking the agent's grant (its access token or its
// refresh token, at either revocation endpoint), or signing the account out everywhere
// with its tokens, revokes the customer tokens minted with it.
func TestCustomerTokenRevokedWithGrant(t *testing.T) {
	for _, tc := range []struct {
		name   string
		revoke func(e *env, agent, later tokenPair)
	}{
		{"agent's access token at DELETE /v2/token", func(e *env, agent, _ tokenPair) { e.revokeVia(false, confID, agent.access) }},
		{"agent's refresh token at POST /revoke", func(e *env, agent, _ tokenPair) { e.revokeVia(true, confID, agent.refresh) }},
		{"a later access token of the grant", func(e *env, _, later tokenPair) { e.revokeVia(false, confID, later.access) }},
		{"EndSessions with tokens", func(e *env, _, _ tokenPair) {
			if err := e.signin.EndSessions(context.Background(), aliceID, true); err != nil {
				e.t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			agent := e.aliceTokens(agentScopes)
			cust, entity := e.newCustomerToken(agent.access)
			later := e.mustRefresh(confID, agent.refresh)
			again, _ := e.newCustomerToken(later.access, "entity_id", entity)
			otherGrant := e.aliceTokens(agentScopes)
			otherCust, _ := e.newCustomerToken(otherGrant.access)
			tc.revoke(e, agent, later)
			for what, tok := range map[string]string{"first customer token": cust, "customer token of a refreshed access token": again} {
				if e.isActive(tok) {
					t.Errorf("%s survived the revocation of its grant", what)
				}
			}
			if tc.name != "EndSessions with tokens" && !e.isActive(otherCust) {
				t.Error("a customer token of another grant was revoked")
			}
		})
	}
}

// TestCustomerTokenOfClientCredentialsRevoked: a customer token minted with a
// client_credentials token (which heads no grant) dies when that token is revoked.
func TestCustomerTokenOfClientCredentialsRevoked(t *testing.T) {
	e := newEnv(t, withClientCredentials)
	_, body := e.tokenPost(privID, privSecret, ccForm())
	cc := body["access_token"].(string)
	cust, _ := e.newCustomerToken(cc, "client_id", privID)
	e.revokeVia(true, privID, cc)
	if e.isActive(cust) {
		t.Error("the customer token survived the revocation of the token that minted it")
	}
}

// TestCustomerTokenOwnClientOnly: a token of one app gets customer tokens for that app
// only: naming another client, even a public one of the same organization, is
// unauthorized_client and mints nothing.
func TestCustomerTokenOwnClientOnly(t *testing.T) {
	e := newEnv(t)
	agent := e.aliceTokens(agentScopes)
	for _, other := range []string{pubID, privID, "nobody"} {
		redirect := confRedirect
		if other == pubID {
			redirect = pubRedirect
		}
		r := e.customerPost(agent.access, custBody("client_id", other, "redirect_uri", redirect))
		wantAPIError(t, r, http.StatusBadRequest, "unauthorized_client")
	}
	pub := e.tokensFor(pubID, acctAlice, agentScopes)
	r := e.customerPost(pub.access, custBody("client_id", pubID, "redirect_uri", pubRedirect))
	if r.status != http.StatusOK || r.s("client_id") != pubID {
		t.Fatalf("the public app's own token: %d %s", r.status, r.raw)
	}
}

// TestCustomerTokenLimit: live customer tokens are capped per (client, customer) at
// Config.TokenLimit; one more revokes the oldest, and other customers are not touched.
func TestCustomerTokenLimit(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Limits.Tokens = 2 })
	agent := e.aliceTokens(agentScopes)
	first, entity := e.newCustomerToken(agent.access)
	otherCust, _ := e.newCustomerToken(agent.access)
	toks := []string{first}
	for range 2 {
		e.clock.Advance(time.Second)
		tok, _ := e.newCustomerToken(agent.access, "entity_id", entity)
		toks = append(toks, tok)
	}
	if e.isActive(toks[0]) {
		t.Error("with TokenLimit 2, the oldest of 3 customer tokens of one customer is alive")
	}
	for i, tok := range toks[1:] {
		if !e.isActive(tok) {
			t.Errorf("customer token %d of 3 was revoked", i+2)
		}
	}
	if !e.isActive(otherCust) {
		t.Error("another customer's token was revoked")
	}
	e.wantAccessLive(agent.access, "the agent's access token")
}

// TestCustomerTokenLimitDefault: by default 25 live customer tokens per (client, customer).
func TestCustomerTokenLimitDefault(t *testing.T) {
	e := newEnv(t)
	agent := e.aliceTokens(agentScopes)
	first, entity := e.newCustomerToken(agent.access)
	for i := range 25 {
		e.clock.Advance(time.Second)
		e.newCustomerToken(agent.access, "entity_id", entity)
		if i == 23 && !e.isActive(first) {
			t.Fatal("with 25 customer tokens, the first is gone")
		}
	}
	if e.isActive(first) {
		t.Error("with 26 customer tokens of one customer, the first is alive; the default limit is 25")
	}
}
