package memstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// TokenByID implements [store.TokenAdmin].
func (s *Store) TokenByID(_ context.Context, id string, now time.Time) (store.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens.byID[id]
	if !ok || !now.Before(t.ExpiresAt) {
		return store.Token{}, notFound("no such token")
	}
	return cloneToken(t), nil
}

// AccountTokens implements [store.TokenAdmin].
func (s *Store) AccountTokens(_ context.Context, accountID string, kind store.TokenKind, now time.Time) ([]store.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []store.Token
	for id := range s.tokens.byAccount[accountID] {
		t := s.tokens.byID[id]
		if (kind == "" || t.Kind == kind) && t.Live(now) {
			out = append(out, cloneToken(t))
		}
	}
	sortTokens(out)
	return out, nil
}

// RevokeAccountTokens implements [store.TokenAdmin].
func (s *Store) RevokeAccountTokens(_ context.Context, accountID string) (int, error) {
	if accountID == "" {
		return 0, nil
	}
	var n int
	err := s.changeTokens(func(x *tokenIndex) error {
		victims := make(ids)
		for id := range x.byAccount[accountID] {
			victims[id] = struct{}{}
			if f := x.byID[id].FamilyID; f != "" {
				for m := range x.byFamily[f] {
					victims[m] = struct{}{}
				}
			}
		}
		n = len(victims)
		x.removeAll(victims)
		return nil
	})
	return n, err
}

func sortTokens(ts []store.Token) {
	slices.SortFunc(ts, func(a, b store.Token) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.ID, b.ID))
	})
}
