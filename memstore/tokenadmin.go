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
	return s.tokens.read(s.tokens.byIDCell(id), now)
}

// AccountTokens implements [store.TokenAdmin]. It read-locks every stripe, for a snapshot:
// an account's tokens live with each of its clients.
func (s *Store) AccountTokens(_ context.Context, accountID string, kind store.TokenKind, now time.Time) ([]store.Token, error) {
	var out []store.Token
	s.tokens.view(func() {
		for i := range s.tokens.stripes {
			for _, c := range s.tokens.stripes[i].accounts.of(accountID) {
				if (kind == "" || c.tok.Kind == kind) && c.tok.Live(now) {
					out = append(out, cloneToken(c.tok))
				}
			}
		}
	})
	slices.SortFunc(out, func(a, b store.Token) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeAccountTokens implements [store.TokenAdmin]. It locks every stripe.
func (s *Store) RevokeAccountTokens(_ context.Context, accountID string) (int, error) {
	if accountID == "" {
		return 0, nil
	}
	x := s.tokens
	var n int
	err := s.changeTokens(allStripes, func(t *tx) error {
		var victims []*cell
		families := make(map[string]bool)
		for i := range x.stripes {
			for _, c := range x.stripes[i].accounts.of(accountID) {
				victims = append(victims, c)
				if f := c.tok.FamilyID; f != "" && !families[f] {
					families[f] = true
					victims = append(victims, x.family(f)...)
				}
			}
		}
		for _, c := range victims {
			if t.remove(c) {
				n++
			}
		}
		return nil
	})
	return n, err
}
