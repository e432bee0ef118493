package sqlstore

import (
	"context"
	"time"
)

// expiring are the tables whose rows expire, with their keys.
var expiring = []struct{ table, key string }{
	{"oauthkit_codes", "hash"},
	{"oauthkit_tokens", "id"},
	{"oauthkit_sessions", "hash"},
}

// DeleteExpired implements [store.ExpiredDeleter]: it removes every code, token and session
// that has expired at now (ExpiresAt not after now), and every client unused for its
// UnusedLifetime with its grants, and returns how many rows it removed.
//
// It deletes in batches of a few hundred rows, each its own short statement picked through
// the expires_at index, so it never holds a long lock: on SQLite the single writer is free
// between batches for the server's own writes; on PostgreSQL a batch skips rows that a live
// transaction has locked (FOR UPDATE SKIP LOCKED), so instances that all run housekeeping
// do not wait for each other. It stops at the first error or when ctx is done, returning
// what it removed so far; the next call goes on. Removing an expired refresh token does
// not remove the access tokens paired with it, and expired tokens are not published to
// revocation subscribers: they are no revocation.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	total, err := s.deleteUnusedClients(ctx, now)
	if err != nil {
		return total, err
	}
	for _, e := range expiring {
		query := "DELETE FROM " + e.table + " WHERE " + e.key + " IN (SELECT " + e.key + " FROM " + e.table +
			" WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2" + s.f.skipLocked + ")"
		for {
			res, err := s.exec(ctx, "deleting expired records", query, s.f.timeArg(now), s.batch)
			if err != nil {
				return total, err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return total, s.failure("deleting expired records", err)
			}
			total += int(n)
			if n < int64(s.batch) {
				break
			}
			if err := ctx.Err(); err != nil {
				return total, err
			}
		}
	}
	return total, nil
}
