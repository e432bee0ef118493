package federation

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The upstream's signing keys are cached for jwksMaxAge. An ID token signed with a key the
// cache does not know (the upstream rotated its keys) triggers one refetch, but refetches
// happen at most once per jwksMinRefresh, so that tokens with made-up key ids cannot make
// this server hammer the upstream.
const (
	jwksMaxAge     = time.Hour
	jwksMinRefresh = 30 * time.Second
)

// jwksCache holds the upstream's JSON Web Key Set.
type jwksCache struct {
	client *http.Client

	mu          sync.Mutex
	uri         string
	keys        []jose.JSONWebKey
	fetchedAt   time.Time
	attemptedAt time.Time
	lastErr     error // of the last fetch, nil once one succeeds
}

// candidates returns the signature keys that may have signed a token with key id kid ("" for
// none) and algorithm alg: with a kid, the keys with that id; without, every key. A kid
// unknown to the cache causes a refetch, rate-limited.
func (c *jwksCache) candidates(ctx context.Context, uri, kid string, alg jose.SignatureAlgorithm, now time.Time) ([]jose.JSONWebKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.uri != uri { // discovery moved the JWKS: forget the old keys
		c.uri, c.keys, c.fetchedAt, c.attemptedAt, c.lastErr = uri, nil, time.Time{}, time.Time{}, nil
	}
	var fetchErr error
	if c.keys == nil || now.Sub(c.fetchedAt) >= jwksMaxAge {
		fetchErr = c.refresh(ctx, now)
	}
	found := matchingKeys(c.keys, kid, alg)
	if len(found) == 0 && kid != "" && fetchErr == nil && c.mayRefresh(now) {
		fetchErr = c.refresh(ctx, now)
		found = matchingKeys(c.keys, kid, alg)
	}
	if len(found) == 0 {
		if fetchErr == nil {
			fetchErr = c.lastErr
		}
		if fetchErr != nil {
			return nil, fetchErr
		}
		return nil, fmt.Errorf("no key in the upstream's JWKS for kid %q and alg %s", kid, alg)
	}
	return found, nil
}

// mayRefresh reports whether the rate limit allows a fetch now.
func (c *jwksCache) mayRefresh(now time.Time) bool {
	return c.attemptedAt.IsZero() || now.Sub(c.attemptedAt) >= jwksMinRefresh || now.Before(c.attemptedAt)
}

// refresh fetches the key set; on failure the keys held so far stay.
func (c *jwksCache) refresh(ctx context.Context, now time.Time) error {
	if !c.mayRefresh(now) {
		return nil
	}
	c.attemptedAt = now
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, c.client, c.uri, "", &set); err != nil {
		c.lastErr = fmt.Errorf("upstream JWKS: %w", err)
		return c.lastErr
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, k := range set.Keys {
		if k.IsPublic() && k.Valid() {
			keys = append(keys, k)
		}
	}
	c.keys, c.fetchedAt, c.lastErr = keys, now, nil
	return nil
}

// matchingKeys returns the keys of set that can verify a signature with kid and alg: a
// signature key (use absent or "sig"), whose own alg, if stated, is alg.
func matchingKeys(set []jose.JSONWebKey, kid string, alg jose.SignatureAlgorithm) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range set {
		if (kid != "" && k.KeyID != kid) || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != string(alg)) {
			continue
		}
		out = append(out, k)
	}
	return out
}
