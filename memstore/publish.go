package memstore

import "sync"

// subscribers implements [store.RevocationPublisher] for a Store.
type subscribers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func([]string)
}

// SubscribeRevocations implements [store.RevocationPublisher]: fn learns the IDs of tokens
// removed by revocation or limit eviction, after the removal, outside the store's lock.
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

// changeTokens runs f on the token index under the write lock, then tells subscribers which
// tokens f removed.
func (s *Store) changeTokens(f func(x *tokenIndex) error) error {
	s.mu.Lock()
	err := f(&s.tokens)
	removed := s.tokens.takeRemoved()
	s.mu.Unlock()
	if len(removed) > 0 {
		s.publish(removed)
	}
	return err
}

func (s *Store) publish(ids []string) {
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
