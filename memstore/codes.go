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
	c.Resources = slices.Clone(c.Resources)
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
