package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/oauthkit/oauthkit/store"
)

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
	// negative disables the negative cache.
	NegativeTTL time.Duration
	// Timeout bounds one backend call, which may be shared by many requests. Default 10 s.
	Timeout time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Cache is a [Validator] that remembers the answers of another (R-MW-3). Create it with
// [Cached].
//
//   - Valid tokens are kept in a bounded LRU (golang-lru/v2, sharded by key so that
//     parallel hits do not share one lock). An entry is served only before
//     min(token expiry, time stored + MaxAge), by the injected clock.
//   - Invalid credentials are kept in a second bounded LRU for NegativeTTL.
//     Answers that are not a verdict (ErrUnavailable) are never cached.
//   - Concurrent misses for the same credential share one backend call (singleflight).
//   - Keys are SHA-256 digests of the credential; the raw token is never a key.
//   - [Cache.Forget] drops tokens by ID at once; [Cache.SubscribeTo] wires it to a store
//     that publishes revocations ([store.RevocationPublisher]), so revocations done through
//     this process's authorization server are seen immediately. Revocations made in other
//     processes are seen within MaxAge.
//
// Every entry carries its own deadline, checked on read with the injected clock; expired
// entries are dropped when read or pushed out by the size bound. So a Cache starts no
// goroutine (golang-lru's expirable.LRU would start one per cache that can never be stopped,
// on the wall clock, and costs a clock read per hit) and [Cache.Close] only ends
// subscriptions. It is safe for concurrent use.
type Cache struct {
	v       Validator
	shards  []cacheShard
	mask    uint8
	maxAge  time.Duration
	negTTL  time.Duration
	timeout time.Duration
	now     func() time.Time

	group  singleflight.Group
	epoch  atomic.Uint64 // bumped by every Forget; a miss that saw another epoch does not store
	closed atomic.Bool

	idxMu sync.Mutex
	byID  map[string]map[credKey]*Info // token ID → cached keys and their entries, for Forget

	subMu   sync.Mutex
	cancels []func()

	onJoin func() // test hook: called once a miss has joined (or started) its backend call
}

type credKey [sha256.Size]byte

type cacheShard struct {
	pos *lru.Cache[credKey, posEntry]
	neg *lru.Cache[credKey, time.Time] // value: until when the credential is invalid
}

type posEntry struct {
	info     *Info // immutable once stored
	deadline time.Time
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
		now: opts.Now, byID: make(map[string]map[credKey]*Info)}
	if c.now == nil {
		c.now = time.Now
	}
	n := 1
	if min(opts.Size, opts.NegativeSize) >= shardedFrom {
		n = 16
	}
	c.mask = uint8(n - 1)
	c.shards = make([]cacheShard, n)
	for i := range c.shards {
		// Sizes are positive, so the constructors cannot fail.
		pos, _ := lru.NewWithEvict(max(1, opts.Size/n), c.evicted)
		neg, _ := lru.New[credKey, time.Time](max(1, opts.NegativeSize/n))
		c.shards[i] = cacheShard{pos: pos, neg: neg}
	}
	return c
}

// Validate implements [Validator]. A hit takes only its shard's LRU lock and allocates
// nothing.
func (c *Cache) Validate(ctx context.Context, cred Credential) (Info, error) {
	p, err := c.validatePtr(ctx, cred)
	if err != nil {
		return Info{}, err
	}
	return *p, nil
}

// validatePtr is Validate returning the cached entry itself, which is immutable and must
// not be written through; [Authenticate] uses it to avoid copying on the hot path.
func (c *Cache) validatePtr(ctx context.Context, cred Credential) (*Info, error) {
	if c.closed.Load() {
		info, err := c.v.Validate(ctx, cred)
		if err != nil {
			return nil, err
		}
		return &info, nil
	}
	k := keyOf(cred)
	sh := &c.shards[k[0]&c.mask]
	now := c.now()
	if e, ok := sh.pos.Get(k); ok {
		if now.Before(e.deadline) {
			return e.info, nil
		}
		sh.pos.Remove(k)
	}
	if c.negTTL > 0 {
		if until, ok := sh.neg.Get(k); ok {
			if now.Before(until) {
				return nil, ErrInvalidToken
			}
			sh.neg.Remove(k)
		}
	}
	return c.miss(ctx, cred, k, sh)
}

// miss asks the backend, sharing the call with concurrent misses for the same credential
// in the same epoch. Each caller waits only as long as its own context allows; the shared
// call runs without the first caller's cancellation, bounded by Timeout.
func (c *Cache) miss(ctx context.Context, cred Credential, k credKey, sh *cacheShard) (*Info, error) {
	epoch := c.epoch.Load()
	var flight [len(k) + 8]byte
	copy(flight[:], k[:])
	binary.LittleEndian.PutUint64(flight[len(k):], epoch)
	ch := c.group.DoChan(string(flight[:]), func() (any, error) {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		info, err := c.v.Validate(bctx, cred)
		if err != nil {
			c.store(k, sh, epoch, nil, err)
			return nil, err
		}
		p := &info
		c.store(k, sh, epoch, p, nil)
		return p, nil
	})
	if c.onJoin != nil {
		c.onJoin()
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		info := res.Val.(*Info) // shared by every waiter: immutable from here on
		if !info.ExpiresAt.IsZero() && !c.now().Before(info.ExpiresAt) {
			return nil, ErrInvalidToken
		}
		return info, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// store remembers a backend answer: a valid token until min(expiry, now+MaxAge), an
// invalid one for NegativeTTL, anything else not at all.
func (c *Cache) store(k credKey, sh *cacheShard, epoch uint64, info *Info, err error) {
	now := c.now()
	switch {
	case err == nil:
		deadline := now.Add(c.maxAge)
		if !info.ExpiresAt.IsZero() && info.ExpiresAt.Before(deadline) {
			deadline = info.ExpiresAt
		}
		if !now.Before(deadline) {
			return
		}
		if info.ID != "" {
			c.index(info.ID, k, info)
		}
		sh.pos.Add(k, posEntry{info: info, deadline: deadline})
		// A Forget that ran while the backend was answering may concern this token: its
		// answer may predate the revocation, so do not keep it. (Forget bumps the epoch
		// before removing; we add before checking; so one of us removes the entry.)
		if c.epoch.Load() != epoch {
			sh.pos.Remove(k)
		}
	case errors.Is(err, ErrInvalidToken) && c.negTTL > 0:
		sh.neg.Add(k, now.Add(c.negTTL))
	}
}

// index records that key k holds the entry info of token id, before the entry is added.
func (c *Cache) index(id string, k credKey, info *Info) {
	c.idxMu.Lock()
	defer c.idxMu.Unlock()
	m := c.byID[id]
	if m == nil {
		m = make(map[credKey]*Info, 1)
		c.byID[id] = m
	}
	m[k] = info
}

// evicted is the positive LRUs' eviction callback. golang-lru runs it after releasing the
// shard's lock, so it may run after the same key was stored again: it unindexes the key
// only if the index still names the evicted entry.
func (c *Cache) evicted(k credKey, e posEntry) {
	if e.info.ID == "" {
		return
	}
	c.idxMu.Lock()
	defer c.idxMu.Unlock()
	m := c.byID[e.info.ID]
	if m[k] != e.info {
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

// keyOf returns the cache key of a credential: SHA-256 over a tag, the Basic user name
// with its length, and the token, an unambiguous encoding. The buffer stays on the stack
// for credentials up to its size.
func keyOf(cred Credential) credKey {
	var buf [512]byte
	b := buf[:0]
	if cred.Basic {
		b = append(b, 'p')
		b = binary.BigEndian.AppendUint32(b, uint32(len(cred.Username)))
		b = append(b, cred.Username...)
	} else {
		b = append(b, 'b')
	}
	b = append(b, cred.Token...)
	return sha256.Sum256(b)
}
