package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
)

// maxJWKSBytes bounds a fetched JWKS document.
const maxJWKSBytes = 1 << 20

// keySource holds the verification keys of a [JWT] validator: a fixed set, or one fetched
// from a JWKS URL and cached. Lookups of known kids read an atomic snapshot (no lock); a
// fetch happens on first use, when the snapshot is older than KeysMaxAge, or when a kid is
// unknown, and never more than once per MinRefetchInterval. Fetches are serialized, so a
// burst of tokens with unknown kids causes one request.
type keySource struct {
	url      string
	client   *http.Client
	maxAge   time.Duration
	minRetry time.Duration
	now      func() time.Time

	snap atomic.Pointer[keySnapshot]

	mu          sync.Mutex // serializes fetches; guards lastAttempt
	lastAttempt time.Time
}

type keySnapshot struct {
	byID    map[string]gojose.JSONWebKey
	fetched time.Time
}

func newKeySource(opts JWTOptions, now func() time.Time) (*keySource, error) {
	ks := &keySource{url: opts.JWKSURL, client: opts.HTTPClient, maxAge: opts.KeysMaxAge,
		minRetry: opts.MinRefetchInterval, now: now}
	if opts.JWKS != nil {
		keys, err := parseJWKS(opts.JWKS)
		if err != nil {
			return nil, err
		}
		ks.snap.Store(&keySnapshot{byID: keys})
		return ks, nil
	}
	if ks.client == nil {
		ks.client = &http.Client{Timeout: 5 * time.Second}
	}
	if ks.maxAge <= 0 {
		ks.maxAge = 10 * time.Minute
	}
	if ks.minRetry <= 0 {
		ks.minRetry = 10 * time.Second
	}
	return ks, nil
}

// key returns the verification key named kid. An unknown kid is ErrInvalidToken once the
// keys are fresh (or were refetched too recently to try again); keys that were never
// fetched successfully are ErrUnavailable.
func (ks *keySource) key(ctx context.Context, kid string) (gojose.JSONWebKey, error) {
	snap := ks.snap.Load()
	if snap != nil {
		k, ok := snap.byID[kid]
		if ks.url == "" || (ok && ks.now().Sub(snap.fetched) < ks.maxAge) {
			if !ok {
				return gojose.JSONWebKey{}, ErrInvalidToken
			}
			return k, nil
		}
	}
	snap, err := ks.refresh(ctx, snap)
	if snap == nil {
		return gojose.JSONWebKey{}, fmt.Errorf("%w: JWKS: %w", ErrUnavailable, err)
	}
	k, ok := snap.byID[kid]
	if !ok {
		return gojose.JSONWebKey{}, ErrInvalidToken
	}
	return k, nil
}

// refresh fetches the JWKS unless another caller did since seen was loaded, or the last
// attempt was less than minRetry ago. It returns the snapshot to use (nil when none was
// ever fetched) and the fetch error, if any.
func (ks *keySource) refresh(ctx context.Context, seen *keySnapshot) (*keySnapshot, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if cur := ks.snap.Load(); cur != seen {
		return cur, nil // someone else fetched meanwhile
	}
	now := ks.now()
	if !ks.lastAttempt.IsZero() && now.Sub(ks.lastAttempt) < ks.minRetry {
		return seen, errors.New("refetch rate-limited after a recent attempt")
	}
	ks.lastAttempt = now
	keys, err := ks.fetch(context.WithoutCancel(ctx))
	if err != nil {
		return seen, err
	}
	snap := &keySnapshot{byID: keys, fetched: now}
	ks.snap.Store(snap)
	return snap, nil
}

func (ks *keySource) fetch(ctx context.Context) (map[string]gojose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := ks.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxJWKSBytes))
		return nil, fmt.Errorf("GET %s: status %d", ks.url, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxJWKSBytes {
		return nil, errors.New("JWKS document too large")
	}
	return parseJWKS(b)
}

// parseJWKS reads a JWK Set (RFC 7517 §5) from an untrusted source. Keys that cannot be
// parsed, symmetric keys, keys not for signatures and keys without a kid are skipped; only
// public parts are kept. A set with no usable key is an error.
func parseJWKS(b []byte) (map[string]gojose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys := make(map[string]gojose.JSONWebKey, len(doc.Keys))
	for _, raw := range doc.Keys {
		var k gojose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() || k.KeyID == "" ||
			(k.Use != "" && k.Use != "sig") {
			continue
		}
		if _, symmetric := k.Key.([]byte); symmetric {
			continue
		}
		pub := k.Public()
		if !pub.Valid() {
			continue
		}
		if _, dup := keys[k.KeyID]; dup {
			continue // RFC 7517 §4.5: kids should be distinct; keep the first
		}
		keys[k.KeyID] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS: no usable signing key")
	}
	return keys, nil
}
