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

// RevokeClientTokens implements [store.TokenAdmin]. It locks every stripe, and deletes the
// codes with them held: an issuance that redeems one of the codes, or rotates or requires
// one of the tokens, holds a stripe from before its checks until it commits, so it commits
// first (and its tokens are found here) or runs its checks afterwards (and fails).
func (s *Store) RevokeClientTokens(_ context.Context, clientID, accountID string) (int, error) {
	if clientID == "" {
		return 0, nil
	}
	x := s.tokens
	var n int
	err := s.changeTokens(allStripes, func(t *tx) error {
		s.codes.deleteClient(clientID, accountID)
		var victims []*cell
		families := make(map[string]bool)
		for i := range x.stripes {
			st := &x.stripes[i]
			// For one account, the account's lists are the shorter ones to look through
			// (customer tokens it minted included); for every account, the client's hold
			// every token of the client.
			cells := st.clients.of(clientID)
			if accountID != "" {
				cells = st.accounts.of(accountID)
			}
			for _, c := range cells {
				if c.tok.ClientID != clientID || (accountID != "" && c.tok.AccountID != accountID) {
					continue
				}
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
