package sqlstore

import "sync"

// subscribers implements [store.RevocationPublisher] for a Store.
type subscribers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func([]string)
}

// SubscribeRevocations implements [store.RevocationPublisher]: fn learns the IDs of the
// tokens that RevokeToken, RevokeFamily, RevokeAccountTokens and limit evictions of
// IssueTokens removed through this Store, after their transaction committed. The IDs are
// the rows the database reported deleted (DELETE … RETURNING), so a token revoked twice at
// once is published once. Revocations made through other Stores, in this process or
// another, are not seen here.
func (s *Store) SubscribeRevocations(fn func(tokenIDs []string)) (cancel func()) {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if s.subs.fns == nil {
		s.subs.fns = map[int]func([]string){}
	}
	id := s.subs.next
	s.subs.next++
	s.subs.fns[id] = fn
	return func() {
		s.subs.mu.Lock()
		defer s.subs.mu.Unlock()
		delete(s.subs.fns, id)
	}
}

// publish tells every subscriber about ids, outside any lock.
func (s *Store) publish(ids []string) {
	if len(ids) == 0 {
		return
	}
	s.subs.mu.Lock()
	fns := make([]func([]string), 0, len(s.subs.fns))
	for _, fn := range s.subs.fns {
		fns = append(fns, fn)
	}
	s.subs.mu.Unlock()
	for _, fn := range fns {
		fn(ids)
	}
}
