package flows_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
)

// R-TOKEN-7: live access tokens and live refresh tokens are capped per (client, account);
// issuing one more revokes the oldest. The clock moves a second before each issuance, so
// "oldest" is never a tie.

// TestTokenLimitEvictsOldest: with TokenLimit 3, three code exchanges of conf-app for alice
// keep every token; the fourth revokes the first access token and the first refresh token
// and nothing else: not alice's later tokens, not bob's tokens at the same client, not
// alice's tokens at another client, though both were issued earlier still.
func TestTokenLimitEvictsOldest(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Limits.Tokens = 3 })
	bob := e.tokensFor(confID, acctBob, agentScopes)
	e.clock.Advance(time.Second)
	alicePriv := e.tokensFor(privID, acctAlice, agentScopes)

	var pairs []tokenPair
	for i := range 4 {
		e.clock.Advance(time.Second)
		pairs = append(pairs, e.aliceTokens(agentScopes))
		if i == 2 {
			for j, p := range pairs {
				if !e.tokenAlive(p.access) || !e.tokenAlive(p.refresh) {
					t.Fatalf("after 3 exchanges, the tokens of exchange %d are gone; the limit is 3", j+1)
				}
			}
		}
	}

	e.wantAccessDead(pairs[0].access, "the oldest access token after a 4th exchange")
	e.wantRefreshDead(confID, pairs[0].refresh, "the oldest refresh token after a 4th exchange")
	for i, p := range pairs[1:] {
		e.wantAccessLive(p.access, fmt.Sprintf("access token of exchange %d", i+2))
		if !e.tokenAlive(p.refresh) {
			t.Errorf("refresh token of exchange %d was revoked", i+2)
		}
	}
	e.wantAccessLive(bob.access, "bob's access token at the same client")
	e.wantAccessLive(alicePriv.access, "alice's access token at another client")
	for what, rt := range map[string]string{"bob's refresh token": bob.refresh, "alice's refresh token at another client": alicePriv.refresh} {
		if !e.tokenAlive(rt) {
			t.Errorf("%s was revoked by alice's exchanges at conf-app", what)
		}
	}

	// A refresh issues an access token too, so it evicts the oldest live access token, now
	// that of exchange 2, and keeps its own refresh token.
	e.clock.Advance(time.Second)
	next := e.mustRefresh(confID, pairs[1].refresh)
	e.wantAccessDead(pairs[1].access, "the oldest access token after a refresh at the limit")
	e.wantAccessLive(pairs[2].access, "access token of exchange 3 after the refresh")
	e.wantAccessLive(next.access, "the refreshed access token")
	if !e.tokenAlive(pairs[1].refresh) {
		t.Error("refreshing at the limit revoked the refresh token used")
	}
	e.wantAccessLive(bob.access, "bob's access token after alice's refresh")
}

// TestTokenLimitDefault25: with the default TokenLimit, 25 live access tokens per (client,
// account) are kept and a 26th revokes the first. Cheaply: one code exchange, then refreshes
// of conf-app (a confidential client, whose refresh token does not rotate), each of which
// issues one access token.
func TestTokenLimitDefault25(t *testing.T) {
	e := newEnv(t)
	first := e.aliceTokens(agentScopes)
	access := []string{first.access}
	for len(access) < 26 {
		if len(access) == 25 && !e.tokenAlive(first.access) {
			t.Fatal("with 25 access tokens issued, the first is already gone; the default limit is 25")
		}
		e.clock.Advance(time.Second)
		access = append(access, e.mustRefresh(confID, first.refresh).access)
	}
	e.wantAccessDead(first.access, "the first of 26 access tokens")
	e.wantAccessLive(access[1], "the second of 26 access tokens")
	for i, tok := range access[1:] {
		if !e.tokenAlive(tok) {
			t.Errorf("access token %d of 26 was revoked", i+2)
		}
	}
	if r := e.infoGet(access[25]); r.status != http.StatusOK {
		t.Errorf("the 26th access token: /v2/info answers %d %s", r.status, r.raw)
	}
	if !e.tokenAlive(first.refresh) {
		t.Error("the refresh token was revoked; only one was ever issued")
	}
}

// ccToken issues a client_credentials access token to clientID through the token endpoint.
func (e *env) ccToken(clientID string) string {
	e.t.Helper()
	return e.mustToken(clientID, ccForm()).access
}

// TestClientTokensUncappedByDefault: client_credentials tokens act for no account, so the
// per-(client, account) limit does not count them and, by default, nothing caps them: 30
// replicas of one service sharing one client each keep their own token. The 30 tokens are
// issued a second apart, so that an oldest exists for a limit to find.
func TestClientTokensUncappedByDefault(t *testing.T) {
	e := newEnv(t, withClientCredentials)
	var toks []string
	for range 30 {
		e.clock.Advance(time.Second)
		toks = append(toks, e.ccToken(confID))
	}
	for i, tok := range toks {
		if !e.isActive(tok) {
			t.Errorf("client_credentials token %d of 30 is not active; by default they are not capped", i+1)
		}
	}
}

// TestClientTokensLimit: with Limits.ClientTokens 5, a client's sixth live
// client_credentials token revokes its oldest, and only that: not the client's tokens for an
// account, not another client's client_credentials tokens.
func TestClientTokensLimit(t *testing.T) {
	e := newEnv(t, withClientCredentials, func(c *flows.Config) { c.Limits.ClientTokens = 5 })
	alice := e.aliceTokens(agentScopes)
	e.clock.Advance(time.Second)
	other := e.ccToken(privID)
	var toks []string
	for i := range 6 {
		e.clock.Advance(time.Second)
		toks = append(toks, e.ccToken(confID))
		if i == 4 {
			for j, tok := range toks {
				if !e.isActive(tok) {
					t.Fatalf("with 5 client_credentials tokens issued, token %d is not active; the limit is 5", j+1)
				}
			}
		}
	}
	if e.isActive(toks[0]) {
		t.Error("the oldest of 6 client_credentials tokens is still active; the limit is 5")
	}
	for i, tok := range toks[1:] {
		if !e.isActive(tok) {
			t.Errorf("client_credentials token %d of 6 is not active", i+2)
		}
	}
	if !e.isActive(other) {
		t.Error("another client's client_credentials token was revoked")
	}
	e.wantAccessLive(alice.access, "alice's access token at the same client")
}
