package sqlstore

import (
	"context"
	"database/sql"
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

// AccountTokens implements [store.TokenAdmin].
func (s *Store) AccountTokens(ctx context.Context, accountID string, kind store.TokenKind, now time.Time) ([]store.Token, error) {
	var out []store.Token
	err := s.retry(ctx, func() error {
		out = nil
		rows, err := s.rd.QueryContext(ctx,
			`SELECT `+tokenColumns+` FROM oauthkit_tokens
			 WHERE account_id = $1 AND ($2 = '' OR kind = $2) AND expires_at > $3 AND rotated_at IS NULL
			 ORDER BY issued_at, id`,
			accountID, string(kind), s.f.timeArg(now))
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

// RevokeAccountTokens implements [store.TokenAdmin].
func (s *Store) RevokeAccountTokens(ctx context.Context, accountID string) (int, error) {
	if accountID == "" {
		return 0, nil
	}
	var removed []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		removed, err = deleteReturning(ctx, tx, "DELETE FROM oauthkit_tokens WHERE account_id = $1 RETURNING id", accountID)
		return err
	})
	if err != nil {
		return 0, s.failure("revoking an account's tokens", err)
	}
	s.subs.Publish(removed)
	return len(removed), nil
}
