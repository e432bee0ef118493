package memstore

import (
	"context"
	"time"
)

// DeleteExpired removes every code, token and session that has expired at now (ExpiresAt
// not after now) and returns how many records it removed. It is an optional housekeeping
// capability, not part of [store.Storage]: expired records are never returned anyway, but
// they hold memory until removed, so a long-running server should call it periodically.
// Removing an expired refresh token does not remove the access tokens paired with it; they
// go when they expire in turn.
func (s *Store) DeleteExpired(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for h, c := range s.codes {
		if !now.Before(c.ExpiresAt) {
			delete(s.codes, h)
			n++
		}
	}
	for id, t := range s.tokens.byID {
		if !now.Before(t.ExpiresAt) {
			s.tokens.remove(id)
			n++
		}
	}
	s.tokens.takeRemoved() // expired tokens are not revocations: subscribers need not hear of them
	for h, ss := range s.sessions {
		if !now.Before(ss.ExpiresAt) {
			delete(s.sessions, h)
			n++
		}
	}
	return n, nil
}
