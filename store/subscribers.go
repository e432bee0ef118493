package store

import "sync"

// Subscribers is a ready-made [RevocationPublisher] for backends: keep one in the backend,
// forward SubscribeRevocations to it, and call Publish with the IDs of the tokens each
// revocation removed, after the removal is done and outside the backend's locks. The zero
// value is ready to use; it is safe for concurrent use.
type Subscribers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func([]string)
}

// SubscribeRevocations registers fn and returns a function that unregisters it.
func (s *Subscribers) SubscribeRevocations(fn func(tokenIDs []string)) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]func([]string){}
	}
	id := s.next
	s.next++
	s.fns[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.fns, id)
	}
}

// Publish calls every subscriber with ids, outside the lock, so a subscriber may
// subscribe or cancel. Publishing no IDs calls nobody.
func (s *Subscribers) Publish(ids []string) {
	if len(ids) == 0 {
		return
	}
	s.mu.Lock()
	fns := make([]func([]string), 0, len(s.fns))
	for _, fn := range s.fns {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(ids)
	}
}
