package flows

import (
	"sync"
	"time"
)

// redirectLimiter allows at most max events per key in any sliding window (R-AUTHZ-10: at
// most 3 authorization requests in 30 s per client and account, which catches a client
// stuck in a redirect loop). It is per process: behind a load balancer each instance counts
// its own share. Memory is bounded by pruning keys whose events have all aged out.
type redirectLimiter struct {
	max    int
	window time.Duration

	mu sync.Mutex
	m  map[string][]time.Time
}

func newRedirectLimiter(max int, window time.Duration) *redirectLimiter {
	return &redirectLimiter{max: max, window: window, m: map[string][]time.Time{}}
}

// allow records an event for key at now and reports whether it is within the limit. A
// refused event is not recorded, so a client that backs off gets through again once its
// earlier requests leave the window.
func (l *redirectLimiter) allow(key string, now time.Time) bool {
	if l.max <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-l.window)
	events := l.m[key]
	i := 0
	for i < len(events) && !events[i].After(cut) {
		i++
	}
	events = events[i:]
	if len(events) >= l.max {
		l.m[key] = events
		return false
	}
	if len(l.m) >= maxTrackedKeys {
		l.prune(cut)
	}
	l.m[key] = append(events, now)
	return true
}

func (l *redirectLimiter) prune(cut time.Time) {
	for k, ev := range l.m {
		if len(ev) == 0 || !ev[len(ev)-1].After(cut) {
			delete(l.m, k)
		}
	}
}
