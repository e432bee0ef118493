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
		live, err := s.countLive(ctx, tx, r.group, now)
		if err != nil {
			return err
		}
		if live+r.adding > r.cap {
			return fmt.Errorf("sqlstore: issuing tokens: %d live %s tokens, cap %d: %w",
				live, r.kind, r.cap, store.ErrLimitReached)
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
//
// A group is counted first, and only a full one is read, and only as far as its excess:
// the oldest excess+adding tokens hold at least the excess of tokens stored before.
func (s *Store) evict(ctx context.Context, tx *sql.Tx, now time.Time, rs []rule, fresh map[string]bool) ([]string, error) {
	var removed []string
	for _, r := range rs {
		if r.limit == 0 {
			continue
		}
		live, err := s.countLive(ctx, tx, r.group, now)
		if err != nil {
			return nil, err
		}
		excess := live - r.limit
		if excess <= 0 {
			continue
		}
		oldest, err := s.oldestLive(ctx, tx, r.group, now, excess+r.adding)
		if err != nil {
			return nil, err
		}
		victims := slices.DeleteFunc(oldest, func(id string) bool { return fresh[id] })
		for _, id := range victims[:min(excess, len(victims))] {
			var ids []string
			if r.kind == store.KindRefresh {
				ids, err = s.deletePair(ctx, tx, id)
			} else {
				ids, err = s.deleteReturning(ctx, tx, deleteByID, id)
			}
			if err != nil {
				return nil, err
			}
			removed = append(removed, ids...)
		}
	}
	return removed, nil
}

// The live tokens of a group, by its kind: each query reads a partial index of live tokens
// (migration 0005), whose expires_at column skips the expired ones, so that its cost grows
// with the group's live tokens only, not with its rotated or expired history. On SQLite the
// index covers the queries, so that no table row is read.
const (
	accountGroup = ` FROM oauthkit_tokens
		WHERE account_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL`
	customerGroup = ` FROM oauthkit_tokens
		WHERE customer_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL
		AND customer_id <> ''`
	clientGroup = ` FROM oauthkit_tokens
		WHERE account_id = '' AND client_id = $1 AND kind = $2 AND expires_at > $3 AND rotated_at IS NULL
		AND customer_id = ''`
	// The oldest first, as store.CompareEviction orders them: IDs compare as bytes.
	oldestFirst       = " ORDER BY issued_at, id LIMIT $5"
	oldestFirstClient = " ORDER BY issued_at, id LIMIT $4"

	countInAccountGroup   = "SELECT COUNT(*)" + accountGroup
	countInCustomerGroup  = "SELECT COUNT(*)" + customerGroup
	countInClientGroup    = "SELECT COUNT(*)" + clientGroup
	oldestInAccountGroup  = "SELECT id" + accountGroup + oldestFirst
	oldestInCustomerGroup = "SELECT id" + customerGroup + oldestFirst
	oldestInClientGroup   = "SELECT id" + clientGroup + oldestFirstClient
)

// groupQuery returns the query of g's kind of group among the three given, and its
// arguments for g at now, followed by more.
func (s *Store) groupQuery(g group, now time.Time, account, customer, client string, more ...any) (string, []any) {
	args := []any{g.owner, g.clientID, string(g.kind), s.f.timeArg(now)}
	switch g.by {
	case byAccount:
		return account, append(args, more...)
	case byCustomer:
		return customer, append(args, more...)
	}
	return client, append(args[1:], more...)
}

// countLive returns how many tokens of g are live at now.
func (s *Store) countLive(ctx context.Context, tx *sql.Tx, g group, now time.Time) (int, error) {
	var n int
	q, args := s.groupQuery(g, now, countInAccountGroup, countInCustomerGroup, countInClientGroup)
	err := s.txQueryRow(ctx, tx, q, args...).Scan(&n)
	return n, err
}

// oldestLive returns the IDs of the n oldest live tokens of g at now.
func (s *Store) oldestLive(ctx context.Context, tx *sql.Tx, g group, now time.Time, n int) ([]string, error) {
	q, args := s.groupQuery(g, now, oldestInAccountGroup, oldestInCustomerGroup, oldestInClientGroup, n)
	rows, err := s.txQuery(ctx, tx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
