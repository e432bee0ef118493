package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// group is what a limit counts: the tokens of one kind for one (client, account).
type group struct {
	kind      store.TokenKind
	clientID  string
	accountID string
}

// evict enforces is.Limits after the insert (R-TOKEN-7), inside the issuing transaction,
// and returns the IDs it removed. In each limited group that an inserted token belongs to,
// the live tokens (not expired at now, not rotated) beyond the limit are removed, oldest
// IssuedAt first; at the same instant, tokens already stored go before the ones just
// inserted, then the lower ID. Refresh groups go first, because evicting a refresh token
// also removes the access tokens paired with it. On PostgreSQL the caller holds the
// groups' advisory locks, so the count includes every committed issuance into the group
// and no other issuance into it can commit meanwhile.
func (s *Store) evict(ctx context.Context, tx *sql.Tx, now time.Time, is store.Issue) ([]string, error) {
	var groups []group
	fresh := make(map[string]bool, len(is.Tokens))
	for _, t := range is.Tokens {
		fresh[t.ID] = true
		g := group{t.Kind, t.ClientID, t.AccountID}
		if is.Limits[t.Kind] > 0 && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	slices.SortStableFunc(groups, func(a, b group) int {
		return store.CompareEvictionKind(a.kind, b.kind)
	})
	var removed []string
	for _, g := range groups {
		live, err := s.liveInGroup(ctx, tx, g, now)
		if err != nil {
			return nil, err
		}
		excess := len(live) - is.Limits[g.kind]
		if excess <= 0 {
			continue
		}
		slices.SortFunc(live, func(a, b liveToken) int {
			return store.CompareEviction(store.EvictionCandidate{ID: a.id, IssuedAt: a.issuedAt, New: fresh[a.id]},
				store.EvictionCandidate{ID: b.id, IssuedAt: b.issuedAt, New: fresh[b.id]})
		})
		for _, victim := range live[:excess] {
			var ids []string
			if g.kind == store.KindRefresh {
				ids, err = s.deletePair(ctx, tx, victim.id)
			} else {
				ids, err = deleteReturning(ctx, tx, "DELETE FROM oauthkit_tokens WHERE id = $1 RETURNING id", victim.id)
			}
			if err != nil {
				return nil, err
			}
			removed = append(removed, ids...)
		}
	}
	return removed, nil
}

type liveToken struct {
	id       string
	issuedAt time.Time
}

// liveInGroup returns the live tokens of g at now.
func (s *Store) liveInGroup(ctx context.Context, tx *sql.Tx, g group, now time.Time) ([]liveToken, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT id, issued_at FROM oauthkit_tokens
		 WHERE account_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL`,
		g.accountID, g.clientID, string(g.kind), s.f.timeArg(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var live []liveToken
	for rows.Next() {
		var t liveToken
		if err := rows.Scan(&t.id, timeDest{&t.issuedAt}); err != nil {
			return nil, err
		}
		live = append(live, t)
	}
	return live, rows.Err()
}
