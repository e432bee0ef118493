package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

const codeColumns = `hash, client_id, account_id, organization_id, redirect_uri, scopes, code_challenge,
	code_challenge_method, family_id, issued_at, expires_at, consumed_at, resources`

// CreateCode implements [store.Codes].
func (s *Store) CreateCode(ctx context.Context, c store.AuthorizationCode) error {
	_, err := s.exec(ctx, "creating a code",
		`INSERT INTO oauthkit_codes (`+codeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		hashArg(c.Hash), c.ClientID, c.AccountID, c.OrganizationID, c.RedirectURI, listArg(c.Scopes),
		c.CodeChallenge, c.CodeChallengeMethod, c.FamilyID, s.f.timeArg(c.IssuedAt), s.f.timeArg(c.ExpiresAt),
		s.f.nullTimeArg(c.ConsumedAt), listArg(c.Resources))
	return err
}

// Code implements [store.Codes].
func (s *Store) Code(ctx context.Context, hash store.Hash, now time.Time) (store.AuthorizationCode, error) {
	var c store.AuthorizationCode
	err := s.get(ctx, "reading a code",
		"SELECT "+codeColumns+" FROM oauthkit_codes WHERE hash = $1 AND expires_at > $2",
		[]any{hashArg(hash), s.f.timeArg(now)},
		func(r row) error {
			return r.Scan(hashDest{&c.Hash}, &c.ClientID, &c.AccountID, &c.OrganizationID, &c.RedirectURI,
				listDest{&c.Scopes}, &c.CodeChallenge, &c.CodeChallengeMethod, &c.FamilyID,
				timeDest{&c.IssuedAt}, timeDest{&c.ExpiresAt}, timeDest{&c.ConsumedAt}, listDest{&c.Resources})
		})
	return c, err
}

const (
	consumeCode = `UPDATE oauthkit_codes SET consumed_at = $1
		WHERE hash = $2 AND consumed_at IS NULL AND expires_at > $1`
	codeLive = "SELECT COUNT(*) FROM oauthkit_codes WHERE hash = $1 AND expires_at > $2"
)

// consume marks the code with hash consumed at now, in tx: the ConsumeCode of an issuance. One conditional UPDATE decides
// the race: the database lets exactly one statement change consumed_at from NULL (on PostgreSQL the others wait for its
// row lock, then see the row consumed and change nothing; if its transaction rolls back
// instead, one of them wins). A loser then reads the row to tell a consumed code
// (ErrConflict) from a missing or expired one (ErrNotFound); like memstore, an expired code
// is ErrNotFound even when it was consumed.
func (s *Store) consume(ctx context.Context, tx *sql.Tx, hash store.Hash, now time.Time) error {
	res, err := s.txExec(ctx, tx, consumeCode, s.f.timeArg(now), hashArg(hash))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var consumed int
	err = s.txQueryRow(ctx, tx, codeLive, hashArg(hash), s.f.timeArg(now)).Scan(&consumed)
	switch {
	case err != nil:
		return err
	case consumed == 0:
		return notFound("consuming a code")
	default:
		return conflict("consuming a code: already consumed")
	}
}
