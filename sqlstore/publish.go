package sqlstore

// SubscribeRevocations implements [store.RevocationPublisher]: fn learns the IDs of the
// tokens that RevokeToken, RevokeFamily, RevokeAccountTokens and limit evictions of
// IssueTokens removed through this Store, after their transaction committed. The IDs are
// the rows the database reported deleted (DELETE … RETURNING), so a token revoked twice at
// once is published once. Revocations made through other Stores, in this process or
// another, are not seen here.
func (s *Store) SubscribeRevocations(fn func(tokenIDs []string)) (cancel func()) {
	return s.subs.SubscribeRevocations(fn)
}
