package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

const tokenColumns = `id, hash, kind, name, client_id, account_id, organization_id, customer_id, scopes,
	family_id, refresh_id, from_refresh, issued_at, expires_at, rotated_at, sealed_refresh, granted_at, audience`

func scanToken(r row) (store.Token, error) {
	var t store.Token
	err := r.Scan(&t.ID, hashDest{&t.Hash}, &t.Kind, &t.Name, &t.ClientID, &t.AccountID, &t.OrganizationID,
		&t.CustomerID, listDest{&t.Scopes}, &t.FamilyID, &t.RefreshID, &t.FromRefresh,
		timeDest{&t.IssuedAt}, timeDest{&t.ExpiresAt}, timeDest{&t.RotatedAt}, &t.SealedRefresh,
		timeDest{&t.GrantedAt}, listDest{&t.Audience})
	return t, err
}

// Token implements [store.Tokens].
func (s *Store) Token(ctx context.Context, hash store.Hash, now time.Time) (store.Token, error) {
	var t store.Token
	err := s.get(ctx, "reading a token",
		"SELECT "+tokenColumns+" FROM oauthkit_tokens WHERE hash = $1 AND expires_at > $2",
		[]any{hashArg(hash), s.f.timeArg(now)},
		func(r row) (err error) { t, err = scanToken(r); return err })
	return t, err
}

// IssueTokens implements [store.Tokens] in one transaction: lock, consume the code, rotate,
// check the required token and the caps, insert, evict.
//
// Locking on PostgreSQL: the transaction first takes an advisory lock per limited or capped
// group it inserts into (see [store.Issue.Limits]), and one per token family, in key order.
// Issuances into one group therefore run one after another, and each counts the live tokens
// its predecessors committed: limits and caps hold across server instances. The family lock
// orders an issuance against [Store.RevokeFamily] and [Store.RevokeAccountTokens], so a
// family revoked while a rotation is under way loses the rotation's new tokens too. Code
// consumption and rotation are each one conditional UPDATE, which only one transaction can
// win; its row lock is taken after the advisory locks, as everywhere, so the two kinds of
// lock cannot deadlock. A duplicate hash or ID fails the insert on a unique index, and the
// whole transaction rolls back: nothing is consumed, rotated or evicted.
func (s *Store) IssueTokens(ctx context.Context, now time.Time, is store.Issue) error {
	var removed []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		removed = nil
		if err := s.lock(ctx, tx, issueLocks(is)); err != nil {
			return err
		}
		if !is.ConsumeCode.IsZero() {
			if err := s.consume(ctx, tx, is.ConsumeCode, now); err != nil {
				return err
			}
		}
		if is.RotateID != "" {
			if err := s.rotate(ctx, tx, is.RotateID, now); err != nil {
				return err
			}
		}
		if is.RequireID != "" {
			if err := s.requireLive(ctx, tx, is.RequireID, now); err != nil {
				return err
			}
		}
		if err := s.checkCaps(ctx, tx, now, is); err != nil {
			return err
		}
		for _, t := range is.Tokens {
			if err := s.insertToken(ctx, tx, t); err != nil {
				return err
			}
		}
		var err error
		removed, err = s.evict(ctx, tx, now, is)
		return err
	})
	if err != nil {
		return s.failure("issuing tokens", err)
	}
	s.subs.Publish(removed)
	return nil
}

// issueLocks returns the advisory lock keys of an issuance: its limited and capped groups
// and its families.
func issueLocks(is store.Issue) []int64 {
	var keys []int64
	for _, t := range is.Tokens {
		if is.Limits[t.Kind] > 0 || is.Caps[t.Kind] > 0 {
			keys = append(keys, groupOf(t).lockKey())
		}
		if t.FamilyID != "" {
			keys = append(keys, familyLock(t.FamilyID))
		}
	}
	return keys
}

func familyLock(familyID string) int64 { return lockKey("oauthkit token family", familyID) }

// rotate marks the live refresh token id rotated at now, or tells why it cannot.
func (s *Store) rotate(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	res, err := tx.ExecContext(ctx,
		`UPDATE oauthkit_tokens SET rotated_at = $1
		 WHERE id = $2 AND kind = 'refresh' AND rotated_at IS NULL AND expires_at > $1`,
		s.f.timeArg(now), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var live int
	err = tx.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM oauthkit_tokens WHERE id = $1 AND kind = 'refresh' AND expires_at > $2",
		id, s.f.timeArg(now)).Scan(&live)
	switch {
	case err != nil:
		return err
	case live == 0:
		return notFound("rotating a refresh token")
	default:
		return conflict("rotating a refresh token: already rotated")
	}
}

// requireLive checks that the token id is live at now, and keeps it so until the
// transaction ends: on PostgreSQL the row is locked FOR SHARE, so a revocation deleting it
// waits and then also deletes what this transaction pairs with it; SQLite has one writer.
func (s *Store) requireLive(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	var one int
	err := tx.QueryRowContext(ctx,
		"SELECT 1 FROM oauthkit_tokens WHERE id = $1 AND expires_at > $2 AND rotated_at IS NULL"+s.f.forShare,
		id, s.f.timeArg(now)).Scan(&one)
	if err == sql.ErrNoRows {
		return notFound("issuing tokens: the required token is not live")
	}
	return err
}

// sealedArg stores an absent sealed value as NULL.
func sealedArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (s *Store) insertToken(ctx context.Context, tx *sql.Tx, t store.Token) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO oauthkit_tokens (`+tokenColumns+`)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		t.ID, hashArg(t.Hash), string(t.Kind), t.Name, t.ClientID, t.AccountID, t.OrganizationID,
		t.CustomerID, listArg(t.Scopes), t.FamilyID, t.RefreshID, t.FromRefresh,
		s.f.timeArg(t.IssuedAt), s.f.timeArg(t.ExpiresAt), s.f.nullTimeArg(t.RotatedAt), sealedArg(t.SealedRefresh),
		s.f.nullTimeArg(t.GrantedAt), listArg(t.Audience))
	return err
}

// RevokeToken implements [store.Tokens]. The token and its pair go in one transaction.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	var removed []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		removed = nil
		var kind, refreshID string
		err := tx.QueryRowContext(ctx, "SELECT kind, refresh_id FROM oauthkit_tokens WHERE id = $1", id).
			Scan(&kind, &refreshID)
		if err != nil {
			return err // sql.ErrNoRows: ErrNotFound
		}
		pair := ""
		switch {
		case kind == string(store.KindRefresh):
			pair = id
		case kind == string(store.KindAccess) && refreshID != "":
			pair = refreshID
		}
		if removed, err = deleteReturning(ctx, tx, "DELETE FROM oauthkit_tokens WHERE id = $1 RETURNING id", id); err != nil {
			return err
		}
		if pair != "" {
			ids, err := s.deletePair(ctx, tx, pair)
			if err != nil {
				return err
			}
			removed = append(removed, ids...)
		}
		if !slices.Contains(removed, id) {
			return notFound("revoking a token: revoked meanwhile")
		}
		return nil
	})
	if err != nil {
		return s.failure("revoking a token", err)
	}
	s.subs.Publish(removed)
	return nil
}

// deletePair deletes the refresh token refreshID and every token paired with it, and
// returns their IDs.
func (s *Store) deletePair(ctx context.Context, tx *sql.Tx, refreshID string) ([]string, error) {
	ids, err := deleteReturning(ctx, tx, "DELETE FROM oauthkit_tokens WHERE id = $1 RETURNING id", refreshID)
	if err != nil {
		return nil, err
	}
	// The repeated condition lets both databases use the partial index on refresh_id.
	paired, err := deleteReturning(ctx, tx,
		"DELETE FROM oauthkit_tokens WHERE refresh_id = $1 AND refresh_id <> '' RETURNING id", refreshID)
	return append(ids, paired...), err
}

// RevokeFamily implements [store.Tokens]. It takes the family's advisory lock (see
// [Store.IssueTokens]) before deleting, so no issuance into the family is half-way.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	if familyID == "" {
		return nil
	}
	var removed []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, []int64{familyLock(familyID)}); err != nil {
			return err
		}
		var err error
		removed, err = deleteReturning(ctx, tx,
			"DELETE FROM oauthkit_tokens WHERE family_id = $1 AND family_id <> '' RETURNING id", familyID)
		return err
	})
	if err != nil {
		return s.failure("revoking a token family", err)
	}
	s.subs.Publish(removed)
	return nil
}

// deleteReturning runs a DELETE … RETURNING id and collects the IDs.
func deleteReturning(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
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
