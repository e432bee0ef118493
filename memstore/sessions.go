package memstore

import (
	"context"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// CreateSession implements [store.Sessions].
func (s *Store) CreateSession(_ context.Context, ss store.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[ss.Hash]; ok {
		return conflict("session exists")
	}
	s.sessions[ss.Hash] = ss
	return nil
}

// Session implements [store.Sessions].
func (s *Store) Session(_ context.Context, hash store.Hash, now time.Time) (store.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ss, ok := s.sessions[hash]
	if !ok || !now.Before(ss.ExpiresAt) {
		return store.Session{}, notFound("no such session")
	}
	return ss, nil
}

// DeleteSession implements [store.Sessions].
func (s *Store) DeleteSession(_ context.Context, hash store.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, hash)
	return nil
}

// DeleteAccountSessions implements [store.Sessions].
func (s *Store) DeleteAccountSessions(_ context.Context, accountID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, ss := range s.sessions {
		if ss.AccountID == accountID {
			delete(s.sessions, h)
		}
	}
	return nil
}
