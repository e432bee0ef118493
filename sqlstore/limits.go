package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// group is what a limit or a cap counts: the tokens of one kind for one (client, account),
// or, for customer tokens, for one (client, customer).
type group struct {
	kind     store.TokenKind
	clientID string
	// owner is the account ID, or for customer tokens the customer ID.
	owner string
}

// groupOf returns t's group, as [store.Issue.Limits] defines it.
func groupOf(t store.Token) group {
	if t.Kind == store.KindCustomer {
		return group{t.Kind, t.ClientID, t.CustomerID}
	}
	return group{t.Kind, t.ClientID, t.AccountID}
}

// lockKey returns the advisory lock key of g (see [Store.IssueTokens]).
func (g group) lockKey() int64 {
	return lockKey("oauthkit token group", string(g.kind), g.clientID, g.owner)
}

// checkCaps enforces is.Caps before the insert, inside the issuing transaction: in each
// capped group that an inserted token belongs to, the live tokens plus those inserted must
// not exceed the cap, or the issuance fails with [store.ErrLimitReached]. On PostgreSQL
// the caller holds the groups' advisory locks, so no other issuance into a group commits
// between the count and the commit, and the cap holds across server instances; on SQLite
// the single writer does the same.
func (s *Store) checkCaps(ctx context.Context, tx *sql.Tx, now time.Time, is store.Issue) error {
	adding := map[group]int{}
	var groups []group
	for _, t := range is.Tokens {
		g := groupOf(t)
		if is.Caps[t.Kind] <= 0 {
			continue
		}
		if adding[g] == 0 {
			groups = append(groups, g)
		}
		adding[g]++
	}
	for _, g := range groups {
		live, err := s.liveInGroup(ctx, tx, g, now)
		if err != nil {
			return err
		}
		if len(live)+adding[g] > is.Caps[g.kind] {
			return fmt.Errorf("sqlstore: issuing tokens: %d live %s tokens, cap %d: %w",
				len(live), g.kind, is.Caps[g.kind], store.ErrLimitReached)
		}
	}
	return nil
}

// evict enforces is.Limits after the insert, inside the issuing transaction,
// and returns the IDs it removed. In each limited group that an inserted token belongs to,
// the live tokens (not expired at now, not rotated) beyond the limit are removed among
// those stored before this issuance, as [store.CompareEviction] orders them: the tokens
// just inserted count, but are never removed, however old their IssuedAt (an issuance that
// waited for the group's lock may be older than tokens committed meanwhile). Refresh groups
// go first, because evicting a refresh token also removes the access tokens paired with it.
// On PostgreSQL the caller holds the groups' advisory locks, so the count includes every
// committed issuance into the group and no other issuance into it can commit meanwhile.
func (s *Store) evict(ctx context.Context, tx *sql.Tx, now time.Time, is store.Issue) ([]string, error) {
	var groups []group
	fresh := make(map[string]bool, len(is.Tokens))
	for _, t := range is.Tokens {
		fresh[t.ID] = true
		g := groupOf(t)
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
		old := slices.DeleteFunc(slices.Clone(live), func(c store.EvictionCandidate) bool { return fresh[c.ID] })
		excess := min(len(live)-is.Limits[g.kind], len(old))
		if excess <= 0 {
			continue
		}
		slices.SortFunc(old, store.CompareEviction)
		for _, victim := range old[:excess] {
			var ids []string
			if g.kind == store.KindRefresh {
				ids, err = s.deletePair(ctx, tx, victim.ID)
			} else {
				ids, err = deleteReturning(ctx, tx, "DELETE FROM oauthkit_tokens WHERE id = $1 RETURNING id", victim.ID)
			}
			if err != nil {
				return nil, err
			}
			removed = append(removed, ids...)
		}
	}
	return removed, nil
}

// Each query reads the live tokens of one group through an index: oauthkit_tokens_owner for
// (account, client, kind), the partial oauthkit_tokens_customer for customer tokens.
const (
	liveInAccountGroup = `SELECT id, issued_at FROM oauthkit_tokens
		WHERE account_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL`
	liveInCustomerGroup = `SELECT id, issued_at FROM oauthkit_tokens
		WHERE customer_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL
		AND customer_id <> ''`
)

// liveInGroup returns the live tokens of g at now.
func (s *Store) liveInGroup(ctx context.Context, tx *sql.Tx, g group, now time.Time) ([]store.EvictionCandidate, error) {
	query := liveInAccountGroup
	if g.kind == store.KindCustomer {
		query = liveInCustomerGroup
	}
	rows, err := tx.QueryContext(ctx, query, g.owner, g.clientID, string(g.kind), s.f.timeArg(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var live []store.EvictionCandidate
	for rows.Next() {
		var c store.EvictionCandidate
		if err := rows.Scan(&c.ID, timeDest{&c.IssuedAt}); err != nil {
			return nil, err
		}
		live = append(live, c)
	}
	return live, rows.Err()
}
