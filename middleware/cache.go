package middleware

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/oauthkit/oauthkit/store"
)

// NoNegativeCache, as CacheOptions.NegativeTTL, remembers no invalid credential: every one
// reaches the validator.
const NoNegativeCache time.Duration = -1

// CacheOptions configures [Cached]. The zero value means the documented defaults.
type CacheOptions struct {
	// Size bounds the valid tokens remembered. Default 10 000. When Size and NegativeSize
	// are both at least 1024 the cache is split into 16 shards (each a sixteenth of the
	// bounds, so eviction is LRU per shard); smaller caches are one exact LRU.
	Size int
	// MaxAge bounds how long a valid token is remembered, whatever its expiry: it is the
	// longest a revocation made elsewhere (another process, a database shared with other
	// servers) can go unseen. Default 1 minute.
	MaxAge time.Duration
	// NegativeSize bounds the invalid credentials remembered. Default 10 000.
	NegativeSize int
	// NegativeTTL is how long an invalid credential is remembered, so that a flood of
	// garbage tokens reaches the backend once per TTL per distinct token. Default 5 s;
	// [NoNegativeCache] turns the negative cache off.
	NegativeTTL time.Duration
	// Timeout bounds one backend call, which may be shared by many requests. Default 10 s.
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
//   - Concurrent misses for the same credential share one backend call (singleflight).
//   - Valid tokens are found by a keyed 64-bit hash of the credential and confirmed by a
//     constant-time comparison with the credential stored in the entry; invalid ones are
//     keyed by their SHA-256 digest. The raw token is never a map key (see [credKey]).
//   - [Cache.Forget] drops tokens by ID at once; [Cache.SubscribeTo] wires it to a store
//     that publishes revocations ([store.RevocationPublisher]), so revocations done through
//     this process's authorization server are seen immediately. Revocations made in other
//     processes are seen within MaxAge.
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

	group  singleflight.Group
	epoch  atomic.Uint64 // bumped by every Forget; a miss that saw another epoch does not store
	closed atomic.Bool

	idxMu sync.Mutex
	byID  map[string]map[credKey]*posEntry // token ID → cached keys and their entries, for Forget

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
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	c := &Cache{v: v, maxAge: opts.MaxAge, negTTL: opts.NegativeTTL, timeout: opts.Timeout,
		now: opts.Now, byID: make(map[string]map[credKey]*posEntry)}
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
		c.shards[i] = cacheShard{pos: newShardLRU(opts.Size/n, c.evicted),
			neg: newShardLRU[credDigest, time.Time](opts.NegativeSize/n, nil)}
	}
	return c
}

// Validate implements [Validator]. A hit takes only its shard's LRU lock and allocates
// nothing.
func (c *Cache) Validate(ctx context.Context, cred Credential) (Info, error) {
	p, _, err := c.validateShared(ctx, cred)
	if err != nil {
		return Info{}, err
	}
	return *p, nil
}

// validateShared is Validate returning the cached Info itself, which is immutable and must
// not be written through, and its entry (nil once the cache is closed): [sharingValidator],
// which [Authenticate] uses to avoid copying on the hot path.
func (c *Cache) validateShared(ctx context.Context, cred Credential) (*Info, *posEntry, error) {
	if c.closed.Load() {
		info, err := c.v.Validate(ctx, cred)
		if err != nil {
			return nil, nil, err
		}
		return &info, nil, nil
	}
	k := keyOf(cred)
	sh := &c.shards[k[0]&c.mask]
	if e, ok := sh.pos.Get(k); ok && e.matches(cred) {
		if c.fresh(e) {
			return &e.info, e, nil
		}
		c.drop(k, sh, e)
	}
	d := digestOf(cred)
	if c.negTTL > 0 {
		if until, ok := sh.neg.Get(d); ok {
			if c.now().Before(until) {
				return nil, nil, ErrInvalidToken
			}
			sh.neg.Remove(d)
		}
	}
	e, err := c.miss(ctx, cred, k, d, sh)
	if err != nil {
		return nil, nil, err
	}
	return &e.info, e, nil
}

// fresh reports whether e may still be served: before its deadline, by the injected clock,
// or by the monotonic clock when Now is the default (see [Cache]).
func (c *Cache) fresh(e *posEntry) bool {
	if !c.monoBase.IsZero() {
		return time.Since(c.monoBase) < e.elapsed
	}
	return c.now().Before(e.deadline)
}

// drop removes e from key k if k still holds it: a concurrent miss may have stored a fresh
// entry there since e was read.
func (c *Cache) drop(k credKey, sh *cacheShard, e *posEntry) {
	sh.pos.RemoveValue(k, e)
}

// miss asks the backend, sharing the call with concurrent misses for the same credential
// in the same epoch. Each caller waits only as long as its own context allows; the shared
// call runs without the first caller's cancellation, bounded by Timeout.
func (c *Cache) miss(ctx context.Context, cred Credential, k credKey, d credDigest, sh *cacheShard) (*posEntry, error) {
	epoch := c.epoch.Load()
	var flight [len(d) + 8]byte
	copy(flight[:], d[:])
	binary.LittleEndian.PutUint64(flight[len(d):], epoch)
	ch := c.group.DoChan(string(flight[:]), func() (any, error) {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		info, err := c.v.Validate(bctx, cred)
		if err != nil {
			c.store(k, d, sh, epoch, nil, err)
			return nil, err
		}
		// The entry shares the credential's strings (slices of a header value: a few
		// bytes more than the token at most).
		e := &posEntry{info: info, token: cred.Token, username: cred.Username, basic: cred.Basic}
		c.store(k, d, sh, epoch, e, nil)
		return e, nil
	})
	if c.onJoin != nil {
		c.onJoin()
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		e := res.Val.(*posEntry) // shared by every waiter: immutable from here on
		if !e.info.ExpiresAt.IsZero() && !c.now().Before(e.info.ExpiresAt) {
			return nil, ErrInvalidToken
		}
		return e, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// store remembers a backend answer: a valid token (its entry e) until min(expiry,
// now+MaxAge), an invalid one for NegativeTTL, anything else not at all.
func (c *Cache) store(k credKey, d credDigest, sh *cacheShard, epoch uint64, e *posEntry, err error) {
	now := c.now()
	switch {
	case err == nil:
		e.deadline = now.Add(c.maxAge)
		if !e.info.ExpiresAt.IsZero() && e.info.ExpiresAt.Before(e.deadline) {
			e.deadline = e.info.ExpiresAt
		}
		if !now.Before(e.deadline) {
			return
		}
		if !c.monoBase.IsZero() {
			// now and monoBase come from time.Now, so now.Sub(monoBase) uses their
			// monotonic readings; deadline.Sub(now) is MaxAge, or the time the token has
			// left by the wall clock if less.
			e.elapsed = now.Sub(c.monoBase) + e.deadline.Sub(now)
			if e.elapsed < 0 { // overflow, with an absurd MaxAge
				e.elapsed = math.MaxInt64
			}
		}
		if e.info.ID != "" {
			c.index(e.info.ID, k, e)
		}
		// An entry replaced (another credential with the same key, or a concurrent store of
		// this one) does not go through the eviction callback: unindex it here.
		if old, ok := sh.pos.Swap(k, e); ok && old != e {
			c.evicted(k, old)
		}
		// A Forget that ran while the backend was answering may concern this token: its
		// answer may predate the revocation, so do not keep it. (Forget bumps the epoch
		// before removing; we add before checking; so one of us removes the entry.)
		if c.epoch.Load() != epoch {
			c.drop(k, sh, e)
		}
	case errors.Is(err, ErrInvalidToken) && c.negTTL > 0:
		sh.neg.Add(d, now.Add(c.negTTL))
	}
}

// index records that key k holds the entry e of token id, before the entry is added.
func (c *Cache) index(id string, k credKey, e *posEntry) {
	c.idxMu.Lock()
	defer c.idxMu.Unlock()
	m := c.byID[id]
	if m == nil {
		m = make(map[credKey]*posEntry, 1)
		c.byID[id] = m
	}
	m[k] = e
}

// evicted is the positive LRUs' eviction callback, also called for entries replaced. It
// may run after the same key was stored again (index runs before the entry is added): it
// unindexes the key only if the index still names the evicted entry.
func (c *Cache) evicted(k credKey, e *posEntry) {
	if e.info.ID == "" {
		return
	}
	c.idxMu.Lock()
	defer c.idxMu.Unlock()
	m := c.byID[e.info.ID]
	if m[k] != e {
		return
	}
	delete(m, k)
	if len(m) == 0 {
		delete(c.byID, e.info.ID)
	}
}

// Forget drops the tokens with the given IDs (store record IDs, JWT jti values) from the
// cache at once, including answers still being fetched when it is called.
func (c *Cache) Forget(ids ...string) {
	c.epoch.Add(1)
	var keys []credKey
	c.idxMu.Lock()
	for _, id := range ids {
		for k := range c.byID[id] {
			keys = append(keys, k)
		}
		delete(c.byID, id)
	}
	c.idxMu.Unlock()
	for _, k := range keys {
		c.shards[k[0]&c.mask].pos.Remove(k)
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
	for _, sh := range c.shards {
		sh.pos.Purge()
		sh.neg.Purge()
	}
	return nil
}
