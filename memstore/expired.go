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
// go when they expire in turn. It locks one stripe of tokens at a time, so issuances go on
// meanwhile.
func (s *Store) DeleteExpired(_ context.Context, now time.Time) (int, error) {
	n := s.codes.deleteExpired(now) + s.tokens.deleteExpired(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, ss := range s.sessions {
		if !now.Before(ss.ExpiresAt) {
			delete(s.sessions, h)
			n++
		}
	}
	return n, nil
}

// deleteExpired removes the tokens expired at now and returns how many. Expired tokens are
// no revocation: subscribers do not hear of them.
func (x *tokens) deleteExpired(now time.Time) int {
	// A token's expiry never changes, so the lookup finds the expired ones without their
	// homes' locks; each is removed under its home's, unless it is gone by then.
	var byHome [nStripes][]*cell
	x.byID.each(func(m map[string]*cell) {
		for _, c := range m {
			if !now.Before(c.tok.ExpiresAt) {
				byHome[c.home] = append(byHome[c.home], c)
			}
		}
	})
	n := 0
	for i, cells := range byHome {
		st := &x.stripes[i]
		st.mu.Lock()
		for _, c := range cells {
			if c.state.Load() == live {
				x.unlink(c)
				n++
			}
		}
		st.mu.Unlock()
	}
	return n
}
