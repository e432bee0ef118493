package memstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Storage { return memstore.New() })
}

// The kit's Run function of each part, on a store that has every part.
func TestConformanceByPart(t *testing.T) {
	storetest.RunOrganizations(t, func(*testing.T) storetest.OrganizationsUnderTest { return memstore.New() })
	storetest.RunAccounts(t, func(*testing.T) storetest.AccountsUnderTest { return memstore.New() })
	storetest.RunAccountLinks(t, func(*testing.T) storetest.AccountLinksUnderTest { return memstore.New() })
	storetest.RunClients(t, func(*testing.T) storetest.ClientsUnderTest { return memstore.New() })
	storetest.RunCodes(t, func(*testing.T) storetest.CodesUnderTest { return memstore.New() })
	storetest.RunTokens(t, func(*testing.T) storetest.TokensUnderTest { return memstore.New() })
	storetest.RunTokenAdmin(t, func(*testing.T) storetest.TokenAdminUnderTest { return memstore.New() })
	storetest.RunGrants(t, func(*testing.T) store.Grants { return memstore.New() })
	storetest.RunSessions(t, func(*testing.T) store.Sessions { return memstore.New() })
	storetest.RunCustomers(t, func(*testing.T) store.Customers { return memstore.New() })
}

func TestDeleteExpired(t *testing.T) {
	ctx := t.Context()
	s := memstore.New()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cut := base.Add(10 * time.Minute)
	h := func(b byte) store.Hash { return store.Hash{b} }

	codes := []store.AuthorizationCode{
		{Hash: h(1), ClientID: "c", IssuedAt: base, ExpiresAt: cut},                  // expired at cut
		{Hash: h(2), ClientID: "c", IssuedAt: base, ExpiresAt: cut.Add(time.Second)}, // kept
	}
	for _, c := range codes {
		if err := s.CreateCode(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	sessions := []store.Session{
		{Hash: h(3), AccountID: "a", CreatedAt: base, ExpiresAt: base.Add(time.Minute)}, // expired
		{Hash: h(4), AccountID: "a", CreatedAt: base, ExpiresAt: base.Add(time.Hour)},   // kept
	}
	for _, ss := range sessions {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	// An expired access token paired with a live refresh token, a second access token paired
	// with it, and an expired personal token.
	tokens := []store.Token{
		{Hash: h(5), ID: "a1", Kind: store.KindAccess, RefreshID: "r1", FamilyID: "f", IssuedAt: base, ExpiresAt: cut},
		{Hash: h(6), ID: "r1", Kind: store.KindRefresh, FamilyID: "f", IssuedAt: base, ExpiresAt: base.Add(time.Hour)},
		{Hash: h(7), ID: "a2", Kind: store.KindAccess, RefreshID: "r1", FamilyID: "f", IssuedAt: base, ExpiresAt: base.Add(time.Hour)},
		{Hash: h(8), ID: "p1", Kind: store.KindPersonal, IssuedAt: base, ExpiresAt: base.Add(time.Minute)},
	}
	if err := s.IssueTokens(ctx, base, store.Issue{Tokens: tokens}); err != nil {
		t.Fatal(err)
	}

	n, err := s.DeleteExpired(ctx, cut)
	if err != nil || n != 4 {
		t.Fatalf("DeleteExpired = %d, %v; want 4, nil", n, err)
	}
	if n, err := s.DeleteExpired(ctx, cut); err != nil || n != 0 {
		t.Fatalf("DeleteExpired again = %d, %v; want 0, nil", n, err)
	}

	// Looked up at base, before anything expired: only the removed records are gone.
	for _, c := range codes {
		_, err := s.Code(ctx, c.Hash, base)
		if gone := errors.Is(err, store.ErrNotFound); gone != c.ExpiresAt.Equal(cut) {
			t.Errorf("code %v: Code error %v", c.Hash[0], err)
		}
	}
	for i, ss := range sessions {
		_, err := s.Session(ctx, ss.Hash, base)
		if gone := errors.Is(err, store.ErrNotFound); gone != (i == 0) {
			t.Errorf("session %d: Session error %v", i, err)
		}
	}
	for _, tok := range tokens {
		_, err := s.Token(ctx, tok.Hash, base)
		wantGone := tok.ID == "a1" || tok.ID == "p1"
		if gone := errors.Is(err, store.ErrNotFound); gone != wantGone {
			t.Errorf("token %s: Token error %v, want gone = %v", tok.ID, err, wantGone)
		}
	}

	// The removed records' keys are free again, and the remaining pair still revokes together.
	reissued := tokens[0]
	reissued.ExpiresAt = base.Add(time.Hour)
	if err := s.IssueTokens(ctx, base, store.Issue{Tokens: []store.Token{reissued}}); err != nil {
		t.Fatalf("IssueTokens(removed hash and id): %v", err)
	}
	if err := s.RevokeToken(ctx, "a2"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []store.Token{reissued, tokens[1], tokens[2]} {
		if _, err := s.Token(ctx, tok.Hash, base); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %s after revoking its pair: Token error %v, want ErrNotFound", tok.ID, err)
		}
	}
}

func TestRevocationPublisher(t *testing.T) {
	storetest.RunRevocationPublisher(t, func(*testing.T) store.Storage { return memstore.New() })
}
