package sqlstore

import (
	"context"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// CreateSession implements [store.Sessions].
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	_, err := s.exec(ctx, "creating a session",
		`INSERT INTO oauthkit_sessions (hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hashArg(ss.Hash), ss.AccountID, s.f.timeArg(ss.CreatedAt), s.f.timeArg(ss.ExpiresAt))
	return err
}

// Session implements [store.Sessions].
func (s *Store) Session(ctx context.Context, hash store.Hash, now time.Time) (store.Session, error) {
	var ss store.Session
	err := s.get(ctx, "reading a session",
		`SELECT hash, account_id, created_at, expires_at FROM oauthkit_sessions
		 WHERE hash = $1 AND expires_at > $2`, []any{hashArg(hash), s.f.timeArg(now)},
		func(r row) error {
			return r.Scan(hashDest{&ss.Hash}, &ss.AccountID, timeDest{&ss.CreatedAt}, timeDest{&ss.ExpiresAt})
		})
	return ss, err
}

// DeleteSession implements [store.Sessions].
func (s *Store) DeleteSession(ctx context.Context, hash store.Hash) error {
	_, err := s.exec(ctx, "deleting a session", "DELETE FROM oauthkit_sessions WHERE hash = $1", hashArg(hash))
	return err
}

// DeleteAccountSessions implements [store.Sessions].
func (s *Store) DeleteAccountSessions(ctx context.Context, accountID string) error {
	_, err := s.exec(ctx, "deleting an account's sessions",
		"DELETE FROM oauthkit_sessions WHERE account_id = $1", accountID)
	return err
}
