package flows

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Sizes of a redirectLimiter: it remembers at most redirectLimiterKeys keys, fewer when the
// limit is high, so that it holds at most redirectLimiterEvents timestamps (8 bytes each)
// in all.
const (
	redirectLimiterKeys   = 100_000
	redirectLimiterEvents = 1_000_000
)

// redirectLimiter allows at most max events per key in any sliding window (at
// most 3 authorization requests in 30 s per client and account, which catches a client
// stuck in a redirect loop). It is per process: behind a load balancer each instance counts
// its own share.
//
// Its memory is fixed and every call is O(1) in the number of keys: a key is kept as a
// 64-bit keyed hash (hash/maphash with a per-limiter random seed) with the times of its
// last max events, in an LRU list of fixed size. A full list forgets its least recently
// used key, which then starts afresh: a flood of new keys can only let a looping client
// through sooner, never refuse anyone.
type redirectLimiter struct {
	max    int
	window int64 // nanoseconds
	seed   maphash.Seed

	mu   sync.Mutex
	keys *simplelru.LRU[uint64, []int64] // event times, Unix nanoseconds, oldest first
}

// newRedirectLimiter returns a limiter of limit events per window. A limit ≤ 0 disables
// it.
func newRedirectLimiter(limit int, window time.Duration) *redirectLimiter {
	return newRedirectLimiterSize(limit, window, min(redirectLimiterKeys, redirectLimiterEvents/max(limit, 1)))
}

// newRedirectLimiterSize is newRedirectLimiter remembering at most size keys.
func newRedirectLimiterSize(limit int, window time.Duration, size int) *redirectLimiter {
	keys, _ := simplelru.NewLRU[uint64, []int64](max(size, 1), nil) // fails only on size < 1
	return &redirectLimiter{max: limit, window: int64(window), seed: maphash.MakeSeed(), keys: keys}
}

// allow records an event for key at now and reports whether it is within the limit. A
// refused event is not recorded, so a client that backs off gets through again once its
// earlier requests leave the window.
func (l *redirectLimiter) allow(key string, now time.Time) bool {
	if l.max <= 0 {
		return true
	}
	h, n := maphash.String(l.seed, key), now.UnixNano()
	cut := n - l.window
	l.mu.Lock()
	defer l.mu.Unlock()
	events, _ := l.keys.Get(h)
	i := 0
	for i < len(events) && events[i] <= cut {
		i++
	}
	events = events[i:]
	if len(events) >= l.max {
		l.keys.Add(h, events)
		return false
	}
	if len(events) == cap(events) {
		// Dropping aged-out events from the front shrank the capacity: start a new slice
		// rather than let append grow one past max.
		events = append(make([]int64, 0, l.max), events...)
	}
	l.keys.Add(h, append(events, n))
	return true
}

// len is how many keys the limiter remembers.
func (l *redirectLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys.Len()
}
