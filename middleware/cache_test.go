package middleware

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// countingValidator counts backend calls; tokens "valid-*" are valid until expires (by
// the clock), "down" is unavailable, anything else invalid. A non-nil gate blocks every
// call until it is closed, or until the call's context ends.
type countingValidator struct {
	calls   atomic.Int64
	clock   *fakeClock
	expires time.Time
	gate    chan struct{}
}

func (v *countingValidator) Validate(ctx context.Context, c Credential) (Info, error) {
	v.calls.Add(1)
	if v.gate != nil {
		select {
		case <-v.gate:
		case <-ctx.Done():
			return Info{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
	switch {
	case c.Token == "down":
		return Info{}, ErrUnavailable
	case len(c.Token) > 6 && c.Token[:6] == "valid-" && v.clock.Now().Before(v.expires):
		return Info{ID: "id-" + c.Token, Kind: store.KindAccess, Scopes: scopes.New("a:ro"), ExpiresAt: v.expires}, nil
	}
	return Info{}, ErrInvalidToken
}

func newCounting(clock *fakeClock, ttl time.Duration) *countingValidator {
	return &countingValidator{clock: clock, expires: clock.Now().Add(ttl)}
}

func validate(t testing.TB, c Validator, tok string) error {
	t.Helper()
	_, err := c.Validate(context.Background(), Credential{Token: tok})
	return err
}

func TestCacheEntryNeverOutlivesExpiry(t *testing.T) {
	// R-MW-3: a hit is served only before the token's expiry, by the injected clock.
	clock := newClock()
	back := newCounting(clock, 30*time.Second)
	c := Cached(back, CacheOptions{MaxAge: time.Hour, Now: clock.Now})
	defer c.Close()
	for range 3 {
		if err := validate(t, c, "valid-1"); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(29 * time.Second)
	if err := validate(t, c, "valid-1"); err != nil || back.calls.Load() != 1 {
		t.Fatalf("before expiry: err %v, calls %d (want 1)", err, back.calls.Load())
	}
	clock.Advance(time.Second)
	if err := validate(t, c, "valid-1"); !errors.Is(err, ErrInvalidToken) || back.calls.Load() != 2 {
		t.Fatalf("at expiry: err %v, calls %d (want invalid, 2)", err, back.calls.Load())
	}
}

func TestCacheMaxAge(t *testing.T) {
	// R-MW-3: an entry is re-validated after MaxAge even when the token lives longer: the
	// bound on revocations made in other processes.
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{MaxAge: time.Minute, Now: clock.Now})
	defer c.Close()
	_ = validate(t, c, "valid-1")
	clock.Advance(59 * time.Second)
	_ = validate(t, c, "valid-1")
	if n := back.calls.Load(); n != 1 {
		t.Fatalf("calls %d, want 1", n)
	}
	clock.Advance(time.Second)
	_ = validate(t, c, "valid-1")
	if n := back.calls.Load(); n != 2 {
		t.Fatalf("calls %d after MaxAge, want 2", n)
	}
}

func TestCacheRefusesExpiredAnswer(t *testing.T) {
	// A backend answer that has already expired is not served and not stored.
	clock := newClock()
	v := ValidatorFunc(func(context.Context, Credential) (Info, error) {
		return Info{ID: "x", Kind: store.KindAccess, ExpiresAt: clock.Now()}, nil
	})
	c := Cached(v, CacheOptions{Now: clock.Now})
	defer c.Close()
	if err := validate(t, c, "t"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("err = %v", err)
	}
}

func TestCacheNegative(t *testing.T) {
	// R-MW-3: invalid credentials are remembered for NegativeTTL, so a flood of one
	// garbage token reaches the backend once.
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{NegativeTTL: 5 * time.Second, Now: clock.Now})
	defer c.Close()
	for range 100 {
		if err := validate(t, c, "garbage"); !errors.Is(err, ErrInvalidToken) {
			t.Fatal(err)
		}
	}
	if n := back.calls.Load(); n != 1 {
		t.Fatalf("calls %d, want 1", n)
	}
	clock.Advance(5 * time.Second)
	_ = validate(t, c, "garbage")
	if n := back.calls.Load(); n != 2 {
		t.Fatalf("calls %d after NegativeTTL, want 2", n)
	}
}

func TestCacheNegativeBoundAndDisable(t *testing.T) {
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{NegativeSize: 2, Now: clock.Now})
	defer c.Close()
	// g3 gets into the full cache on its second refusal, and g1 is out.
	for _, tok := range []string{"g1", "g2", "g3", "g3", "g1"} {
		_ = validate(t, c, tok)
	}
	if n := back.calls.Load(); n != 5 {
		t.Errorf("calls %d, want 5 (g1 evicted by the bound)", n)
	}

	back2 := newCounting(clock, time.Hour)
	off := Cached(back2, CacheOptions{NegativeTTL: -1, Now: clock.Now})
	defer off.Close()
	for range 3 {
		_ = validate(t, off, "garbage")
	}
	if n := back2.calls.Load(); n != 3 {
		t.Errorf("calls %d with the negative cache off, want 3", n)
	}
}

func TestCacheUnavailableNotCached(t *testing.T) {
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{Now: clock.Now})
	defer c.Close()
	for range 3 {
		if err := validate(t, c, "down"); !errors.Is(err, ErrUnavailable) {
			t.Fatal(err)
		}
	}
	if n := back.calls.Load(); n != 3 {
		t.Errorf("calls %d, want 3", n)
	}
}

func TestCacheSizeBound(t *testing.T) {
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{Size: 2, Now: clock.Now})
	defer c.Close()
	// valid-3 gets into the full cache on its second miss, and valid-1 is out.
	for _, tok := range []string{"valid-1", "valid-2", "valid-3", "valid-3", "valid-1"} {
		_ = validate(t, c, tok)
	}
	if n := back.calls.Load(); n != 5 {
		t.Errorf("calls %d, want 5 (valid-1 evicted)", n)
	}
	if n := indexLen(c); n != 2 {
		t.Errorf("ID index holds %d entries, want 2 (evictions must clean it)", n)
	}
}

// TestCacheAdmission: a full cache stores a token on its second miss, so that tokens used
// once pass through without pushing out those in use; the same holds for refusals.
func TestCacheAdmission(t *testing.T) {
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{Size: 2, NegativeSize: 1, Now: clock.Now})
	defer c.Close()
	kept := []string{"valid-1", "valid-2", "garbage"}
	for _, tok := range kept {
		_ = validate(t, c, tok)
	}
	for i := range 50 {
		for _, tok := range []string{fmt.Sprintf("valid-once-%d", i), fmt.Sprintf("garbage-%d", i)} {
			_ = validate(t, c, tok)
		}
		for _, tok := range kept {
			_ = validate(t, c, tok)
		}
	}
	if n := back.calls.Load(); n != 3+100 {
		t.Fatalf("calls %d, want 103: tokens used once displaced those in use", n)
	}
	// A token used twice gets in, in place of the least recently used.
	for _, tok := range []string{"valid-3", "valid-3", "valid-3", "valid-2", "valid-1"} {
		_ = validate(t, c, tok)
	}
	if n := back.calls.Load(); n != 103+3 {
		t.Fatalf("calls %d, want 106 (valid-3 twice, then valid-1 evicted)", n)
	}
}

func TestCacheBasicKeyedByUser(t *testing.T) {
	// The key covers the Basic user name: a wrong user's refusal does not hide the right
	// user's success, nor the other way round.
	clock := newClock()
	v := ValidatorFunc(func(_ context.Context, c Credential) (Info, error) {
		if c.Username == "right" {
			return Info{ID: "p", Kind: store.KindPersonal}, nil
		}
		return Info{}, ErrInvalidToken
	})
	c := Cached(v, CacheOptions{Now: clock.Now})
	defer c.Close()
	ctx := context.Background()
	for range 2 {
		if _, err := c.Validate(ctx, Credential{Token: "pat", Username: "wrong", Basic: true}); !errors.Is(err, ErrInvalidToken) {
			t.Fatal(err)
		}
		if _, err := c.Validate(ctx, Credential{Token: "pat", Username: "right", Basic: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Validate(ctx, Credential{Token: "pat"}); !errors.Is(err, ErrInvalidToken) {
			t.Fatal("bearer shares the Basic entry")
		}
	}
}

// TestCacheCoalescing: N concurrent misses for one token make one backend call (R-MW-3).
func TestCacheCoalescing(t *testing.T) {
	for _, tok := range []string{"valid-1", "garbage", "down"} {
		t.Run(tok, func(t *testing.T) {
			const n = 64
			clock := newClock()
			back := newCounting(clock, time.Hour)
			back.gate = make(chan struct{})
			c := Cached(back, CacheOptions{Now: clock.Now})
			defer c.Close()
			var joined atomic.Int64
			allJoined := make(chan struct{})
			c.onJoin = func() {
				if joined.Add(1) == n {
					close(allJoined)
				}
			}
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { errs[i] = validate(t, c, tok) })
			}
			<-allJoined
			close(back.gate)
			wg.Wait()
			if got := back.calls.Load(); got != 1 {
				t.Errorf("backend calls = %d, want 1", got)
			}
			for _, err := range errs {
				if (tok == "valid-1") != (err == nil) {
					t.Fatalf("err = %v", err)
				}
			}
		})
	}
}

// TestCacheCallerCancel: a caller waiting for another's backend call stops waiting when
// its context ends (fail closed), while the call completes and is cached for the others.
func TestCacheCallerCancel(t *testing.T) {
	clock := newClock()
	back := newCounting(clock, time.Hour)
	back.gate = make(chan struct{})
	c := Cached(back, CacheOptions{Now: clock.Now})
	defer c.Close()
	joins := make(chan struct{}, 2)
	c.onJoin = func() { joins <- struct{}{} }
	leader := make(chan error)
	go func() { leader <- validate(t, c, "valid-1") }()
	<-joins
	ctx, cancel := context.WithCancel(context.Background())
	waiter := make(chan error)
	go func() {
		_, err := c.Validate(ctx, Credential{Token: "valid-1"})
		waiter <- err
	}()
	<-joins
	cancel()
	if err := <-waiter; !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter: err = %v", err)
	}
	close(back.gate)
	if err := <-leader; err != nil {
		t.Fatalf("leader: err = %v", err)
	}
	if err := validate(t, c, "valid-1"); err != nil || back.calls.Load() != 1 {
		t.Fatalf("err %v, calls %d; want the shared answer cached", err, back.calls.Load())
	}
}

// TestCacheLeaderCancel: the caller making the backend call passes its own context to the
// validator. When it ends, the caller gets ErrUnavailable as soon as the validator returns,
// and a caller that was waiting for that answer asks the backend itself rather than share
// a failure that is not its own.
func TestCacheLeaderCancel(t *testing.T) {
	clock := newClock()
	back := newCounting(clock, time.Hour)
	back.gate = make(chan struct{})
	c := Cached(back, CacheOptions{Now: clock.Now})
	defer c.Close()
	joins := make(chan struct{}, 3)
	c.onJoin = func() { joins <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan error)
	go func() {
		_, err := c.Validate(ctx, Credential{Token: "valid-1"})
		leader <- err
	}()
	<-joins
	waiter := make(chan error)
	go func() { waiter <- validate(t, c, "valid-1") }()
	<-joins
	cancel()
	if err := <-leader; !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: err = %v", err)
	}
	<-joins // the waiter, asking again
	close(back.gate)
	if err := <-waiter; err != nil {
		t.Fatalf("waiter: err = %v", err)
	}
	if err := validate(t, c, "valid-1"); err != nil || back.calls.Load() != 2 {
		t.Fatalf("err %v, calls %d; want 2 (the leader's, the waiter's)", err, back.calls.Load())
	}
}

// TestCachePanicReleasesWaiters: a validator that panics fails the caller that called it,
// as it would without a cache; those waiting for its answer ask again.
func TestCachePanicReleasesWaiters(t *testing.T) {
	gate := make(chan struct{})
	var calls atomic.Int64
	v := ValidatorFunc(func(context.Context, Credential) (Info, error) {
		if calls.Add(1) == 1 {
			<-gate
			panic("validator bug")
		}
		return Info{ID: "x", Kind: store.KindAccess}, nil
	})
	clock := newClock()
	c := Cached(v, CacheOptions{Now: clock.Now})
	defer c.Close()
	joins := make(chan struct{}, 3)
	c.onJoin = func() { joins <- struct{}{} }
	panicked := make(chan any)
	go func() {
		defer func() { panicked <- recover() }()
		_ = validate(t, c, "tok")
	}()
	<-joins
	waiter := make(chan error)
	go func() { waiter <- validate(t, c, "tok") }()
	<-joins
	close(gate)
	if p := <-panicked; p != "validator bug" {
		t.Fatalf("recovered %v", p)
	}
	if err := <-waiter; err != nil || calls.Load() != 2 {
		t.Fatalf("waiter: err %v, calls %d", err, calls.Load())
	}
}

// TestCacheBackendContext: the backend call gets the caller's context, values included,
// bounded by Timeout when one is set.
func TestCacheBackendContext(t *testing.T) {
	type key struct{}
	for _, timeout := range []time.Duration{0, time.Hour} {
		var deadline time.Time
		var hasDeadline bool
		var value any
		v := ValidatorFunc(func(ctx context.Context, _ Credential) (Info, error) {
			deadline, hasDeadline = ctx.Deadline()
			value = ctx.Value(key{})
			return Info{ID: "x", Kind: store.KindAccess}, nil
		})
		c := Cached(v, CacheOptions{Timeout: timeout})
		start := time.Now()
		if _, err := c.Validate(context.WithValue(context.Background(), key{}, "v"), Credential{Token: "t"}); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		if value != "v" {
			t.Errorf("Timeout %v: the validator saw value %v", timeout, value)
		}
		if hasDeadline != (timeout > 0) || hasDeadline && (deadline.Before(start.Add(timeout)) || deadline.After(time.Now().Add(timeout))) {
			t.Errorf("Timeout %v: deadline %v (%v), call started %v", timeout, deadline, hasDeadline, start)
		}
	}
}

// TestCacheRevocationInProcess: a revocation through this process's storage is seen at
// once (R-MW-3), for each way a store removes tokens.
func TestCacheRevocationInProcess(t *testing.T) {
	ctx := context.Background()
	revocations := map[string]func(f *fixture) error{
		"RevokeToken":         func(f *fixture) error { return f.st.RevokeToken(ctx, "at-1") },
		"RevokeFamily":        func(f *fixture) error { return f.st.RevokeFamily(ctx, "fam-1") },
		"RevokeAccountTokens": func(f *fixture) error { _, err := f.st.RevokeAccountTokens(ctx, testAccount); return err },
		"limit eviction": func(f *fixture) error {
			now := f.clock.Now().Add(time.Second)
			return f.st.IssueTokens(ctx, now, store.Issue{
				Tokens: []store.Token{{Hash: f.hasher.Hash("new"), ID: "at-2", Kind: store.KindAccess,
					ClientID: testClient, AccountID: testAccount, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}},
				Limits: map[store.TokenKind]int{store.KindAccess: 1},
			})
		},
	}
	for name, revoke := range revocations {
		t.Run("R-MW-3 "+name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.issue(t, store.Token{ID: "at-1", FamilyID: "fam-1", Kind: store.KindAccess, Scopes: []string{"a:ro"}})
			c := Cached(f.local(t, LocalOptions{}), CacheOptions{MaxAge: time.Hour, Now: f.clock.Now})
			defer c.Close()
			c.SubscribeTo(f.st)
			h := Authenticate(c, Options{Now: f.clock.Now})(RequireScopes(nil, "a:ro")(okHandler))
			for range 2 {
				if code := serve(h, "Bearer "+tok); code != 200 {
					t.Fatalf("status %d", code)
				}
			}
			if err := revoke(f); err != nil {
				t.Fatal(err)
			}
			if code := serve(h, "Bearer "+tok); code != 401 {
				t.Fatalf("status %d right after revocation, want 401", code)
			}
		})
	}
}

func TestCacheForgetDuringMiss(t *testing.T) {
	// A Forget while the backend is answering: the (possibly stale) answer is not kept.
	clock := newClock()
	back := newCounting(clock, time.Hour)
	back.gate = make(chan struct{})
	c := Cached(back, CacheOptions{Now: clock.Now})
	defer c.Close()
	joined := make(chan struct{})
	c.onJoin = func() { close(joined) }
	done := make(chan error)
	go func() { done <- validate(t, c, "valid-1") }()
	<-joined
	c.onJoin = nil
	c.Forget("id-valid-1")
	close(back.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_ = validate(t, c, "valid-1")
	if n := back.calls.Load(); n != 2 {
		t.Errorf("calls %d, want 2: an answer fetched across a Forget was kept", n)
	}
}

func TestCacheForget(t *testing.T) {
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{Now: clock.Now})
	defer c.Close()
	_ = validate(t, c, "valid-1")
	_ = validate(t, c, "valid-2")
	c.Forget("id-valid-1", "unknown")
	_ = validate(t, c, "valid-1")
	_ = validate(t, c, "valid-2")
	if n := back.calls.Load(); n != 3 {
		t.Errorf("calls %d, want 3", n)
	}
}

func TestCacheClose(t *testing.T) {
	// Close ends the subscription; afterwards the cache passes through, since it would
	// no longer hear revocations.
	f := newFixture(t)
	tok := f.issue(t, store.Token{ID: "at-1", Kind: store.KindAccess})
	var calls atomic.Int64
	l := f.local(t, LocalOptions{})
	v := ValidatorFunc(func(ctx context.Context, c Credential) (Info, error) {
		calls.Add(1)
		return l.Validate(ctx, c)
	})
	c := Cached(v, CacheOptions{Now: f.clock.Now})
	c.SubscribeTo(f.st)
	_ = validate(t, c, tok)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_ = validate(t, c, tok)
	_ = validate(t, c, tok)
	if n := calls.Load(); n != 3 {
		t.Errorf("calls %d after Close, want 3", n)
	}
	if err := f.st.RevokeToken(context.Background(), "at-1"); err != nil { // no subscriber left to call
		t.Fatal(err)
	}
	if err := validate(t, c, tok); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("err = %v", err)
	}
}

func TestCacheSharded(t *testing.T) {
	// Large caches are sharded; every token still round-trips.
	clock := newClock()
	back := newCounting(clock, time.Hour)
	c := Cached(back, CacheOptions{Size: 4096, Now: clock.Now})
	defer c.Close()
	if len(c.shards) != 16 {
		t.Fatalf("shards = %d", len(c.shards))
	}
	for i := range 200 {
		_ = validate(t, c, fmt.Sprintf("valid-%d", i))
	}
	for i := range 200 {
		_ = validate(t, c, fmt.Sprintf("valid-%d", i))
	}
	if n := back.calls.Load(); n != 200 {
		t.Errorf("calls %d, want 200", n)
	}
}

// indexLen is the number of token IDs c's index holds.
func indexLen(c *Cache) int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.byID)
		sh.mu.Unlock()
	}
	return n
}

// TestCacheConcurrentForget: misses, evictions and Forgets racing leave the index by ID
// exactly the entries the LRUs hold, and no call in flight; a Forget of every ID then
// leaves no entry.
func TestCacheConcurrentForget(t *testing.T) {
	for _, size := range []int{32, 2048} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			clock := newClock()
			back := newCounting(clock, time.Hour)
			c := Cached(back, CacheOptions{Size: size, NegativeSize: size, Now: clock.Now})
			defer c.Close()
			const tokens, rounds = 3 * 2048, 1500
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range rounds {
						n := (i*7919 + g*104729) % tokens
						_ = validate(t, c, fmt.Sprintf("valid-%d", n))
						_ = validate(t, c, fmt.Sprintf("valid-%d", n%64)) // in steady use
						_ = validate(t, c, fmt.Sprintf("garbage-%d", n%97))
					}
				})
			}
			wg.Go(func() {
				for i := range rounds {
					c.Forget(fmt.Sprintf("id-valid-%d", i%64), fmt.Sprintf("id-valid-%d", i*31%tokens))
				}
			})
			wg.Wait()
			checkIndex(t, c)
			ids := make([]string, tokens)
			for i := range ids {
				ids[i] = fmt.Sprintf("id-valid-%d", i)
			}
			c.Forget(ids...)
			checkIndex(t, c)
			for i := range c.shards {
				if n := c.shards[i].pos.Len(); n != 0 {
					t.Fatalf("shard %d holds %d entries after forgetting every ID", i, n)
				}
			}
		})
	}
}

// checkIndex checks that each shard's index by ID holds exactly its entries that have an
// ID, each under its key, and that no backend call is still registered.
func checkIndex(t *testing.T, c *Cache) {
	t.Helper()
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		held := 0
		for _, e := range sh.pos.Values() {
			if e.info.ID != "" {
				held++
			}
		}
		indexed := 0
		for h, head := range sh.byID {
			if head.idPrev != nil {
				t.Errorf("shard %d: chain head %q has a predecessor", i, head.info.ID)
			}
			for e := head; e != nil; e = e.idNext {
				indexed++
				if cur, ok := sh.pos.Peek(e.key); !ok || cur != e {
					t.Errorf("shard %d: indexed entry %q is not stored under its key", i, e.info.ID)
				}
				if e.idHash != h || idHashOf(e.info.ID) != h {
					t.Errorf("shard %d: entry %q chained under the wrong hash", i, e.info.ID)
				}
				if e.idNext != nil && e.idNext.idPrev != e {
					t.Errorf("shard %d: broken chain after %q", i, e.info.ID)
				}
			}
		}
		if indexed != held {
			t.Errorf("shard %d: %d entries indexed, %d stored", i, indexed, held)
		}
		if n := len(sh.flights); n != 0 {
			t.Errorf("shard %d: %d calls still registered", i, n)
		}
		sh.mu.Unlock()
	}
}
