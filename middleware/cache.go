package middleware

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// NoNegativeCache, as CacheOptions.NegativeTTL, remembers no invalid credential: every one
// reaches the validator.
const NoNegativeCache time.Duration = -1

// CacheOptions configures [Cached]. The zero value means the documented defaults.
type CacheOptions struct {
	// Size bounds the valid tokens remembered. Default 10 000. When Size and NegativeSize
	// are both at least 1024 the cache is split into 16 shards (each a sixteenth of the
	// bounds, so eviction is LRU per shard); smaller caches are one LRU.
	Size int
	// MaxAge bounds how long a valid token is remembered, whatever its expiry: it is the
	// longest a revocation made elsewhere (another process, a database shared with other
	// servers) can go unseen. Default 1 minute.
	MaxAge time.Duration
	// NegativeSize bounds the invalid credentials remembered. Default 10 000.
	NegativeSize int
	// NegativeTTL is how long an invalid credential is remembered, so that a flood of
	// garbage tokens reaches the backend once per TTL per distinct token (twice once
	// NegativeSize is reached, see [Cache]). Default 5 s; [NoNegativeCache] turns the
	// negative cache off.
	NegativeTTL time.Duration
	// Timeout, if set, bounds one backend call, which may be shared by many requests, on
	// top of the context of the request that makes it. Default none: the call is bounded
	// by that context, as when the validator is called directly.
	Timeout time.Duration
	// Now is the clock. Default time.Now; hits then read the monotonic clock only (see
	// [Cache]).
	Now func() time.Time
}

// Cache is a [Validator] that remembers the answers of another. Create it with
// [Cached].
//
//   - Valid tokens are kept in a bounded LRU (golang-lru/v2's simplelru, sharded by key
//     so that parallel hits do not share one lock). An entry is served only before
//     min(token expiry, time stored + MaxAge), by the injected clock.
//   - Invalid credentials are kept in a second bounded LRU for NegativeTTL.
//     Answers that are not a verdict (ErrUnavailable) are never cached.
//   - While a shard has room, every answer is stored. A full shard stores a credential
//     only on its second miss within a short window (about as many misses as the shard
//     has entries), in place of the least recently used entry: a token in use gets in on
//     its second request, while a working set larger than the cache passes through at
//     the cost of the backend alone, rather than evicting on every miss the entries that
//     would have been hit.
//   - Concurrent misses for the same credential share one backend call. The first caller
//     makes it itself, with its own context (values included); the others wait for its
//     answer, each only as long as its own context allows. If the first caller's context
//     ends, it gets ErrUnavailable as soon as the validator returns (those of this
//     package return at once), and those waiting for it ask again.
//   - Valid tokens are found by a keyed 64-bit hash of the credential and confirmed by a
//     constant-time comparison with the credential stored in the entry; invalid ones are
//     found by the same hash and confirmed by their SHA-256 digest, the only form in
//     which they are kept. The raw token is never a map key (see [credKey]).
//   - [Cache.Forget] drops tokens by ID at once; [Cache.SubscribeTo] wires it to a store
//     that publishes revocations ([store.RevocationPublisher]), so revocations done through
//     this process's authorization server are seen immediately. Revocations made in other
//     processes are seen within MaxAge.
//
// A miss costs the backend call and little more: a lookup, a few map operations under
// the shard's lock, a clock read, and, for an answer stored, the entry.
//
// Every entry carries its own deadline, checked on every read with the injected clock;
// expired entries are dropped when read or pushed out by the size bound. So a Cache starts
// no goroutine (golang-lru's expirable.LRU would start one per cache that can never be
// stopped, on the wall clock, and costs a clock read per hit) and [Cache.Close] only ends
// subscriptions. It is safe for concurrent use.
//
// With the default clock, a hit reads the monotonic clock only, half the cost of time.Now:
// the entry is served while less time has passed since it was stored than it had left
// then, both by time.Now. That is the same check as comparing time.Now with the deadline,
// unless the wall clock is stepped in between. A step then neither lengthens an entry
// (with a wall-clock comparison, setting the clock back would serve it beyond MaxAge) nor
// shortens it (setting the clock forward, which a wall-clock comparison would follow, is
// bounded here by MaxAge, like any staleness).
type Cache struct {
	v       Validator
	shards  []cacheShard
	mask    uint8
	maxAge  time.Duration
	negTTL  time.Duration
	timeout time.Duration
	now     func() time.Time
	// monoBase is the origin of posEntry.elapsed when Now is the default; zero otherwise.
	monoBase time.Time

	epoch  atomic.Uint64 // bumped by every Forget; a miss that saw another epoch does not store
	closed atomic.Bool

	subMu   sync.Mutex
	cancels []func()

	onJoin func() // test hook: called once a miss has joined (or started) its backend call
}

// shardedFrom is the size from which the cache is split into 16 shards (both bounds must
// reach it); smaller caches have one shard and are exact LRUs.
const shardedFrom = 1024

// Cached returns a Cache in front of v. It panics if v is nil.
func Cached(v Validator, opts CacheOptions) *Cache {
	if v == nil {
		panic("middleware: Cached needs a Validator")
	}
	if opts.Size <= 0 {
		opts.Size = 10_000
	}
	if opts.NegativeSize <= 0 {
		opts.NegativeSize = 10_000
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Minute
	}
	if opts.NegativeTTL == 0 {
		opts.NegativeTTL = 5 * time.Second
	}
	if opts.Timeout < 0 {
		opts.Timeout = 0
	}
	c := &Cache{v: v, maxAge: opts.MaxAge, negTTL: opts.NegativeTTL, timeout: opts.Timeout, now: opts.Now}
	if c.now == nil {
		c.now = time.Now
		c.monoBase = time.Now()
	}
	n := 1
	if min(opts.Size, opts.NegativeSize) >= shardedFrom {
		n = 16
	}
	c.mask = uint8(n - 1)
	c.shards = make([]cacheShard, n)
	for i := range c.shards {
		c.shards[i].init(opts.Size/n, opts.NegativeSize/n)
	}
	return c
}

// Validate implements [Validator]. A hit takes only its shard's lock and allocates
// nothing.
func (c *Cache) Validate(ctx context.Context, cred Credential) (Info, error) {
	var info Info
	e, err := c.lookup(ctx, cred, &info)
	if e != nil {
		info = e.info
		// The entry's Audience is shared with every later hit: the caller gets its own.
		info.Audience = slices.Clone(info.Audience)
		return info, nil
	}
	return info, err
}

// validateShared is Validate returning the cached Info itself, which is immutable and must
// not be written through, and its entry (nil if the answer is not stored):
// [sharingValidator], which [Authenticate] uses to avoid copying on the hot path.
func (c *Cache) validateShared(ctx context.Context, cred Credential) (*Info, *posEntry, error) {
	var info Info
	e, err := c.lookup(ctx, cred, &info)
	switch {
	case e != nil:
		return &e.info, e, nil
	case err != nil:
		return nil, nil, err
	}
	p := new(Info) // info itself stays on the stack, as on a hit
	*p = info
	return p, nil, nil
}

// lookup answers cred: with its entry if the answer is stored (shared), else with the
// backend's answer, in *out if valid.
func (c *Cache) lookup(ctx context.Context, cred Credential, out *Info) (*posEntry, error) {
	if c.closed.Load() {
		var err error
		*out, err = c.v.Validate(ctx, cred)
		return nil, err
	}
	k := keyOf(cred)
	sh := &c.shards[k[0]&c.mask]
	sh.mu.Lock()
	e, ok := sh.pos.Get(k)
	if !ok {
		return c.miss(ctx, cred, k, sh, out) // under the lock still
	}
	sh.mu.Unlock()
	if e.matches(cred) {
		if c.fresh(e) {
			return e, nil
		}
		sh.removeValue(e)
	}
	sh.mu.Lock()
	return c.miss(ctx, cred, k, sh, out)
}

// fresh reports whether e may still be served: before its deadline, by the injected clock,
// or by the monotonic clock when Now is the default (see [Cache]).
func (c *Cache) fresh(e *posEntry) bool {
	if !c.monoBase.IsZero() {
		return time.Since(c.monoBase) < e.elapsed
	}
	return c.now().Before(e.deadline)
}

// setDeadline sets when e stops being served, min(expiry, now+MaxAge), and reports
// whether that is still ahead.
func (c *Cache) setDeadline(e *posEntry, now time.Time) bool {
	e.deadline = now.Add(c.maxAge)
	if !e.info.ExpiresAt.IsZero() && e.info.ExpiresAt.Before(e.deadline) {
		e.deadline = e.info.ExpiresAt
	}
	if !now.Before(e.deadline) {
		return false
	}
	if !c.monoBase.IsZero() {
		// now and monoBase come from time.Now, so now.Sub(monoBase) uses their monotonic
		// readings; deadline.Sub(now) is MaxAge, or the time the token has left by the
		// wall clock if less.
		e.elapsed = now.Sub(c.monoBase) + e.deadline.Sub(now)
		if e.elapsed < 0 { // overflow, with an absurd MaxAge
			e.elapsed = math.MaxInt64
		}
	}
	return true
}

// Forget drops the tokens with the given IDs (store record IDs, JWT jti values) from the
// cache at once, including answers still being fetched when it is called.
func (c *Cache) Forget(ids ...string) {
	c.epoch.Add(1)
	for i := range c.shards {
		c.shards[i].forget(ids)
	}
}

// SubscribeTo makes the cache forget tokens as soon as p reports them revoked: pass the
// storage of an authorization server running in this process (memstore does this). The
// subscription ends with [Cache.Close].
func (c *Cache) SubscribeTo(p store.RevocationPublisher) {
	cancel := p.SubscribeRevocations(func(ids []string) { c.Forget(ids...) })
	c.subMu.Lock()
	defer c.subMu.Unlock()
	c.cancels = append(c.cancels, cancel)
}

// Close ends the subscriptions and empties the cache. Afterwards Validate passes every
// call to the backend validator, since revocations would no longer be heard. Close is
// idempotent and always returns nil.
func (c *Cache) Close() error {
	c.closed.Store(true)
	c.subMu.Lock()
	cancels := c.cancels
	c.cancels = nil
	c.subMu.Unlock()
	for _, cancel := range cancels {
		cancel()
	}
	for i := range c.shards {
		c.shards[i].purge()
	}
	return nil
}
