package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// TokenByID implements [store.TokenAdmin].
func (s *Store) TokenByID(ctx context.Context, id string, now time.Time) (store.Token, error) {
	var t store.Token
	err := s.get(ctx, "reading a token by id",
		"SELECT "+tokenColumns+" FROM oauthkit_tokens WHERE id = $1 AND expires_at > $2",
		[]any{id, s.f.timeArg(now)},
		func(r row) (err error) { t, err = scanToken(r); return err })
	return t, err
}

const accountTokens = `SELECT ` + tokenColumns + ` FROM oauthkit_tokens
	WHERE account_id = $1 AND ($2 = '' OR kind = $2) AND expires_at > $3 AND rotated_at IS NULL
	ORDER BY issued_at, id`

// AccountTokens implements [store.TokenAdmin].
func (s *Store) AccountTokens(ctx context.Context, accountID string, kind store.TokenKind, now time.Time) ([]store.Token, error) {
	var out []store.Token
	err := s.retry(ctx, func() error {
		out = nil
		rows, err := s.rdQuery(ctx, accountTokens, accountID, string(kind), s.f.timeArg(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, s.failure("listing an account's tokens", err)
}

// RevokeAccountTokens implements [store.TokenAdmin]. It takes the advisory locks of the
// account's families (see [Store.IssueTokens]) before it deletes, so that a customer token
// being minted into one of them is either seen and deleted, or inserted after this
// revocation committed (and then refused if its issuance requires the minting token live).
func (s *Store) RevokeAccountTokens(ctx context.Context, accountID string) (int, error) {
	if accountID == "" {
		return 0, nil
	}
	var removed []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		removed = nil
		families, err := s.selectStrings(ctx, tx, accountFamilies, accountID)
		if err != nil {
			return err
		}
		if err := s.lockFamilies(ctx, tx, families); err != nil {
			return err
		}
		rows, err := s.txQuery(ctx, tx, deleteAccountTokens, accountID)
		if err != nil {
			return err
		}
		// The tokens of the account's families that are not the account's own: the customer
		// tokens minted with them.
		removed, err = s.deleteWithFamilies(ctx, tx, rows, families)
		return err
	})
	if err != nil {
		return 0, s.failure("revoking an account's tokens", err)
	}
	s.subs.Publish(removed)
	return len(removed), nil
}

// lockFamilies takes the advisory locks of families (see [Store.IssueTokens]) in tx.
func (s *Store) lockFamilies(ctx context.Context, tx *sql.Tx, families []string) error {
	keys := make([]int64, len(families))
	for i, f := range families {
		keys[i] = familyLock(f)
	}
	return s.lock(ctx, tx, keys)
}

// deleteWithFamilies reads the (id, family_id) rows of a DELETE … RETURNING, then deletes
// the other members of their families and of families (read before, and locked), and
// returns the IDs of every token removed. A family that appeared since families was read
// is deleted too.
func (s *Store) deleteWithFamilies(ctx context.Context, tx *sql.Tx, rows *sql.Rows, families []string) ([]string, error) {
	var removed []string
	for rows.Next() {
		var id, f string
		if err := rows.Scan(&id, &f); err != nil {
			rows.Close()
			return nil, err
		}
		removed = append(removed, id)
		if f != "" && !slices.Contains(families, f) {
			families = append(families, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, f := range families {
		ids, err := s.deleteReturning(ctx, tx, deleteFamily, f)
		if err != nil {
			return nil, err
		}
		removed = append(removed, ids...)
	}
	return removed, nil
}

const (
	accountFamilies     = "SELECT DISTINCT family_id FROM oauthkit_tokens WHERE account_id = $1 AND family_id <> ''"
	deleteAccountTokens = "DELETE FROM oauthkit_tokens WHERE account_id = $1 RETURNING id, family_id"
)
