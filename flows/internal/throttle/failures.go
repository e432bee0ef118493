// Package throttle counts failed authentications (of clients, of passwords) per key in
// fixed windows and in fixed memory, for the authorization server and its sign-in.
package throttle

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultSize is how many keys a Failures remembers at most by default (about 130 bytes
// each, so 13 MB at most whatever the traffic).
const DefaultSize = 100_000

// Failures counts authentication failures per key in fixed windows, each starting at
// the key's first failure, and refuses a key that reached its maximum until its window ends
// (brute force of client secrets and passwords). It is per process.
//
// Its memory is fixed and every call is O(1): a key is kept as a 64-bit keyed hash
// (hash/maphash with a per-limiter random seed, so an entry costs the same however long
// the key, and nobody can aim collisions), in one of two LRU lists of fixed size: keys
// still counting towards the maximum, and keys that reached it (locked out), which get a
// quarter of the room. A full list forgets its least recently used key, which then starts
// afresh. What that means for an attacker:
//   - A flood of new keys (many addresses, many identities) pushes out only keys that are
//     still counting, never a locked-out one; that only ever lowers someone's count.
//   - To free a locked-out key, an attacker must lock out as many other keys (each with
//     the maximum of failures) as the locked list holds, while nobody tries the locked
//     key: every check of a locked-out key makes it the most recently used again.
type Failures struct {
	max    int
	window int64 // nanoseconds
	seed   maphash.Seed

	mu       sync.Mutex
	counting *simplelru.LRU[uint64, failureWindow]
	locked   *simplelru.LRU[uint64, failureWindow]
}

// failureWindow is a key's window: its start, its failures, and (for [Failures.Admit])
// when a locked-out key was last let through. Times are Unix nanoseconds.
type failureWindow struct {
	start, last int64
	count       int
}

// New returns a limiter of maxFailures per window that remembers at most size keys. A max
// ≤ 0 disables it.
func New(maxFailures int, window time.Duration, size int) *Failures {
	lockedSize := max(1, size/4)
	counting, _ := simplelru.NewLRU[uint64, failureWindow](max(1, size-lockedSize), nil) // fails only on size < 1
	locked, _ := simplelru.NewLRU[uint64, failureWindow](lockedSize, nil)
	return &Failures{
		max: maxFailures, window: int64(window), seed: maphash.MakeSeed(),
		counting: counting, locked: locked,
	}
}

func (l *Failures) hash(key string) uint64 { return maphash.String(l.seed, key) }

// lockedWindow returns the live locked-out window of h at now, if any, dropping an ended
// one. The caller holds l.mu.
func (l *Failures) lockedWindow(h uint64, now int64) (failureWindow, bool) {
	w, ok := l.locked.Get(h)
	if !ok {
		return failureWindow{}, false
	}
	if now >= w.start+l.window {
		l.locked.Remove(h)
		return failureWindow{}, false
	}
	return w, true
}

// Blocked reports whether key is refused at now, and for how long.
func (l *Failures) Blocked(key string, now time.Time) (bool, time.Duration) {
	if l.max <= 0 {
		return false, 0
	}
	h, n := l.hash(key), now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.lockedWindow(h, n)
	if !ok {
		return false, 0
	}
	return true, time.Duration(w.start + l.window - n)
}

// Admit is Blocked for a limiter that slows instead of refusing: a key below its maximum
// is always admitted; a key that reached it is admitted at most once per every, and
// otherwise told how long to wait.
func (l *Failures) Admit(key string, now time.Time, every time.Duration) (bool, time.Duration) {
	if l.max <= 0 {
		return true, 0
	}
	h, n := l.hash(key), now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.lockedWindow(h, n)
	if !ok {
		return true, 0
	}
	if next := w.last + int64(every); w.last != 0 && n < next {
		return false, time.Duration(next - n)
	}
	w.last = n
	l.locked.Add(h, w)
	return true, 0
}

// Fail records a failure of key at now.
func (l *Failures) Fail(key string, now time.Time) {
	if l.max <= 0 {
		return
	}
	h, n := l.hash(key), now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.lockedWindow(h, n); ok {
		return // counted enough
	}
	w, ok := l.counting.Peek(h)
	if !ok || n >= w.start+l.window {
		w = failureWindow{start: n}
	}
	w.count++
	if w.count >= l.max {
		l.counting.Remove(h)
		l.locked.Add(h, w)
		return
	}
	l.counting.Add(h, w)
}

// Len is how many keys the limiter remembers.
func (l *Failures) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counting.Len() + l.locked.Len()
}
