package jose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/oauthkit/oauthkit/internal/fetch"
)

// JWKSOptions configures [NewJWKSCache]. The zero value means the documented defaults.
type JWKSOptions struct {
	// Client fetches the JWKS. Default: fetch.NewClient with its defaults, which connects
	// to public addresses only (a JWKS URL read from another server's discovery document
	// must not reach this network's internal services). Pass a client of your own for a
	// URL you configured yourself, such as an authorization server on a private network.
	Client *http.Client
	// Timeout bounds one fetch, whatever the client's own timeout. Default 10 s.
	Timeout time.Duration
	// MaxBytes bounds the JWKS document. Default 1 MiB.
	MaxBytes int64
	// MaxAge is how long fetched keys are used before they are fetched again. Default
	// 10 min. When a fetch fails, the keys held stay in use.
	MaxAge time.Duration
	// MinRefetch is the least time between two fetches, successful or not, so that tokens
	// naming unknown kids cannot make the cache hammer the JWKS URL. Default 10 s.
	MinRefetch time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Errors of [JWKSCache.Keys]; test with errors.Is.
var (
	// ErrKeyNotFound: the cache holds keys, but none for this kid and algorithm, even
	// after a refetch (or with no refetch allowed yet). A token signed so is invalid.
	ErrKeyNotFound = errors.New("jose: no key of the JWKS matches the token's kid and alg")
	// ErrJWKSUnavailable: no key set was ever fetched, so nothing can be verified yet.
	ErrJWKSUnavailable = errors.New("jose: the JWKS is unavailable")
)

// JWKSCache holds the verification keys of a signer: a fixed JWK Set ([StaticJWKS]), or
// one fetched from a URL and cached ([NewJWKSCache]). Lookups read an immutable snapshot
// without a lock. The set is fetched on first use, when the snapshot is older than
// MaxAge, and when a token names a kid it does not hold (the signer rotated its keys),
// but never sooner than MinRefetch after the last attempt. Fetches are serialized, so a
// burst of tokens with unknown kids causes one request; one runs to its end (bounded by
// Timeout) even if the request that started it goes away, since others wait for it. It is
// safe for concurrent use and starts no goroutine.
type JWKSCache struct {
	client     *http.Client
	timeout    time.Duration
	maxBytes   int64
	maxAge     time.Duration
	minRefetch time.Duration
	now        func() time.Time
	static     bool

	state atomic.Pointer[jwksState]

	mu        sync.Mutex // serializes fetches and URL changes; guards attempted and lastErr
	attempted time.Time  // of the last fetch, successful or not
	lastErr   error      // of the last fetch
}

// jwksState is an immutable snapshot: a URL and the keys last fetched from it.
type jwksState struct {
	url     string
	keys    *keyIndex // nil until a fetch succeeds
	fetched time.Time
}

// NewJWKSCache returns a cache of the JWK Set at url, an http(s) URL; an empty url must
// be set with [JWKSCache.SetURL] before the first lookup.
func NewJWKSCache(url string, opts JWKSOptions) *JWKSCache {
	c := &JWKSCache{client: opts.Client, timeout: opts.Timeout, maxBytes: opts.MaxBytes,
		maxAge: opts.MaxAge, minRefetch: opts.MinRefetch, now: opts.Now}
	if c.client == nil {
		c.client = fetch.NewClient(fetch.ClientOptions{Timeout: opts.Timeout})
	}
	if c.maxAge <= 0 {
		c.maxAge = 10 * time.Minute
	}
	if c.minRefetch <= 0 {
		c.minRefetch = 10 * time.Second
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.state.Store(&jwksState{url: url})
	return c
}

// StaticJWKS returns a cache of the fixed JWK Set doc (pinned keys, tests), which is
// never fetched. A document without a usable key is an error.
func StaticJWKS(doc []byte) (*JWKSCache, error) {
	idx, err := parseJWKS(doc)
	if err != nil {
		return nil, err
	}
	c := &JWKSCache{static: true}
	c.state.Store(&jwksState{keys: idx})
	return c, nil
}

// SetURL makes url the JWKS URL. A URL other than the current one drops the keys held
// and the refetch limit: they were the old URL's (an upstream's discovery document moved
// its jwks_uri). A static cache ignores it.
func (c *JWKSCache) SetURL(url string) {
	if c.static {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load().url == url {
		return
	}
	c.state.Store(&jwksState{url: url})
	c.attempted, c.lastErr = time.Time{}, nil
}

// Keys returns the keys that may have signed a JWS whose header names kid and alg: with
// a kid, the keys with that kid; with none (""), every key; in both cases only signature
// keys whose own "alg", if stated, is alg. A kid the cache does not hold causes a refetch
// (rate-limited). The slice is shared: it must not be modified.
//
// It returns an error wrapping [ErrKeyNotFound] when no key matches, and one wrapping
// [ErrJWKSUnavailable] when no key set could ever be fetched.
func (c *JWKSCache) Keys(ctx context.Context, kid string, alg gojose.SignatureAlgorithm) ([]gojose.JSONWebKey, error) {
	st := c.state.Load()
	var now time.Time
	if st.keys != nil {
		keys, known := st.keys.match(kid, alg)
		if c.static {
			return found(keys, kid, alg, nil)
		}
		now = c.now()
		if now.Sub(st.fetched) < c.maxAge && (known || kid == "") {
			return found(keys, kid, alg, nil)
		}
	} else {
		now = c.now()
	}
	st, err := c.refresh(ctx, st, now)
	if st.keys == nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, err)
	}
	keys, _ := st.keys.match(kid, alg)
	return found(keys, kid, alg, err)
}

// found returns keys, or ErrKeyNotFound naming kid and alg (and the fetch error, if any)
// when there is none.
func found(keys []gojose.JSONWebKey, kid string, alg gojose.SignatureAlgorithm, fetchErr error) ([]gojose.JSONWebKey, error) {
	switch {
	case len(keys) > 0:
		return keys, nil
	case fetchErr != nil:
		return nil, fmt.Errorf("%w: kid %q, alg %s (refetch: %v)", ErrKeyNotFound, kid, alg, fetchErr)
	}
	return nil, fmt.Errorf("%w: kid %q, alg %s", ErrKeyNotFound, kid, alg)
}

// refresh fetches the set unless the snapshot changed since seen was loaded (another
// caller fetched, or the URL changed) or the last attempt was less than MinRefetch ago.
// It returns the snapshot to use and why it could not fetch, if it could not.
func (c *JWKSCache) refresh(ctx context.Context, seen *jwksState, now time.Time) (*jwksState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.state.Load(); cur != seen {
		return cur, nil
	}
	if seen.url == "" {
		return seen, errors.New("no JWKS URL is set")
	}
	// A clock set back (now before the last attempt) lifts the limit rather than
	// extending it.
	if !c.attempted.IsZero() && now.Sub(c.attempted) < c.minRefetch && !now.Before(c.attempted) {
		if c.lastErr != nil {
			return seen, fmt.Errorf("not refetched within %v of a failed fetch: %w", c.minRefetch, c.lastErr)
		}
		return seen, fmt.Errorf("not refetched within %v of the last fetch", c.minRefetch)
	}
	c.attempted = now
	var doc json.RawMessage
	err := fetch.GetJSON(context.WithoutCancel(ctx), c.client, seen.url, fetch.GetOptions{
		Accept: "application/jwk-set+json, application/json", MaxBytes: c.maxBytes, Timeout: c.timeout,
	}, &doc)
	var idx *keyIndex
	if err == nil {
		idx, err = parseJWKS(doc)
	}
	c.lastErr = err
	if err != nil {
		return seen, err
	}
	st := &jwksState{url: seen.url, keys: idx, fetched: now}
	c.state.Store(st)
	return st, nil
}
