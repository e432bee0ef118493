package jose

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
)

// KeySet holds the key that signs access tokens now and the keys that are only published
// for verification: retired keys, kept until the tokens they signed have expired, and a next
// key published ahead of a rotation so that verifiers already know it. It is safe for
// concurrent use.
//
// Rotation: call [KeySet.Rotate] with a new key and the time until which the old one
// must stay published, that is the rotation time plus the access-token lifetime plus the
// verifiers' clock leeway. From then on the new key signs and the JWKS lists both.
type KeySet struct {
	mu        sync.RWMutex
	current   *Key
	published []publishedKey // verification-only keys, each until a time
}

type publishedKey struct {
	key   *Key
	until time.Time
}

// NewKeySet returns a set whose signing key is current.
func NewKeySet(current *Key) (*KeySet, error) {
	if current == nil {
		return nil, errors.New("jose: a key set needs a signing key")
	}
	return &KeySet{current: current}, nil
}

// Current returns the key that signs now.
func (s *KeySet) Current() *Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.current
}

// Rotate makes next the signing key. The previous signing key stays published until
// retireUntil; a retireUntil not after the present time drops it at once, which makes every
// token it signed fail verification (use that only for a compromised key). If next was
// published ahead with [KeySet.Publish], it stops being a verification-only key.
func (s *KeySet) Rotate(next *Key, retireUntil time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.current
	s.current = next
	s.published = slices.DeleteFunc(s.published, func(p publishedKey) bool {
		return p.key.ID == next.ID || p.key.ID == prev.ID
	})
	if prev.ID != next.ID {
		s.published = append(s.published, publishedKey{key: prev, until: retireUntil})
	}
}

// Publish adds k to the JWKS until the given time without signing with it: a key retired
// before a restart (so that its tokens stay valid), or the next key, published ahead of
// [KeySet.Rotate] so that verifiers with a cached JWKS know it before the first token it
// signs. Publishing a key again replaces its time.
func (s *KeySet) Publish(k *Key, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k.ID == s.current.ID {
		return
	}
	s.published = slices.DeleteFunc(s.published, func(p publishedKey) bool { return p.key.ID == k.ID })
	s.published = append(s.published, publishedKey{key: k, until: until})
}

// JWKS returns the public keys verifiers need at now: the signing key first, then every
// published key whose time has not passed. Keys whose time has passed are forgotten.
func (s *KeySet) JWKS(now time.Time) gojose.JSONWebKeySet {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.published = slices.DeleteFunc(s.published, func(p publishedKey) bool { return !now.Before(p.until) })
	set := gojose.JSONWebKeySet{Keys: []gojose.JSONWebKey{s.current.Public()}}
	for _, p := range s.published {
		set.Keys = append(set.Keys, p.key.Public())
	}
	return set
}

// MarshalJWKS returns [KeySet.JWKS] as the JSON document of /.well-known/jwks.json
// (RFC 7517 §5).
func (s *KeySet) MarshalJWKS(now time.Time) ([]byte, error) {
	return json.Marshal(s.JWKS(now))
}
