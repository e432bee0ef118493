package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/store"
)

// Group commit on SQLite: concurrent issuances share one transaction, each in a savepoint,
// and one COMMIT. The tests hold the writer goroutine at its steps through hooks, so that
// the batches they check are the batches that run.

// writerGate holds the writer of a store at the start of every batch and before every
// COMMIT, until the test lets it go on.
type writerGate struct {
	full    chan struct{} // one per issuance that found the queue full
	queued  chan struct{} // one per issuance that joined the queue
	begins  chan int      // the size of each batch, as it begins
	commits chan struct{} // one per batch, before its COMMIT
	proceed chan struct{}
}

func newGatedStore(t *testing.T, bound int) (*sqlstore.Store, *writerGate) {
	s := sqliteBackend.fresh(t)
	g := &writerGate{full: make(chan struct{}, 100), queued: make(chan struct{}, 100), begins: make(chan int), commits: make(chan struct{}), proceed: make(chan struct{})}
	sqlstore.SetBatchHooks(s,
		func() { g.full <- struct{}{} },
		func() { g.queued <- struct{}{} },
		func(n int) { g.begins <- n; <-g.proceed },
		func() { g.commits <- struct{}{}; <-g.proceed })
	if bound > 0 {
		sqlstore.SetQueueBound(s, bound)
	}
	return s, g
}

// batch lets the writer begin its next batch, returns the batch's size, and lets it run
// up to its COMMIT; commit lets the COMMIT happen.
func (g *writerGate) batch() int {
	n := <-g.begins
	g.proceed <- struct{}{}
	<-g.commits
	return n
}

func (g *writerGate) commit() { g.proceed <- struct{}{} }

// issueAsync starts IssueTokens in a goroutine, waits until it joined the queue, and
// returns the channel of its result.
func issueAsync(ctx context.Context, s store.Storage, g *writerGate, now time.Time, is store.Issue) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.IssueTokens(ctx, now, is) }()
	<-g.queued
	return done
}

func TestSQLiteGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, g := newGatedStore(t, 0)
	now := t0.Add(time.Second)
	codes := make([]store.AuthorizationCode, 3)
	for i := range codes {
		codes[i] = store.AuthorizationCode{Hash: randHash(), ClientID: "c", AccountID: "a", FamilyID: randID(),
			IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateCode(ctx, codes[i]); err != nil {
			t.Fatal(err)
		}
	}

	// The first issuance holds the writer at its batch's start, while the others queue.
	first := newToken(store.KindAccess, "c", "a", "", now)
	firstDone := issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{first}})
	if n := <-g.begins; n != 1 {
		t.Fatalf("first batch of %d issuances, want 1", n)
	}

	a := newToken(store.KindAccess, "c", "a", "", now)
	pats := []store.Token{newToken(store.KindPersonal, "", "b", "", now), newToken(store.KindPersonal, "", "b", "", now)}
	sameHash := newToken(store.KindAccess, "c", "a", "", now)
	sameHash.Hash = a.Hash
	d := newToken(store.KindAccess, "c", "a", "", now)
	results := []<-chan error{
		// A redeems code 0.
		issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{a}, ConsumeCode: codes[0].Hash}),
		// B redeems code 1, then fails its cap: its redemption is undone with it.
		issueAsync(ctx, s, g, now, store.Issue{Tokens: pats, ConsumeCode: codes[1].Hash,
			Caps: map[store.TokenKind]int{store.KindPersonal: 1}}),
		// C redeems code 0 again: A's redemption, earlier in the same transaction, wins.
		issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{newToken(store.KindAccess, "c", "a", "", now)},
			ConsumeCode: codes[0].Hash}),
		// E redeems code 2, then inserts a token with A's hash: a unique violation.
		issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{sameHash}, ConsumeCode: codes[2].Hash}),
		// D is independent.
		issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{d}}),
	}
	want := []error{nil, store.ErrLimitReached, store.ErrConflict, store.ErrConflict, nil}

	g.proceed <- struct{}{} // the first batch runs
	<-g.commits
	g.commit()
	if err := <-firstDone; err != nil {
		t.Fatalf("first issuance: %v", err)
	}
	if n := g.batch(); n != len(results) {
		t.Fatalf("second batch of %d issuances, want the %d that queued meanwhile", n, len(results))
	}
	// Before the COMMIT that holds their writes, nobody is answered.
	for i, r := range results {
		select {
		case err := <-r:
			t.Fatalf("issuance %d answered (%v) before its batch committed", i, err)
		default:
		}
	}
	g.commit()
	for i, r := range results {
		if err := <-r; !errors.Is(err, want[i]) || (want[i] == nil) != (err == nil) {
			t.Errorf("issuance %d: %v, want %v", i, err, want[i])
		}
	}

	wantLive(t, s, now, "tokens of the batch's successful issuances", true, first, a, d)
	wantLive(t, s, now, "tokens of the batch's failed issuances", false, append(pats, sameHash)...)
	for i, consumed := range []bool{true, false, false} {
		c, err := s.Code(ctx, codes[i].Hash, now)
		if err != nil {
			t.Fatal(err)
		}
		if !c.ConsumedAt.IsZero() != consumed {
			t.Errorf("code %d consumed = %v, want %v", i, !c.ConsumedAt.IsZero(), consumed)
		}
	}
}

// TestSQLiteGroupCommitCanceled: a caller whose context ends while its issuance waits for
// the writer gets the context's error at once, and nothing of its issuance is written.
func TestSQLiteGroupCommitCanceled(t *testing.T) {
	ctx := context.Background()
	s, g := newGatedStore(t, 0)
	now := t0.Add(time.Second)
	first := newToken(store.KindAccess, "c", "a", "", now)
	firstDone := issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{first}})
	<-g.begins // the writer is held

	cctx, cancel := context.WithCancel(ctx)
	late := newToken(store.KindAccess, "c", "a", "", now)
	lateDone := issueAsync(cctx, s, g, now, store.Issue{Tokens: []store.Token{late}})
	cancel()
	if err := <-lateDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled issuance: %v, want context.Canceled while the writer is held", err)
	}

	g.proceed <- struct{}{}
	<-g.commits
	g.commit()
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	g.batch() // the canceled issuance's batch, which skips it
	g.commit()
	wantLive(t, s, now, "the first issuance's token", true, first)
	wantLive(t, s, now, "the canceled issuance's token", false, late)
}

// TestSQLiteGroupCommitBounded: when the queue is full, a caller waits for room, and its
// context ends the wait.
func TestSQLiteGroupCommitBounded(t *testing.T) {
	ctx := context.Background()
	s, g := newGatedStore(t, 2)
	now := t0.Add(time.Second)
	first := newToken(store.KindAccess, "c", "a", "", now)
	firstDone := issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{first}})
	<-g.begins
	second := newToken(store.KindAccess, "c", "a", "", now)
	secondDone := issueAsync(ctx, s, g, now, store.Issue{Tokens: []store.Token{second}})

	// The queue holds two: a third caller waits for room, not in the queue.
	cctx, cancel := context.WithCancel(ctx)
	third := newToken(store.KindAccess, "c", "a", "", now)
	thirdDone := make(chan error, 1)
	go func() { thirdDone <- s.IssueTokens(cctx, now, store.Issue{Tokens: []store.Token{third}}) }()
	<-g.full // it waits for room
	cancel()
	if err := <-thirdDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("issuance beyond the queue's bound: %v, want context.Canceled", err)
	}

	g.proceed <- struct{}{}
	<-g.commits
	g.commit()
	if n := g.batch(); n != 1 {
		t.Errorf("second batch of %d issuances, want 1: the third never joined the queue", n)
	}
	g.commit()
	for _, done := range []<-chan error{firstDone, secondDone} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(g.queued); n != 0 {
		t.Errorf("%d more issuances joined the queue", n)
	}
	wantLive(t, s, now, "the queued issuances' tokens", true, first, second)
	wantLive(t, s, now, "the token of the issuance that found no room", false, third)
}
