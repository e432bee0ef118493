package memstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// A queue answers, at any instant, forward or back, what a pass over its tokens would:
// the tokens live then and the oldest of them, while tokens come and go.
func TestQueueMatchesAPass(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	minute := func(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }
	q := newQueue(group{store.KindAccess, "c", "a"})
	var in []*cell // what the queue should hold
	for step := range 1500 {
		switch op := rng.IntN(10); {
		case op < 4: // a token, maybe issued out of order, maybe expired already
			issued := minute(rng.IntN(100))
			c := newCell(store.Token{ID: fmt.Sprintf("t%04d", step), IssuedAt: issued,
				ExpiresAt: issued.Add(time.Duration(1+rng.IntN(60)) * time.Minute)}, 0)
			q.add(c)
			in = append(in, c)
		case op < 6 && len(in) > 0: // one removed, wherever it is
			i := rng.IntN(len(in))
			q.remove(in[i])
			in = slices.Delete(in, i, i+1)
		default: // the clock moves, forward or back
			q.at(minute(rng.IntN(160)))
		}

		var want []*cell
		for _, c := range in {
			if q.clock.Before(c.tok.ExpiresAt) {
				want = append(want, c)
			}
		}
		slices.SortFunc(want, func(a, b *cell) int { return store.CompareEviction(a.candidate(), b.candidate()) })
		if q.nLive != len(want) || q.nLive+q.nExpired != len(in) {
			t.Fatalf("step %d: %d live and %d expired at %v, want %d of %d", step, q.nLive, q.nExpired,
				q.clock, len(want), len(in))
		}
		// Stale entries never outnumber the others by much: memory stays bounded.
		for _, h := range []struct {
			name string
			len  int
			n    int
		}{{"live", q.live.len(), q.nLive}, {"expiring", q.expiring.len(), q.nLive}, {"expired", q.expired.len(), q.nExpired}} {
			if h.len > 2*h.n+10 {
				t.Fatalf("step %d: %s heap of %d entries for %d tokens", step, h.name, h.len, h.n)
			}
		}
		n := rng.IntN(4)
		skip := func(c *cell) bool { return len(want) > 0 && c == want[0] }
		got := q.oldest(n, skip)
		var wantOldest []*cell
		for _, c := range want {
			if len(wantOldest) < n && !skip(c) {
				wantOldest = append(wantOldest, c)
			}
		}
		if !slices.Equal(got, wantOldest) {
			t.Fatalf("step %d: oldest(%d) = %v, want %v", step, n, ids(got), ids(wantOldest))
		}
		for _, c := range in {
			if q.isLive(c) != q.clock.Before(c.tok.ExpiresAt) {
				t.Fatalf("step %d: isLive(%s) = %v at %v, expiring %v", step, c.tok.ID, q.isLive(c), q.clock, c.tok.ExpiresAt)
			}
		}
	}
	for _, c := range in {
		q.remove(c)
	}
	if !q.empty() {
		t.Errorf("queue not empty after every token was removed")
	}
}

func ids(cells []*cell) []string {
	var out []string
	for _, c := range cells {
		out = append(out, c.tok.ID)
	}
	return out
}
