package memstore

// SubscribeRevocations implements [store.RevocationPublisher]: fn learns the IDs of tokens
// removed by revocation or limit eviction, after the removal, outside the store's lock.
func (s *Store) SubscribeRevocations(fn func(tokenIDs []string)) (cancel func()) {
	return s.subs.SubscribeRevocations(fn)
}

// changeTokens runs f on the token index under the write lock, then tells subscribers which
// tokens f removed.
func (s *Store) changeTokens(f func(x *tokenIndex) error) error {
	s.mu.Lock()
	err := f(&s.tokens)
	removed := s.tokens.takeRemoved()
	s.mu.Unlock()
	if len(removed) > 0 {
		s.subs.Publish(removed)
	}
	return err
}
