package flows

import (
	"strconv"
	"testing"
	"time"
)

// Unit tests of the redirect-loop limiter (R-AUTHZ-10); the HTTP behaviour is in
// redirectlimit_test.go.

// TestRedirectLimiterWindow: at most max events per key in any sliding window; a refused
// event is not recorded, so the key passes again once its oldest event leaves the window.
func TestRedirectLimiterWindow(t *testing.T) {
	l := newRedirectLimiter(3, 30*time.Second)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, step := range []struct {
		sec  int
		key  string
		want bool
	}{
		{0, "k", true}, {10, "k", true}, {20, "k", true},
		{25, "k", false},    // a 4th within 30 s
		{25, "other", true}, // another key counts apart
		{29, "k", false},    // still 0, 10, 20 within the window
		{30, "k", true},     // the event at 0 is 30 s old: it has left; refused ones were never recorded
		{31, "k", false},    // 10, 20, 30
		{40, "k", true},     // 10 has left: 20, 30, 40
		{41, "k", false},    // full again
		{1000, "k", true},   // long after: all aged out
		{1000, "other", true},
	} {
		if got := l.allow(step.key, at(step.sec)); got != step.want {
			t.Fatalf("allow(%q) at %ds = %v, want %v", step.key, step.sec, got, step.want)
		}
	}
}

// TestRedirectLimiterBounded: however many distinct (client, account) keys arrive within
// one window, the limiter never remembers more than its size, keeps no more than max
// event times per key, and a client looping all along stays refused while other keys
// churn between its requests.
func TestRedirectLimiterBounded(t *testing.T) {
	const size = 100
	l := newRedirectLimiterSize(3, time.Hour, size)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const loop = "looping-client\x00account"
	for range 3 {
		l.allow(loop, t0)
	}
	for i := range 100 * size {
		if !l.allow("client-"+strconv.Itoa(i)+"\x00account", t0) {
			t.Fatalf("key %d refused on its first request", i)
		}
		if n := l.len(); n > size {
			t.Fatalf("after %d keys the limiter holds %d, more than its size %d", i+1, n, size)
		}
		if i%(size/2) == 0 && l.allow(loop, t0) {
			t.Fatalf("the looping client passed after %d other keys", i+1)
		}
	}
	for _, ev := range l.keys.Values() {
		if cap(ev) > 3 {
			t.Fatalf("a key keeps room for %d event times, more than the limit 3", cap(ev))
		}
	}

	// The sizes of the server's limiter: its default limit gets the full key count, a
	// higher one fewer keys, so that the event times stay within their budget.
	for _, tc := range []struct{ limit, keys int }{
		{3, redirectLimiterKeys},
		{1000, redirectLimiterEvents / 1000},
	} {
		l := newRedirectLimiter(tc.limit, 30*time.Second)
		for i := range tc.keys + 1000 {
			l.allow("client-"+strconv.Itoa(i), t0)
		}
		if n := l.len(); n != tc.keys {
			t.Errorf("limit %d: after %d keys the limiter holds %d, want %d", tc.limit, tc.keys+1000, n, tc.keys)
		}
	}
}
