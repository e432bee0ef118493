package memstore

import "time"

// Clients that expire when unused ([store.ExpiredDeleter]): housekeeping notes, for each of
// them, the expiry of its codes and tokens as it goes through them, and decides under
// Store.mu, once it has removed the expired ones, which clients go and how far the UsedAt
// of the others moves.

// uses holds what housekeeping found of the codes and tokens of each client that expires
// when unused, by client ID.
type uses map[string]*use

type use struct {
	// latest is the latest ExpiresAt of the client's codes and tokens found; removed, the
	// latest of those removed as expired.
	latest, removed time.Time
}

// see notes a code or token of clientID that expires at expires, and that housekeeping
// removed if removed.
func (u uses) see(clientID string, expires time.Time, removed bool) {
	if len(u) == 0 {
		return
	}
	e := u[clientID]
	if e == nil {
		return
	}
	e.latest = later(e.latest, expires)
	if removed {
		e.removed = later(e.removed, expires)
	}
}

// unusedClients returns the uses to fill in for the clients that expire when unused, or
// nil when there are none.
func (s *Store) unusedClients() uses {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var u uses
	for id, c := range s.clients {
		if c.UnusedLifetime > 0 {
			if u == nil {
				u = make(uses)
			}
			u[id] = &use{}
		}
	}
	return u
}

// deleteUnusedClients removes the clients of u that have gone unused for their
// UnusedLifetime at now, counting the expiry of the codes and tokens found, with their
// grants, and moves the UsedAt of those it keeps to the latest expiry of their codes and
// tokens removed. It returns how many clients and grants it removed. A client put since u
// was made is looked at as it is now, one created since waits for the next call. The
// caller holds the write lock.
func (s *Store) deleteUnusedClients(now time.Time, u uses) int {
	var removed map[string]bool
	for id, e := range u {
		c, ok := s.clients[id]
		if !ok || c.UnusedLifetime <= 0 {
			continue
		}
		if !now.Before(later(c.LastUsed(), e.latest).Add(c.UnusedLifetime)) {
			delete(s.clients, id)
			if removed == nil {
				removed = make(map[string]bool)
			}
			removed[id] = true
			continue
		}
		if e.removed.After(c.UsedAt) {
			c.UsedAt = e.removed
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
