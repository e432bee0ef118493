package memstore

import (
	"context"
	"time"
)

// DeleteExpired removes every code, token and session that has expired at now (ExpiresAt
// not after now), and every client that has gone unused for its UnusedLifetime with its
// grants, as [store.ExpiredDeleter] says, and returns how many records it removed. It is an
// optional housekeeping capability, not part of [store.Storage]: expired records are never
// returned anyway, but they hold memory until removed, so a long-running server should call
// it periodically. Removing an expired refresh token does not remove the access tokens
// paired with it; they go when they expire in turn. It locks one stripe of tokens at a time,
// so issuances go on meanwhile; calls of it run one at a time.
func (s *Store) DeleteExpired(_ context.Context, now time.Time) (int, error) {
	s.sweep.Lock()
	defer s.sweep.Unlock()
	u := s.unusedClients()
	n := s.codes.deleteExpired(now, u) + s.tokens.deleteExpired(now, u)
	s.mu.Lock()
	defer s.mu.Unlock()
	n += s.deleteUnusedClients(now, u)
	for h, ss := range s.sessions {
		if !now.Before(ss.ExpiresAt) {
			delete(s.sessions, h)
			n++
		}
	}
	return n, nil
}

// deleteExpired removes the tokens expired at now and returns how many, and tells u of
// every token it finds. Expired tokens are no revocation: subscribers do not hear of them.
func (x *tokens) deleteExpired(now time.Time, u uses) int {
	// A token's client and expiry never change, so the lookup finds the expired ones without
	// their homes' locks; each is removed under its home's, unless it is gone by then. A
	// pending token counts as a use of its client: its issuance is one.
	var byHome [nStripes][]*cell
	x.byID.each(func(m map[string]*cell) {
		for _, c := range m {
			if c.state.Load() != dead {
				u.see(c.tok.ClientID, c.tok.ExpiresAt, false)
			}
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
				u.see(c.tok.ClientID, c.tok.ExpiresAt, true)
				n++
			}
		}
		st.mu.Unlock()
	}
	return n
}
