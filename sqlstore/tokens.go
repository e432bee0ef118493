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
	err := s.get(ctx, "reading a token", tokenByHash, []any{hashArg(hash), s.f.timeArg(now)},
		func(r row) (err error) { t, err = scanToken(r); return err })
	return t, err
}

const tokenByHash = "SELECT " + tokenColumns + " FROM oauthkit_tokens WHERE hash = $1 AND expires_at > $2"

// IssueTokens implements [store.Tokens]: consume the code, rotate, check the required
// token and the caps, insert, evict, in one transaction. On PostgreSQL that transaction is
// one statement, a call of a function that migration 0005 creates, or a plain INSERT when
// nothing limits, caps or conditions the issuance: one round trip (see issue_postgres.go).
//
// Locking on PostgreSQL: the transaction first takes an advisory lock per group it
// inserts into that a limit or a cap applies to (see [store.Issue.Limits] and
// [store.Issue.ClientLimits]), in key order; an issuance that no limit or cap applies to
// takes none. Issuances into one limited group therefore run one after another, and each
// counts the live tokens its predecessors committed: limits and caps hold across server
// instances. An issuance that rotates a refresh token or requires a token live also takes
// the lock of each token family it inserts into, which orders it against
// [Store.RevokeFamily] and [Store.RevokeAccountTokens]: a family revoked while a rotation
// is under way loses the rotation's new tokens too. (An issuance that acts on no token of
// the family, such as a code redemption, needs no such order: if it commits after the
// revocation read the family, it simply comes after it.) Code consumption and rotation are
// each one conditional UPDATE, which only one transaction can win; its row lock is taken
// after the advisory locks, as everywhere, so the two kinds of lock cannot deadlock. A
// repeat within the grace of a rotation ([store.Issue.RotatedWithin]) is one conditional
// UPDATE too, of the rotated token's count of repeats (migration 0009), which racing
// repeats take in turn, each checking the count anew: at most MaxRepeats of them win. A
// duplicate hash or ID fails the insert on a unique index, and the whole transaction rolls
// back: nothing is consumed, rotated or evicted.
func (s *Store) IssueTokens(ctx context.Context, now time.Time, is store.Issue) error {
	var removed []string
	var err error
	if s.f.dialect == PostgreSQL {
		removed, err = s.issueCall(ctx, now, is)
	} else {
		err = s.commits.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			removed, err = s.issue(ctx, tx, now, is)
			return err
		})
	}
	if err != nil {
		return s.failure("issuing tokens", err)
	}
	s.subs.Publish(removed)
	return nil
}

// issue runs the steps of IssueTokens in tx and returns the IDs it evicted.
func (s *Store) issue(ctx context.Context, tx *sql.Tx, now time.Time, is store.Issue) ([]string, error) {
	rs := rules(is)
	if err := s.lock(ctx, tx, issueLocks(is, rs)); err != nil {
		return nil, err
	}
	if !is.ConsumeCode.IsZero() {
		if err := s.consume(ctx, tx, is.ConsumeCode, now); err != nil {
			return nil, err
		}
	}
	if is.RotateID != "" {
		if err := s.rotate(ctx, tx, is, now); err != nil {
			return nil, err
		}
	}
	if is.RequireID != "" {
		if err := s.requireLive(ctx, tx, is.RequireID, now); err != nil {
			return nil, err
		}
	}
	if err := s.checkCaps(ctx, tx, now, rs); err != nil {
		return nil, err
	}
	fresh := make(map[string]bool, len(is.Tokens))
	for _, t := range is.Tokens {
		if err := s.insertToken(ctx, tx, t); err != nil {
			return nil, err
		}
		fresh[t.ID] = true
	}
	return s.evict(ctx, tx, now, rs, fresh)
}

// issueLocks returns the advisory lock keys of an issuance (see [Store.IssueTokens]): those
// of its limited and capped groups rs, and, when it rotates or requires a token, those of
// the families it inserts into.
func issueLocks(is store.Issue, rs []rule) []int64 {
	var keys []int64
	for _, r := range rs {
		keys = append(keys, r.lockKey())
	}
	if is.RotateID != "" || is.RequireID != "" {
		for _, t := range is.Tokens {
			if t.FamilyID != "" {
				keys = append(keys, familyLock(t.FamilyID))
			}
		}
	}
	return sortedUnique(keys)
}

func familyLock(familyID string) int64 { return lockKey("oauthkit token family", familyID) }

const (
	rotateToken = `UPDATE oauthkit_tokens SET rotated_at = $1
		WHERE id = $2 AND kind = 'refresh' AND rotated_at IS NULL AND expires_at > $1`
	// repeatRotation counts a repeat of a refresh token rotated after $3 (now minus the
	// grace window) and repeated fewer than $4 times.
	repeatRotation = `UPDATE oauthkit_tokens SET repeats = repeats + 1
		WHERE id = $2 AND kind = 'refresh' AND rotated_at > $3 AND repeats < $4 AND expires_at > $1`
	refreshLive = "SELECT COUNT(*) FROM oauthkit_tokens WHERE id = $1 AND kind = 'refresh' AND expires_at > $2"
)

// graced reports whether is grants repeats of its rotation.
func graced(is store.Issue) bool { return is.RotatedWithin > 0 && is.MaxRepeats > 0 }

// rotate marks the live refresh token is.RotateID rotated at now or, within the grace of
// is, counts a repeat of its rotation, or tells why it can do neither. SQLite has one
// writer, so a repeat's check and count cannot interleave with another's.
func (s *Store) rotate(ctx context.Context, tx *sql.Tx, is store.Issue, now time.Time) error {
	id := is.RotateID
	res, err := s.txExec(ctx, tx, rotateToken, s.f.timeArg(now), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if graced(is) {
		res, err := s.txExec(ctx, tx, repeatRotation, s.f.timeArg(now), id,
			s.f.timeArg(now.Add(-is.RotatedWithin)), is.MaxRepeats)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
	}
	var live int
	err = s.txQueryRow(ctx, tx, refreshLive, id, s.f.timeArg(now)).Scan(&live)
	switch {
	case err != nil:
		return err
	case live == 0:
		return notFound("rotating a refresh token")
	default:
		return conflict("rotating a refresh token: already rotated")
	}
}

// requireLive is the query of Store.requireLive on SQLite, whose single writer keeps the
// row as it is until the transaction ends; PostgreSQL's flavor adds FOR SHARE.
const requireLive = "SELECT 1 FROM oauthkit_tokens WHERE id = $1 AND expires_at > $2 AND rotated_at IS NULL"

// requireLive checks that the token id is live at now, and keeps it so until the
// transaction ends: on PostgreSQL the row is locked FOR SHARE, so a revocation deleting it
// waits and then also deletes what this transaction pairs with it; SQLite has one writer.
func (s *Store) requireLive(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	var one int
	err := s.txQueryRow(ctx, tx, requireLive+s.f.forShare, id, s.f.timeArg(now)).Scan(&one)
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

const insertToken = `INSERT INTO oauthkit_tokens (` + tokenColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`

func (s *Store) insertToken(ctx context.Context, tx *sql.Tx, t store.Token) error {
	_, err := s.txExec(ctx, tx, insertToken,
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
		err := s.txQueryRow(ctx, tx, tokenPair, id).Scan(&kind, &refreshID)
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
		if removed, err = s.deleteReturning(ctx, tx, deleteByID, id); err != nil {
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

const (
	tokenPair  = "SELECT kind, refresh_id FROM oauthkit_tokens WHERE id = $1"
	deleteByID = "DELETE FROM oauthkit_tokens WHERE id = $1 RETURNING id"
	// The repeated condition lets both databases use the partial index on refresh_id.
	deletePaired = "DELETE FROM oauthkit_tokens WHERE refresh_id = $1 AND refresh_id <> '' RETURNING id"
	// The repeated condition lets both databases use the partial index on family_id.
	deleteFamily = "DELETE FROM oauthkit_tokens WHERE family_id = $1 AND family_id <> '' RETURNING id"
)

// deletePair deletes the refresh token refreshID and every token paired with it, and
// returns their IDs.
func (s *Store) deletePair(ctx context.Context, tx *sql.Tx, refreshID string) ([]string, error) {
	ids, err := s.deleteReturning(ctx, tx, deleteByID, refreshID)
	if err != nil {
		return nil, err
	}
	paired, err := s.deleteReturning(ctx, tx, deletePaired, refreshID)
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
		removed, err = s.deleteReturning(ctx, tx, deleteFamily, familyID)
		return err
	})
	if err != nil {
		return s.failure("revoking a token family", err)
	}
	s.subs.Publish(removed)
	return nil
}

// deleteReturning runs a DELETE … RETURNING id and collects the IDs.
func (s *Store) deleteReturning(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := s.txQuery(ctx, tx, query, args...)
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
