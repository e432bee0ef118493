package middleware

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// The benchmarks serve one request per iteration through ServeHTTP with a fresh
// httptest.ResponseRecorder, into a handler that writes a small JSON body: what a real
// server does per request, minus the network. Each protected variant sits beside its
// baseline so the ratio shows in one run:
//
//	go test -run='^$' -bench=. -benchmem ./middleware
//
// bare: the handler alone (baseline); cache-hit: Authenticate+RequireScopes over Cached
// (a hit every time); cache-miss-local: the same with every lookup a miss that reaches
// the Local validator over memstore; jwt-no-cache: Authenticate+RequireScopes over the
// JWT validator (ES256 signature check each time). The Parallel benchmarks run the bare
// handler and the cache hit with b.RunParallel over 1024 tokens (-cpu 1,2,… shows scaling).
//
// BenchmarkCacheHit and BenchmarkValidateMiss measure the cache alone, a hit and a miss
// (against the validator without the cache). Where the operating system reports it, they
// also give cpu-ns/op, the process's CPU time per operation: on a machine busy with other
// work, which stretches ns/op at random, it is the steadier figure to compare.

var apiHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"chats":[]}`))
})

func benchServe(b *testing.B, h http.Handler, req *http.Request) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func bearerRequest(tok string) *http.Request {
	req := httptest.NewRequest("GET", "/v3/agent/chats", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

func protect(v Validator) http.Handler {
	return Authenticate(v, Options{})(RequireScopes(nil, "chats--my:ro")(apiHandler))
}

// benchFixture is a fixture on the wall clock, which the middleware's defaults use.
func benchFixture(b *testing.B) *fixture {
	f := newFixture(b)
	f.clock = &fakeClock{t: time.Now()}
	return f
}

func BenchmarkServe(b *testing.B) {
	f := benchFixture(b)
	tok := f.issue(b, store.Token{ID: "at-1", Kind: store.KindAccess, Scopes: []string{"chats--all:rw", "chats--my:ro"}})
	local := f.local(b, LocalOptions{})

	b.Run("bare", func(b *testing.B) {
		benchServe(b, apiHandler, bearerRequest(tok))
	})
	b.Run("cache-hit", func(b *testing.B) {
		c := Cached(local, CacheOptions{})
		defer c.Close()
		benchServe(b, protect(c), bearerRequest(tok))
	})
	b.Run("cache-miss-local", func(b *testing.B) {
		// A MaxAge of 1 ns makes every entry stale by the next call: every lookup misses,
		// goes to Local and is stored again.
		c := Cached(local, CacheOptions{MaxAge: time.Nanosecond})
		defer c.Close()
		benchServe(b, protect(c), bearerRequest(tok))
	})
	b.Run("jwt-no-cache", func(b *testing.B) {
		keys := newTestKeys(b)
		j := testJWT(b, keys, f.clock, "")
		benchServe(b, protect(j), bearerRequest(keys.sign(b, keys.claims(f.clock.Now()))))
	})
}

func BenchmarkServeParallel(b *testing.B) {
	f := benchFixture(b)
	const n = 1024
	toks := make([]string, n)
	for i := range toks {
		toks[i] = f.issue(b, store.Token{ID: fmt.Sprintf("at-%d", i), Kind: store.KindAccess, Scopes: []string{"chats--my:ro"}})
	}
	reqs := make([]*http.Request, n)
	for i, tok := range toks {
		reqs[i] = bearerRequest(tok)
	}
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1) * 97)
			for pb.Next() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, reqs[i%n])
				if rec.Code != http.StatusOK {
					b.Errorf("status %d", rec.Code)
					return
				}
				i++
			}
		})
	}
	b.Run("bare", func(b *testing.B) { run(b, apiHandler) })
	b.Run("cache-hit", func(b *testing.B) {
		c := Cached(f.local(b, LocalOptions{}), CacheOptions{})
		defer c.Close()
		for _, tok := range toks { // warm
			if _, err := c.Validate(context.Background(), Credential{Token: tok}); err != nil {
				b.Fatal(err)
			}
		}
		run(b, protect(c))
	})
}

// BenchmarkCacheHit is the cache alone: key hashing, shard lookup, deadline check.
func BenchmarkCacheHit(b *testing.B) {
	f := benchFixture(b)
	tok := f.issue(b, store.Token{ID: "at-1", Kind: store.KindAccess})
	c := Cached(f.local(b, LocalOptions{}), CacheOptions{})
	defer c.Close()
	ctx, cred := context.Background(), Credential{Token: tok}
	if _, err := c.Validate(ctx, cred); err != nil { // the miss that stores it
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := c.Validate(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheHitParallel is the cache alone under b.RunParallel over 1000 tokens:
// sharded (the default when Size and NegativeSize are ≥ 1024) against one shard (one LRU
// lock for every hit). Run with -cpu 1,2,4… to see the scaling.
func BenchmarkCacheHitParallel(b *testing.B) {
	f := benchFixture(b)
	const n = 1000
	creds := make([]Credential, n)
	for i := range creds {
		creds[i] = Credential{Token: f.issue(b, store.Token{ID: fmt.Sprintf("at-%d", i), Kind: store.KindAccess})}
	}
	for name, size := range map[string]int{"sharded": 10_000, "one-shard": n} {
		b.Run(name, func(b *testing.B) {
			c := Cached(f.local(b, LocalOptions{}), CacheOptions{Size: size})
			defer c.Close()
			ctx := context.Background()
			for _, cred := range creds {
				if _, err := c.Validate(ctx, cred); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1) * 97)
				for pb.Next() {
					if _, err := c.Validate(ctx, creds[i%n]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkValidateMiss is a working set larger than the cache: 100 000 live tokens used in
// turn, each once per round, in front of a cache of the default 10 000 entries already full
// of other tokens, so that every lookup of "cached" misses and goes to the backend, as
// "uncached" does without the cache (backend-calls/op shows it). Both ask the same
// memstore-backed Local validator. The context is cancellable, like a request's.
func BenchmarkValidateMiss(b *testing.B) {
	const n, others = 100_000, 12_000
	f := benchFixture(b)
	creds := make([]Credential, n+others)
	for i := range creds {
		creds[i] = Credential{Token: f.issue(b, store.Token{ID: fmt.Sprintf("at-%d", i), Kind: store.KindAccess,
			Scopes: []string{"chats--my:ro"}})}
	}
	warm, creds := creds[n:], creds[:n]
	local := f.local(b, LocalOptions{})
	var calls atomic.Int64
	backend := ValidatorFunc(func(ctx context.Context, c Credential) (Info, error) {
		calls.Add(1)
		return local.Validate(ctx, c)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A stride coprime to n visits every token once per n lookups, in an order unrelated
	// to the order they were issued (and stored) in.
	const stride = 7919
	run := func(b *testing.B, v Validator) {
		for _, cred := range warm { // twice: a full cache admits a token on its second miss
			for range 2 {
				if _, err := v.Validate(ctx, cred); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportAllocs()
		calls.Store(0)
		stopCPU := reportCPU(b)
		i := 0
		for b.Loop() {
			// A fresh copy of the token, as a request presents it: just read, in the CPU's
			// caches, not wherever the fixture put it long ago.
			if _, err := v.Validate(ctx, Credential{Token: strings.Clone(creds[i].Token)}); err != nil {
				b.Fatal(err)
			}
			if i += stride; i >= n {
				i -= n
			}
		}
		stopCPU()
		b.ReportMetric(float64(calls.Load())/float64(b.N), "backend-calls/op")
	}
	b.Run("uncached", func(b *testing.B) { run(b, backend) })
	b.Run("cached", func(b *testing.B) {
		c := Cached(backend, CacheOptions{})
		defer c.Close()
		run(b, c)
	})
}
