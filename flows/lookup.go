package flows

import (
	"context"
	"slices"

	"github.com/oauthkit/oauthkit/store"
)

// LookupToken returns the record of the live token whose secret is token: issued by this
// server, not expired, revoked or rotated away, and of one of kinds (any kind when none is
// given). Any other token is store.ErrNotFound; another error is a storage failure.
//
// It is how a grant written outside this package checks a token it is given, such as the
// subject_token of a token exchange. The record is the token as issued: for a personal
// access token, the account's rights of today are not checked here.
func (s *Server) LookupToken(ctx context.Context, token string, kinds ...store.TokenKind) (store.Token, error) {
	now := s.now()
	t, err := s.store.Token(ctx, s.hasher.Hash(token), now)
	if err != nil {
		return store.Token{}, err
	}
	if !t.Live(now) || (len(kinds) > 0 && !slices.Contains(kinds, t.Kind)) {
		return store.Token{}, store.ErrNotFound
	}
	return t, nil
}
