package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// TestCacheKeyCollisionNeverShares: credentials whose keys collide never share an answer.
// A collision of the 64-bit keyed hash cannot be found on purpose, so the test puts
// valid-1's entry under the other credentials' keys, as a collision would.
func TestCacheKeyCollisionNeverShares(t *testing.T) {
	others := []Credential{
		{Token: "valid-2"},
		{Token: "valid-1x"},
		{Token: "valid-1", Username: "acct", Basic: true},
	}
	for _, other := range others {
		clock := newClock()
		back := newCounting(clock, time.Hour)
		c := Cached(back, CacheOptions{Now: clock.Now})
		ctx := context.Background()
		if err := validate(t, c, "valid-1"); err != nil {
			t.Fatal(err)
		}
		k1, k2 := keyOf(Credential{Token: "valid-1"}), keyOf(other)
		sh1, sh2 := &c.shards[k1[0]&c.mask], &c.shards[k2[0]&c.mask]
		sh1.mu.Lock()
		e, ok := sh1.pos.Peek(k1)
		sh1.mu.Unlock()
		if !ok {
			t.Fatal("valid-1 was not cached")
		}
		// What a collision stores: valid-1's credential and answer under the other's key.
		sh2.mu.Lock()
		sh2.put(&posEntry{info: e.info, deadline: e.deadline, elapsed: e.elapsed, key: k2,
			token: e.token, username: e.username, basic: e.basic})
		sh2.mu.Unlock()

		info, err := c.Validate(ctx, other)
		if err != nil || info.ID != "id-"+other.Token || back.calls.Load() != 2 {
			t.Fatalf("%+v: got %q, %v after %d calls; want its own answer from the backend",
				other, info.ID, err, back.calls.Load())
		}
		// Its own entry replaced the colliding one, which the ID index no longer lists
		// under that key; revoking it works.
		if info, err := c.Validate(ctx, other); err != nil || info.ID != "id-"+other.Token || back.calls.Load() != 2 {
			t.Fatalf("%+v: second lookup %q, %v, %d calls", other, info.ID, err, back.calls.Load())
		}
		if other.Token != "valid-1" {
			sh2.mu.Lock()
			for e := sh2.byID[idHashOf("id-valid-1")]; e != nil; e = e.idNext {
				if e.info.ID == "id-valid-1" && e.key == k2 {
					t.Errorf("%+v: the ID index still maps valid-1 to the replaced key", other)
				}
			}
			sh2.mu.Unlock()
		}
		c.Forget("id-" + other.Token)
		_, _ = c.Validate(ctx, other)
		if back.calls.Load() != 3 {
			t.Fatalf("%+v: Forget did not drop it", other)
		}
		_ = c.Close()
	}
}

// TestCacheDefaultClock: with the default clock, hits check the deadline on the monotonic
// clock; an entry is still never served past the token's expiry or MaxAge.
func TestCacheDefaultClock(t *testing.T) {
	t.Parallel()
	const life = 500 * time.Millisecond
	for _, tc := range []struct {
		name   string
		maxAge time.Duration
		exp    time.Duration
	}{
		{"expiry", time.Hour, life},
		{"MaxAge", life, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			exp := time.Now().Add(tc.exp)
			v := ValidatorFunc(func(context.Context, Credential) (Info, error) {
				calls.Add(1)
				if !time.Now().Before(exp) {
					return Info{}, ErrInvalidToken
				}
				return Info{ID: "x", Kind: store.KindAccess, ExpiresAt: exp.Round(0)}, nil // wall clock only, as parsed
			})
			c := Cached(v, CacheOptions{MaxAge: tc.maxAge})
			defer c.Close()
			start := time.Now()
			for range 3 {
				if err := validate(t, c, "tok"); err != nil {
					t.Fatal(err)
				}
			}
			if time.Since(start) < life/2 && calls.Load() != 1 {
				t.Fatalf("calls %d, want 1 (hits)", calls.Load())
			}
			// Past the deadline whenever the entry was stored (before now).
			time.Sleep(life + 20*time.Millisecond)
			err := validate(t, c, "tok")
			if calls.Load() < 2 {
				t.Fatal("the entry was served past its deadline")
			}
			if tc.name == "expiry" && !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err = %v after expiry", err)
			}
		})
	}
}

func TestEqualConstantTime(t *testing.T) {
	for _, s := range []string{"", "a", "oak:at_0123456789", "0123456789abcdef"} {
		for _, u := range []string{"", "a", "b", "oak:at_0123456789", "oak:at_012345678X", "oak:at_X123456789", "0123456789abcdef", "0123456789abcdeF"} {
			if got := equalConstantTime(s, u); got != (s == u) {
				t.Errorf("equalConstantTime(%q, %q) = %v", s, u, got)
			}
		}
	}
}

// TestRequireScopesRemembersOnlyPasses: a cached token remembers the check it passed,
// which never lets it through another check it fails.
func TestRequireScopesRemembersOnlyPasses(t *testing.T) {
	clock := newClock()
	v := ValidatorFunc(func(_ context.Context, c Credential) (Info, error) {
		return Info{ID: c.Token, Kind: store.KindAccess, Scopes: scopes.New("a:ro"),
			ExpiresAt: clock.Now().Add(time.Hour)}, nil
	})
	c := Cached(v, CacheOptions{Now: clock.Now})
	defer c.Close()
	authn := Authenticate(c, Options{Now: clock.Now})
	ro := authn(RequireScopes(nil, "a:ro")(okHandler))
	rw := authn(RequireScopes(nil, "a:rw")(okHandler))
	type route struct {
		h    http.Handler
		want int
	}
	okRO, noRW := route{ro, http.StatusOK}, route{rw, http.StatusForbidden}
	for i, order := range [][]route{{okRO, noRW}, {noRW, okRO}} {
		tok := fmt.Sprintf("Bearer tok-%d", i)
		for range 3 {
			for _, r := range order {
				if code := serve(r.h, tok); code != r.want {
					t.Fatalf("order %d: status %d, want %d", i, code, r.want)
				}
			}
		}
	}
}

// TestCacheHitAllocatesNothing: a hit, as Validate and as Authenticate asks it, allocates
// nothing, as documented.
func TestCacheHitAllocatesNothing(t *testing.T) {
	clock := newClock()
	c := Cached(newCounting(clock, time.Hour), CacheOptions{Now: clock.Now})
	defer c.Close()
	ctx, cred := context.Background(), Credential{Token: "valid-1"}
	if _, err := c.Validate(ctx, cred); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = c.Validate(ctx, cred) }); n != 0 {
		t.Errorf("Validate: %v allocations per hit", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = c.validateShared(ctx, cred) }); n != 0 {
		t.Errorf("validateShared: %v allocations per hit", n)
	}
}
