package throttle

import (
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Unit tests of the failure throttle. The HTTP behaviour (per address, 429 with
// Retry-After, password sign-in) is tested in package flows (throttle_test.go,
// login_test.go, login_budget_test.go).

// TestFailureLimiterWindow: a key is refused once it reaches its maximum, until the fixed
// window that started at its first failure ends, and is told how long is left.
func TestFailureLimiterWindow(t *testing.T) {
	l := New(3, time.Minute, 100)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l.Fail("k", t0)
	l.Fail("k", t0.Add(10*time.Second))
	if b, _ := l.Blocked("k", t0.Add(20*time.Second)); b {
		t.Fatal("blocked after 2 of 3 failures")
	}
	l.Fail("k", t0.Add(20*time.Second))
	b, wait := l.Blocked("k", t0.Add(30*time.Second))
	if !b || wait != 30*time.Second {
		t.Fatalf("after 3 failures: blocked %v, wait %v; want true, 30s (the window runs from the first failure)", b, wait)
	}
	if b, _ := l.Blocked("other", t0.Add(30*time.Second)); b {
		t.Fatal("another key is blocked")
	}
	if b, _ := l.Blocked("k", t0.Add(time.Minute)); b {
		t.Fatal("still blocked when the window ended")
	}
	// A failure after the window starts a new one.
	l.Fail("k", t0.Add(time.Minute))
	if b, _ := l.Blocked("k", t0.Add(time.Minute)); b {
		t.Fatal("one failure in a new window blocks")
	}
	if off := New(-1, time.Minute, 10); func() bool {
		for range 10 {
			off.Fail("k", t0)
		}
		b, _ := off.Blocked("k", t0)
		return b
	}() {
		t.Fatal("a disabled limiter blocks")
	}
}

// TestFailureLimiterBounded: however many distinct keys fail, the limiter never remembers
// more than its size, and a locked-out key stays locked while other keys churn through
// the counting list, even when they outnumber it a hundredfold.
func TestFailureLimiterBounded(t *testing.T) {
	const size = 100
	l := New(3, time.Hour, size)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for range 3 {
		l.Fail("attacker\x00192.0.2.1", t0)
	}
	for i := range 100 * size {
		l.Fail("guess-"+strconv.Itoa(i)+"\x00198.51.100.7", t0)
		if n := l.Len(); n > size {
			t.Fatalf("after %d keys the limiter holds %d, more than its size %d", i+1, n, size)
		}
	}
	if b, _ := l.Blocked("attacker\x00192.0.2.1", t0); !b {
		t.Fatal("the locked-out key was forgotten while other keys churned")
	}
	// Locking out other keys does push it out, but only after a quarter of the size of
	// them, each with the maximum of failures; and checking it keeps it in.
	for i := range 2 * size {
		k := "locked-" + strconv.Itoa(i)
		for range 3 {
			l.Fail(k, t0)
		}
		if b, _ := l.Blocked("attacker\x00192.0.2.1", t0); !b {
			t.Fatalf("the checked locked-out key was forgotten after %d other lockouts", i+1)
		}
		if n := l.Len(); n > size {
			t.Fatalf("the limiter holds %d, more than its size %d", n, size)
		}
	}
	// Unchecked, it goes after size/4 other lockouts: what an LRU allows.
	for i := range size / 4 {
		for range 3 {
			l.Fail("more-"+strconv.Itoa(i), t0)
		}
	}
	if b, _ := l.Blocked("attacker\x00192.0.2.1", t0); b {
		t.Fatal("the locked list holds more than a quarter of the size")
	}
}

// TestFailureLimiterAdmit: past its maximum a key is let through once per delay, never
// refused for good; below it, always.
func TestFailureLimiterAdmit(t *testing.T) {
	l := New(2, time.Hour, 100)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	every := 10 * time.Second
	if ok, _ := l.Admit("k", t0, every); !ok {
		t.Fatal("a fresh key is not admitted")
	}
	l.Fail("k", t0)
	l.Fail("k", t0)
	if ok, _ := l.Admit("k", t0, every); !ok {
		t.Fatal("the first attempt past the maximum is not admitted")
	}
	if ok, wait := l.Admit("k", t0.Add(4*time.Second), every); ok || wait != 6*time.Second {
		t.Fatalf("a second attempt within the delay: %v, wait %v; want refused, 6s", ok, wait)
	}
	if ok, _ := l.Admit("k", t0.Add(every), every); !ok {
		t.Fatal("an attempt after the delay is not admitted")
	}
}

// benchKeys are 1M distinct keys shaped like the limiter's (identity, address).
func benchKeys(b *testing.B) []string {
	b.Helper()
	keys := make([]string, 1_000_000)
	for i := range keys {
		keys[i] = "client-" + strconv.Itoa(i) + "\x00203.0.113." + strconv.Itoa(i%256)
	}
	return keys
}

// BenchmarkFailureLimiter1MKeys measures one failure of each of 1M distinct keys (an
// attacker cycling addresses) against two baselines run in the same process: a plain map
// insert, which has no bound at all, and a bare golang-lru Add of the same key. The
// limiter's extra cost over the LRU is the keyed hash and the window bookkeeping; its time
// per key does not grow with the number of keys (no scans).
//
//	go test -run '^$' -bench FailureLimiter1MKeys -benchtime 1x ./flows/internal/throttle
func BenchmarkFailureLimiter1MKeys(b *testing.B) {
	keys := benchKeys(b)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	perKey := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(keys)), "ns/key")
	}
	b.Run("limiter", func(b *testing.B) {
		for b.Loop() {
			l := New(10, time.Minute, DefaultSize)
			for _, k := range keys {
				l.Fail(k, now)
			}
			if l.Len() > DefaultSize {
				b.Fatalf("%d keys remembered", l.Len())
			}
		}
		perKey(b)
	})
	b.Run("baseline=map", func(b *testing.B) {
		for b.Loop() {
			m := map[string]failureWindow{}
			for _, k := range keys {
				m[k] = failureWindow{count: 1}
			}
		}
		perKey(b)
	})
	b.Run("baseline=lru", func(b *testing.B) {
		for b.Loop() {
			c, _ := simplelru.NewLRU[string, failureWindow](DefaultSize, nil)
			for _, k := range keys {
				c.Add(k, failureWindow{count: 1})
			}
		}
		perKey(b)
	})
}
