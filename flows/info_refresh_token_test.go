package flows_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
)

// TestInfoRefreshTokenOnlyForConfidential: R-INFO-1, /v2/info shows the
// refresh token of a refreshed access token only when its client is confidential, checked
// at the time of the request; never for a public client, whose refresh token works without
// a secret; and never with Config.InfoOmitsRefreshToken.
func TestInfoRefreshTokenOnlyForConfidential(t *testing.T) {
	for _, tc := range []struct {
		name     string
		client   string
		omit     bool
		after    func(e *env) // runs after the refresh, before /v2/info
		wantShow bool
	}{
		{"public client", pubID, false, nil, false},
		{"confidential client", confID, false, nil, true},
		{"confidential client, switch on", confID, true, nil, false},
		{"public client, switch on", pubID, true, nil, false},
		{"confidential client made public since", confID, false, func(e *env) {
			c := e.storedClient(confID)
			c.Public = true
			e.putClient(c)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *flows.Config) { c.Policy.InfoOmitsRefreshToken = tc.omit })
			first := e.tokensFor(tc.client, acctAlice, agentScopes)
			next := e.mustRefresh(tc.client, first.refresh)
			if tc.after != nil {
				tc.after(e)
			}
			for _, path := range []string{"/v2/info", "/info"} {
				r := e.apiDo(http.MethodGet, path, "", bearerHdr(next.access)...)
				if r.status != http.StatusOK || r.s("access_token") != next.access {
					t.Fatalf("%s: %d %s, want 200", path, r.status, r.raw)
				}
				got, shown := r.obj["refresh_token"]
				if shown != tc.wantShow {
					t.Errorf("%s: refresh_token shown = %v (%v), want %v", path, shown, got, tc.wantShow)
				}
				if shown && got != next.refresh {
					t.Errorf("%s: refresh_token = %v, want the refresh token of the grant", path, got)
				}
			}
		})
	}
}

// TestInfoRefreshTokenNotStoredForPublic: a public client's refreshed access token carries
// no sealed refresh token at all, so nothing in storage could ever reveal it.
func TestInfoRefreshTokenNotStoredForPublic(t *testing.T) {
	e := newEnv(t)
	first := e.tokensFor(pubID, acctAlice, agentScopes)
	next := e.mustRefresh(pubID, first.refresh)
	rec, err := e.store.Token(context.Background(), e.hasher.Hash(next.access), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.SealedRefresh) != 0 {
		t.Errorf("a public client's access token stores a sealed refresh token (%d bytes)", len(rec.SealedRefresh))
	}
}

// TestInfoCustomerTokenMessage: R-CUST-2, /v2/info refuses a customer token saying what it
// is, not that it is invalid or expired.
func TestInfoCustomerTokenMessage(t *testing.T) {
	e := newEnv(t)
	cust, _ := e.newCustomerToken(e.aliceTokens(agentScopes).access)
	r := e.infoGet(cust)
	wantAPIError(t, r, http.StatusUnauthorized, "invalid_token")
	wantChallenge(t, r, challengeInvalid)
	if got := r.s("error_description"); got != "customer tokens are not accepted here" {
		t.Errorf("error_description = %q, want it to say customer tokens are not accepted", got)
	}
}
