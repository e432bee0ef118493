package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// groupBy says what the tokens of a group have in common besides their kind and client.
type groupBy string

const (
	// byAccount: the tokens of one account ([store.Issue.Limits], [store.Issue.Caps]).
	byAccount groupBy = "account"
	// byCustomer: the customer tokens of one customer (Limits, Caps).
	byCustomer groupBy = "customer"
	// byClient: the tokens that have neither an account nor a customer
	// ([store.Issue.ClientLimits]).
	byClient groupBy = "client"
)

// group is what a limit or a cap counts: the live tokens of one kind and client that
// belong to one account, or (customer tokens) to one customer, or to neither.
type group struct {
	kind     store.TokenKind
	clientID string
	by       groupBy
	// owner is the account ID (byAccount) or the customer ID (byCustomer); "" for byClient.
	owner string
}

// groupOf returns the group t is counted in, as [store.Issue] defines them, and false
// for a token in none: one whose kind groups it by an owner it lacks while it has the
// other (a customer token with an account but no customer, say).
func groupOf(t store.Token) (group, bool) {
	switch {
	case t.Kind == store.KindCustomer && t.CustomerID != "":
		return group{t.Kind, t.ClientID, byCustomer, t.CustomerID}, true
	case t.Kind != store.KindCustomer && t.AccountID != "":
		return group{t.Kind, t.ClientID, byAccount, t.AccountID}, true
	case t.AccountID == "" && t.CustomerID == "":
		return group{t.Kind, t.ClientID, byClient, ""}, true
	}
	return group{}, false
}

// lockKey returns the advisory lock key of g (see [Store.IssueTokens]). A byClient group
// has the key that releases before per-client limits gave the tokens of no account under
// Limits, so that instances of both releases exclude each other.
func (g group) lockKey() int64 {
	return lockKey("oauthkit token group", string(g.kind), g.clientID, g.owner)
}

// rule is a group that an issuance inserts into and limits or caps: its limit and cap (0:
// none), and how many tokens the issuance adds to it.
type rule struct {
	group
	limit, cap, adding int
}

// rules returns the limited or capped groups of is, each once, refresh groups first (see
// [store.CompareEvictionKind]), otherwise in the order of the tokens.
func rules(is store.Issue) []rule {
	var rs []rule
	for _, t := range is.Tokens {
		g, ok := groupOf(t)
		if !ok {
			continue
		}
		limit, capped := is.Limits[g.kind], is.Caps[g.kind]
		if g.by == byClient {
			limit, capped = is.ClientLimits[g.kind], 0
		}
		if limit <= 0 && capped <= 0 {
			continue
		}
		if i := slices.IndexFunc(rs, func(r rule) bool { return r.group == g }); i >= 0 {
			rs[i].adding++
			continue
		}
		rs = append(rs, rule{group: g, limit: max(limit, 0), cap: max(capped, 0), adding: 1})
	}
	slices.SortStableFunc(rs, func(a, b rule) int { return store.CompareEvictionKind(a.kind, b.kind) })
	return rs
}

// checkCaps enforces the caps of rs before the insert, inside the issuing transaction: in
// each capped group, the live tokens plus those inserted must not exceed the cap, or the
// issuance fails with [store.ErrLimitReached]. SQLite's single writer keeps any other
// issuance into the group from committing between the count and the commit.
func (s *Store) checkCaps(ctx context.Context, tx *sql.Tx, now time.Time, rs []rule) error {
	for _, r := range rs {
		if r.cap == 0 {
			continue
		}
		live, err := s.liveInGroup(ctx, tx, r.group, now)
		if err != nil {
			return err
		}
		if len(live)+r.adding > r.cap {
			return fmt.Errorf("sqlstore: issuing tokens: %d live %s tokens, cap %d: %w",
				len(live), r.kind, r.cap, store.ErrLimitReached)
		}
	}
	return nil
}

// evict enforces the limits of rs after the insert, inside the issuing transaction, and
// returns the IDs it removed. In each limited group, the live tokens (not expired at now,
// not rotated) beyond the limit are removed among those stored before this issuance, as
// [store.CompareEviction] orders them: the tokens just inserted (fresh) count, but are
// never removed, however old their IssuedAt. Refresh groups come first in rs, because
// evicting a refresh token also removes the access tokens paired with it.
func (s *Store) evict(ctx context.Context, tx *sql.Tx, now time.Time, rs []rule, fresh map[string]bool) ([]string, error) {
	var removed []string
	for _, r := range rs {
		if r.limit == 0 {
			continue
		}
		live, err := s.liveInGroup(ctx, tx, r.group, now)
		if err != nil {
			return nil, err
		}
		old := slices.DeleteFunc(slices.Clone(live), func(c store.EvictionCandidate) bool { return fresh[c.ID] })
		excess := min(len(live)-r.limit, len(old))
		if excess <= 0 {
			continue
		}
		slices.SortFunc(old, store.CompareEviction)
		for _, victim := range old[:excess] {
			var ids []string
			if r.kind == store.KindRefresh {
				ids, err = s.deletePair(ctx, tx, victim.ID)
			} else {
				ids, err = s.deleteReturning(ctx, tx, deleteByID, victim.ID)
			}
			if err != nil {
				return nil, err
			}
			removed = append(removed, ids...)
		}
	}
	return removed, nil
}

// Each query reads the live tokens of one group through a partial index of live tokens
// (migration 0005), whose last column, expires_at, skips the expired ones: the cost of a
// count grows with the group's live tokens only, not with its rotated or expired history.
const (
	liveInAccountGroup = `SELECT id, issued_at FROM oauthkit_tokens
		WHERE account_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL`
	liveInCustomerGroup = `SELECT id, issued_at FROM oauthkit_tokens
		WHERE customer_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL
		AND customer_id <> ''`
	liveInClientGroup = `SELECT id, issued_at FROM oauthkit_tokens
		WHERE account_id = '' AND client_id = $1 AND kind = $2 AND expires_at > $3 AND rotated_at IS NULL
		AND customer_id = ''`
)

// liveInGroup returns the live tokens of g at now.
func (s *Store) liveInGroup(ctx context.Context, tx *sql.Tx, g group, now time.Time) ([]store.EvictionCandidate, error) {
	var rows *sql.Rows
	var err error
	switch g.by {
	case byAccount:
		rows, err = s.txQuery(ctx, tx, liveInAccountGroup, g.owner, g.clientID, string(g.kind), s.f.timeArg(now))
	case byCustomer:
		rows, err = s.txQuery(ctx, tx, liveInCustomerGroup, g.owner, g.clientID, string(g.kind), s.f.timeArg(now))
	default:
		rows, err = s.txQuery(ctx, tx, liveInClientGroup, g.clientID, string(g.kind), s.f.timeArg(now))
	}
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
