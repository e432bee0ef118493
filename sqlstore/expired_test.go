package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/store"
)

// deleteExpired: DeleteExpired removes exactly the expired codes, tokens and sessions, in
// batches (here of 2 rows, so every table takes several), publishes nothing, and a second
// call finds nothing left.
func deleteExpired(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)
	sqlstore.SetBatch(s, 2)
	var published []string
	defer s.SubscribeRevocations(func(ids []string) { published = append(published, ids...) })()

	cut := t0.Add(10 * time.Minute)
	var codes []store.AuthorizationCode
	var sessions []store.Session
	var tokens []store.Token
	wantGone := map[string]bool{}
	for i := range 5 {
		expires := cut.Add(time.Duration(i-2) * time.Second) // i = 0, 1, 2 expired at cut
		expired := !expires.After(cut)
		c := store.AuthorizationCode{Hash: randHash(), ClientID: "c", IssuedAt: t0, ExpiresAt: expires}
		ss := store.Session{Hash: randHash(), AccountID: "a", CreatedAt: t0, ExpiresAt: expires}
		access, refresh := newToken(store.KindAccess, "c", "a", "f", t0), newToken(store.KindRefresh, "c", "a", "f", t0)
		access.ExpiresAt, refresh.ExpiresAt = expires, expires.Add(time.Hour) // the pair outlives the access token
		access.RefreshID = refresh.ID
		codes, sessions, tokens = append(codes, c), append(sessions, ss), append(tokens, access, refresh)
		wantGone[c.Hash.String()], wantGone[ss.Hash.String()], wantGone[access.ID] = expired, expired, expired
		if err := s.CreateCode(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.IssueTokens(ctx, t0, store.Issue{Tokens: tokens}); err != nil {
		t.Fatal(err)
	}

	n, err := s.DeleteExpired(ctx, cut)
	if err != nil || n != 9 {
		t.Fatalf("DeleteExpired = %d, %v; want 9 (3 codes, 3 access tokens, 3 sessions)", n, err)
	}
	if n, err := s.DeleteExpired(ctx, cut); err != nil || n != 0 {
		t.Fatalf("DeleteExpired again = %d, %v; want 0", n, err)
	}
	if len(published) != 0 {
		t.Errorf("expired tokens were published as revocations: %v", published)
	}
	// Looked up before anything expired, only the removed records are gone.
	for _, c := range codes {
		_, err := s.Code(ctx, c.Hash, t0)
		if gone := errors.Is(err, store.ErrNotFound); gone != wantGone[c.Hash.String()] {
			t.Errorf("code expiring %s: Code error %v", c.ExpiresAt.Format(time.TimeOnly), err)
		}
	}
	for _, ss := range sessions {
		_, err := s.Session(ctx, ss.Hash, t0)
		if gone := errors.Is(err, store.ErrNotFound); gone != wantGone[ss.Hash.String()] {
			t.Errorf("session expiring %s: Session error %v", ss.ExpiresAt.Format(time.TimeOnly), err)
		}
	}
	for _, tok := range tokens {
		_, err := s.Token(ctx, tok.Hash, t0)
		if gone := errors.Is(err, store.ErrNotFound); gone != wantGone[tok.ID] {
			t.Errorf("%s token expiring %s: Token error %v", tok.Kind, tok.ExpiresAt.Format(time.TimeOnly), err)
		}
	}
}

func TestSQLiteDeleteExpired(t *testing.T) { deleteExpired(t, sqliteBackend) }

func TestPostgresDeleteExpired(t *testing.T) {
	postgresBase(t)
	deleteExpired(t, postgresBackend)
}
