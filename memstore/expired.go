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
// paired with it; they go when they expire in turn.
func (s *Store) DeleteExpired(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.deleteUnusedClients(now)
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

// deleteUnusedClients removes the clients that expire when unused and have been unused for
// their UnusedLifetime at now, and their grants, and moves the UsedAt of those it keeps to
// the latest expiry of their codes and tokens that expired at now (which DeleteExpired
// removes next). It returns how many clients and grants it removed. The caller holds the
// write lock.
func (s *Store) deleteUnusedClients(now time.Time) int {
	type use struct{ last, expired time.Time }
	uses := make(map[string]use)
	for id, c := range s.clients {
		if c.UnusedLifetime > 0 {
			uses[id] = use{last: c.LastUsed()}
		}
	}
	if len(uses) == 0 {
		return 0
	}
	see := func(clientID string, expires time.Time) {
		u, ok := uses[clientID]
		if !ok {
			return
		}
		u.last = later(u.last, expires)
		if !now.Before(expires) {
			u.expired = later(u.expired, expires)
		}
		uses[clientID] = u
	}
	for _, c := range s.codes {
		see(c.ClientID, c.ExpiresAt)
	}
	for _, t := range s.tokens.byID {
		see(t.ClientID, t.ExpiresAt)
	}
	removed := make(map[string]bool)
	for id, u := range uses {
		c := s.clients[id]
		if !now.Before(u.last.Add(c.UnusedLifetime)) {
			delete(s.clients, id)
			removed[id] = true
			continue
		}
		if u.expired.After(c.UsedAt) {
			c.UsedAt = u.expired
			s.clients[id] = c
		}
	}
	n := len(removed)
	if n > 0 {
		for k := range s.grants {
			if removed[k.clientID] {
				delete(s.grants, k)
				n++
			}
		}
	}
	return n
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
