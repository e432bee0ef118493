package memstore

// SubscribeRevocations implements [store.RevocationPublisher]: fn learns the IDs of tokens
// removed by revocation or limit eviction, after the removal, outside the store's locks.
func (s *Store) SubscribeRevocations(fn func(tokenIDs []string)) (cancel func()) {
	return s.subs.SubscribeRevocations(fn)
}

// changeTokens runs f with the stripes of want locked (see [tokens.update]), then tells
// subscribers which tokens f revoked.
func (s *Store) changeTokens(want stripeSet, f func(t *tx) error) error {
	revoked, err := s.tokens.update(want, f)
	s.subs.Publish(revoked)
	return err
}
