package flows_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// A token that mints another (an agent's access token minting a customer token, a console
// app's token minting a personal access token) may be revoked while the request is on its
// way: the new token must then not be issued, or it would outlive the revocation.

// revokingStore revokes the family of the token named by the next issuance of kind, just
// before that issuance runs, as a revocation committed in between would.
type revokingStore struct {
	store.Storage
	kind   store.TokenKind
	family atomic.Value // string
}

func (s *revokingStore) IssueTokens(ctx context.Context, now time.Time, is store.Issue) error {
	if f, _ := s.family.Load().(string); f != "" && len(is.Tokens) > 0 && is.Tokens[0].Kind == s.kind {
		s.family.Store("")
		if err := s.Storage.RevokeFamily(ctx, f); err != nil {
			return err
		}
	}
	return s.Storage.IssueTokens(ctx, now, is)
}

func revokingEnv(t *testing.T, kind store.TokenKind, mutate ...any) (*env, *revokingStore) {
	rs := &revokingStore{kind: kind}
	e := newPATEnv(t, append(mutate, func(c *flows.Config) {
		rs.Storage = c.Storage.(store.Storage)
		c.Storage = rs
	})...)
	return e, rs
}

// TestCustomerTokenOfRevokedGrant: the customer endpoint issues nothing for a token whose
// grant is revoked while it mints.
func TestCustomerTokenOfRevokedGrant(t *testing.T) {
	e, rs := revokingEnv(t, store.KindCustomer)
	tp := e.aliceTokens("customers:own")
	caller, err := e.store.Token(context.Background(), e.hasher.Hash(tp.access), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rs.family.Store(caller.FamilyID)
	if r := e.customerPost(tp.access, custBody()); r.status != http.StatusUnauthorized {
		t.Fatalf("customer token for a grant revoked meanwhile: %d %s, want 401", r.status, r.raw)
	}
	if e.tokenAlive(tp.access) {
		t.Fatal("the revocation did not happen: the test proves nothing")
	}
}

// TestPersonalTokenOfRevokedConsoleToken: the personal token API issues nothing for a console
// app's token revoked while it mints.
func TestPersonalTokenOfRevokedConsoleToken(t *testing.T) {
	e, rs := revokingEnv(t, store.KindPersonal)
	tok := e.consoleTokens(acctAlice, "chats--my:ro").access
	caller, err := e.store.Token(context.Background(), e.hasher.Hash(tok), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rs.family.Store(caller.FamilyID)
	if r := e.createPAT(tok, `{"name":"ci","scopes":["chats--my:ro"]}`); r.status != http.StatusUnauthorized {
		t.Fatalf("personal token from a console token revoked meanwhile: %d %s, want 401", r.status, r.raw)
	}
	if pats, err := e.flows.PersonalTokens(context.Background(), aliceID); err != nil || len(pats) != 0 {
		t.Fatalf("alice's personal tokens = %v, %v; want none", pats, err)
	}
}
