package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// CreateCode implements [store.Codes].
func (s *Store) CreateCode(_ context.Context, c store.AuthorizationCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.codes[c.Hash]; ok {
		return conflict("code exists")
	}
	s.codes[c.Hash] = cloneCode(c)
	return nil
}

func cloneCode(c store.AuthorizationCode) store.AuthorizationCode {
	c.Scopes = slices.Clone(c.Scopes)
	return c
}

// Code implements [store.Codes].
func (s *Store) Code(_ context.Context, hash store.Hash, now time.Time) (store.AuthorizationCode, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.codes[hash]
	if !ok || !now.Before(c.ExpiresAt) {
		return store.AuthorizationCode{}, notFound("no such code")
	}
	return cloneCode(c), nil
}

// ConsumeCode implements [store.Codes]. An expired code gives ErrNotFound even when it was
// consumed before it expired.
func (s *Store) ConsumeCode(_ context.Context, hash store.Hash, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[hash]
	if !ok || !now.Before(c.ExpiresAt) {
		return notFound("no such code")
	}
	if !c.ConsumedAt.IsZero() {
		return conflict("code already consumed")
	}
	c.ConsumedAt = now
	s.codes[hash] = c
	return nil
}
