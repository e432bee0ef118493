package flows

import (
	"sync"
	"time"
)

// failureLimiter counts authentication failures per key in fixed windows and refuses a key
// that reached its maximum until its window ends (R-SEC-3: brute force of client secrets).
// It is per process; its memory is bounded by pruning ended windows.
type failureLimiter struct {
	max    int
	window time.Duration

	mu sync.Mutex
	m  map[string]failureWindow
}

type failureWindow struct {
	start time.Time
	count int
}

// maxTrackedKeys bounds the limiter's map; beyond it, ended windows are pruned.
const maxTrackedKeys = 10000

func newFailureLimiter(max int, window time.Duration) *failureLimiter {
	return &failureLimiter{max: max, window: window, m: map[string]failureWindow{}}
}

// blocked reports whether key is refused at now, and for how long.
func (l *failureLimiter) blocked(key string, now time.Time) (bool, time.Duration) {
	if l.max <= 0 {
		return false, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.m[key]
	if !ok || !now.Before(w.start.Add(l.window)) {
		return false, 0
	}
	if w.count >= l.max {
		return true, w.start.Add(l.window).Sub(now)
	}
	return false, 0
}

// fail records a failure of key at now.
func (l *failureLimiter) fail(key string, now time.Time) {
	if l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.m[key]
	if !ok || !now.Before(w.start.Add(l.window)) {
		if len(l.m) >= maxTrackedKeys {
			l.prune(now)
		}
		w = failureWindow{start: now}
	}
	w.count++
	l.m[key] = w
}

func (l *failureLimiter) prune(now time.Time) {
	for k, w := range l.m {
		if !now.Before(w.start.Add(l.window)) {
			delete(l.m, k)
		}
	}
}
