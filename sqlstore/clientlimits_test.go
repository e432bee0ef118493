package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/store"
)

// Tokens that act for no account and no customer (client_credentials access tokens) are
// limited per (kind, client) by Issue.ClientLimits, and never counted by Limits or Caps:
// replicas sharing one client id do not revoke each other's tokens under the per-account
// limit.

// live reports which of toks s still returns at now.
func live(t *testing.T, s store.Storage, now time.Time, toks ...store.Token) []bool {
	t.Helper()
	out := make([]bool, len(toks))
	for i, tok := range toks {
		_, err := s.TokenByID(context.Background(), tok.ID, now)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("TokenByID: %v", err)
		}
		out[i] = err == nil
	}
	return out
}

func wantLive(t *testing.T, s store.Storage, now time.Time, what string, want bool, toks ...store.Token) {
	t.Helper()
	for i, ok := range live(t, s, now, toks...) {
		if ok != want {
			t.Errorf("%s: token %d (%s, client %q, account %q) live = %v, want %v", what, i, toks[i].Kind, toks[i].ClientID, toks[i].AccountID, ok, want)
		}
	}
}

func clientLimits(t *testing.T, b backend) {
	ctx := context.Background()
	access := func(client, account string, at time.Time) store.Token {
		return newToken(store.KindAccess, client, account, "", at)
	}

	t.Run("EvictsOldestPerClient", func(t *testing.T) {
		s := b.fresh(t)
		// Older tokens in every neighbouring group: the same client's account tokens and
		// refresh tokens of no account, and another client's access tokens of no account.
		var others []store.Token
		for i := range 3 {
			at := t0.Add(time.Duration(i) * time.Second)
			others = append(others, access("c", "a", at), access("other", "", at), newToken(store.KindRefresh, "c", "", "", at))
		}
		if err := s.IssueTokens(ctx, t0, store.Issue{Tokens: others}); err != nil {
			t.Fatal(err)
		}
		var mine []store.Token
		for i := range 5 {
			at := t0.Add(time.Duration(10+i) * time.Second)
			tok := access("c", "", at)
			mine = append(mine, tok)
			err := s.IssueTokens(ctx, at, store.Issue{Tokens: []store.Token{tok},
				ClientLimits: map[store.TokenKind]int{store.KindAccess: 3}, Limits: map[store.TokenKind]int{store.KindAccess: 1}})
			if err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(time.Minute)
		wantLive(t, s, now, "the two oldest of the client's tokens of no account", false, mine[:2]...)
		wantLive(t, s, now, "the three newest of the client's tokens of no account", true, mine[2:]...)
		wantLive(t, s, now, "tokens of other groups", true, others...)
	})

	t.Run("NotCountedByLimitsOrCaps", func(t *testing.T) {
		s := b.fresh(t)
		var toks []store.Token
		for i := range 4 {
			at := t0.Add(time.Duration(i) * time.Second)
			tok := access("c", "", at)
			toks = append(toks, tok)
			err := s.IssueTokens(ctx, at, store.Issue{Tokens: []store.Token{tok},
				Limits: map[store.TokenKind]int{store.KindAccess: 1}, Caps: map[store.TokenKind]int{store.KindAccess: 1}})
			if err != nil {
				t.Fatalf("IssueTokens #%d under Limits and Caps of 1: %v", i, err)
			}
		}
		wantLive(t, s, t0.Add(time.Minute), "tokens of no account under Limits and Caps", true, toks...)
	})

	t.Run("AccountTokensNotCounted", func(t *testing.T) {
		s := b.fresh(t)
		var toks []store.Token
		for i := range 3 {
			at := t0.Add(time.Duration(i) * time.Second)
			tok := access("c", "a", at)
			toks = append(toks, tok)
			if err := s.IssueTokens(ctx, at, store.Issue{Tokens: []store.Token{tok},
				ClientLimits: map[store.TokenKind]int{store.KindAccess: 1}}); err != nil {
				t.Fatal(err)
			}
		}
		wantLive(t, s, t0.Add(time.Minute), "account tokens under ClientLimits", true, toks...)
	})

	t.Run("UnlimitedKinds", func(t *testing.T) {
		s := b.fresh(t)
		var toks []store.Token
		for i, cl := range []map[store.TokenKind]int{nil, {store.KindAccess: 0}, {store.KindAccess: -1}, {store.KindRefresh: 1}} {
			at := t0.Add(time.Duration(i) * time.Second)
			tok := access("c", "", at)
			toks = append(toks, tok)
			if err := s.IssueTokens(ctx, at, store.Issue{Tokens: []store.Token{tok}, ClientLimits: cl}); err != nil {
				t.Fatal(err)
			}
		}
		wantLive(t, s, t0.Add(time.Minute), "tokens of unlimited kinds", true, toks...)
	})

	t.Run("KeepsOwnTokens", func(t *testing.T) {
		s := b.fresh(t)
		at := t0.Add(time.Hour)
		stored := []store.Token{access("c", "", at), access("c", "", at.Add(time.Second))}
		if err := s.IssueTokens(ctx, at, store.Issue{Tokens: stored}); err != nil {
			t.Fatal(err)
		}
		late := access("c", "", at.Add(-time.Minute)) // older than every stored token
		now := at.Add(time.Minute)
		if err := s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{late},
			ClientLimits: map[store.TokenKind]int{store.KindAccess: 2}}); err != nil {
			t.Fatal(err)
		}
		wantLive(t, s, now, "the issuance's own token", true, late)
		wantLive(t, s, now, "the oldest stored token", false, stored[0])
		wantLive(t, s, now, "the newer stored token", true, stored[1])
	})

	// Two instances racing into one client's group: the limit holds exactly.
	t.Run("Concurrently", func(t *testing.T) {
		a, c := twoInstances(t, b)
		const n, limit = 40, 5
		toks := make([]store.Token, n)
		for i := range toks {
			toks[i] = access("c", "", t0.Add(time.Duration(i)*time.Second))
		}
		now := t0.Add(time.Minute)
		errs := raceBoth(n, [2]*sqlstore.Store{a, c}, func(i int, s *sqlstore.Store) error {
			return s.IssueTokens(ctx, now, store.Issue{Tokens: toks[i : i+1],
				ClientLimits: map[store.TokenKind]int{store.KindAccess: limit}})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("IssueTokens #%d: %v", i, err)
			}
		}
		n0 := 0
		for _, ok := range live(t, c, now, toks...) {
			if ok {
				n0++
			}
		}
		if n0 != limit {
			t.Errorf("%d live tokens of no account after %d racing issues with a client limit of %d", n0, n, limit)
		}
	})
}

func TestSQLiteClientLimits(t *testing.T) { clientLimits(t, sqliteBackend) }

func TestPostgresClientLimits(t *testing.T) {
	postgresBase(t)
	clientLimits(t, postgresBackend)
}
