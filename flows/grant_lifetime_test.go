package flows_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// Config.RefreshTokenMaxLifetime (R-TOKEN-5): a grant's refresh tokens never
// outlive the grant's redemption plus the maximum, however often they rotate.

const day = 24 * time.Hour

// storedExpiry returns the ExpiresAt of the stored token tok.
func (e *env) storedExpiry(tok string) time.Time {
	e.t.Helper()
	rec, err := e.store.Token(context.Background(), e.hasher.Hash(tok), e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return rec.ExpiresAt
}

// TestRefreshFamilyMaxLifetimeDefault: with the defaults (refresh tokens 30 days, grants 90
// days), a public client that refreshes every 20 days keeps its grant until day 90: the
// refresh token issued on day 80 expires on day 90, not day 110, and a refresh on day 90
// is invalid_grant.
func TestRefreshFamilyMaxLifetimeDefault(t *testing.T) {
	e := newEnv(t)
	granted := e.clock.Now()
	tp := e.tokensFor(pubID, acctAlice, agentScopes)
	for range 4 { // days 20, 40, 60, 80
		e.clock.Advance(20 * day)
		tp = e.mustRefresh(pubID, tp.refresh)
	}
	if got, want := e.storedExpiry(tp.refresh), granted.Add(90*day); !got.Equal(want) {
		t.Errorf("the refresh token issued on day 80 expires %v, want the grant's end %v", got, want)
	}
	e.clock.Advance(10*day - time.Second)
	tp = e.mustRefresh(pubID, tp.refresh) // a second before the end
	e.clock.Advance(time.Second)
	e.wantRefreshDead(pubID, tp.refresh, "a refresh at the grant's end")
}

// TestRefreshFamilyMaxLifetimeConfigured: a maximum shorter than the refresh token
// lifetime caps every refresh token of the grant, the confidential client's non-rotating
// one too; the grant ends at its redemption plus the maximum.
func TestRefreshFamilyMaxLifetimeConfigured(t *testing.T) {
	for _, client := range []string{confID, pubID} {
		t.Run(client, func(t *testing.T) {
			e := newEnv(t, func(c *flows.Config) { c.Lifetimes.Grant = 2 * time.Hour })
			granted := e.clock.Now()
			tp := e.tokensFor(client, acctAlice, agentScopes)
			if got := e.storedExpiry(tp.refresh); !got.Equal(granted.Add(2 * time.Hour)) {
				t.Errorf("the code's refresh token expires %v, want %v", got, granted.Add(2*time.Hour))
			}
			e.clock.Advance(time.Hour)
			tp = e.mustRefresh(client, tp.refresh)
			if got := e.storedExpiry(tp.refresh); !got.Equal(granted.Add(2 * time.Hour)) {
				t.Errorf("the refresh token after an hour expires %v, want %v", got, granted.Add(2*time.Hour))
			}
			e.clock.Advance(time.Hour)
			e.wantRefreshDead(client, tp.refresh, "a refresh at the grant's end")
		})
	}
}

// TestRefreshTokenMaxLifetimeNegative: a negative maximum is a configuration error.
func TestRefreshTokenMaxLifetimeNegative(t *testing.T) {
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "a:ro"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = flows.New(flows.Config{
		Issuer: "https://as.example", Storage: memstore.New(), Hasher: testHasher, Scopes: cat, Authenticator: nobody{},
		Lifetimes: flows.Lifetimes{Grant: -time.Second},
	})
	if err == nil || !strings.Contains(err.Error(), "Lifetimes") {
		t.Fatalf("New with a negative Lifetimes.Grant: %v, want an error naming it", err)
	}
}

// TestRefreshOfTokenWithoutGrantTime: a refresh token stored before grants recorded their
// time counts its grant from its own issue time.
func TestRefreshOfTokenWithoutGrantTime(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Lifetimes.Grant = 2 * time.Hour })
	tp := e.tokensFor(pubID, acctAlice, agentScopes)
	ctx := context.Background()
	rec, err := e.store.Token(ctx, e.hasher.Hash(tp.refresh), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeToken(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	rec.GrantedAt = time.Time{}
	if err := e.store.IssueTokens(ctx, e.clock.Now(), store.Issue{Tokens: []store.Token{rec}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	next := e.mustRefresh(pubID, tp.refresh)
	if got, want := e.storedExpiry(next.refresh), rec.IssuedAt.Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("the rotated refresh token expires %v, want %v", got, want)
	}
	if r, _ := e.refreshAs(pubID, next.refresh); r.StatusCode != http.StatusOK {
		t.Errorf("a refresh within the grant's life: %d", r.StatusCode)
	}
}
