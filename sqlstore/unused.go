package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// Housekeeping of the clients that expire when unused (store.Client.UnusedLifetime), the
// part of [Store.DeleteExpired] that runs before expired codes and tokens are removed.

// unusedClient is what housekeeping reads of a client that expires when unused.
type unusedClient struct {
	id                            string
	created, updated, usedAt      time.Time
	lifetime                      time.Duration
	storedUpdated, storedLifetime any // updated_at and unused_lifetime as stored, to update only an unchanged row
}

func (s *Store) scanUnused(r row, extra ...any) (unusedClient, error) {
	var c unusedClient
	var life int64
	err := r.Scan(append([]any{&c.id, timeDest{&c.created}, timeDest{&c.updated}, timeDest{&c.usedAt}, &life}, extra...)...)
	c.lifetime = time.Duration(life) * time.Microsecond
	c.storedUpdated, c.storedLifetime = s.f.timeArg(c.updated), life
	return c, err
}

// record is the store.Client fields that decide when c may be removed.
func (c unusedClient) record() store.Client {
	return store.Client{CreatedAt: c.created, UpdatedAt: c.updated, UsedAt: c.usedAt, UnusedLifetime: c.lifetime}
}

// deleteUnusedClients moves the UsedAt of the clients that expire when unused to the
// latest expiry of their codes and tokens that have expired at now (DeleteExpired removes
// those next), then removes, with their grants, the clients unused for their lifetime at
// now. It returns how many clients and grants it removed.
func (s *Store) deleteUnusedClients(ctx context.Context, now time.Time) (int, error) {
	if err := s.stampExpiredUse(ctx, now); err != nil {
		return 0, err
	}
	// In (unused_until, id) order, each batch after the last one read: every client is
	// looked at once per call, whatever happens to it meanwhile.
	total, after, afterID := 0, s.f.timeArg(time.Time{}), ""
	for {
		var batch []unusedClient
		var until []time.Time
		err := s.retry(ctx, func() error {
			batch, until = nil, nil
			rows, err := s.rd.QueryContext(ctx,
				`SELECT id, created_at, updated_at, used_at, unused_lifetime, unused_until FROM oauthkit_clients
				 WHERE unused_until <= $1 AND (unused_until, id) > ($2, $3) ORDER BY unused_until, id LIMIT $4`,
				s.f.timeArg(now), after, afterID, s.batch)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var u time.Time
				c, err := s.scanUnused(rows, timeDest{&u})
				if err != nil {
					return err
				}
				batch, until = append(batch, c), append(until, u)
			}
			return rows.Err()
		})
		if err != nil {
			return total, s.failure("finding unused clients", err)
		}
		for i, c := range batch {
			n, err := s.expireUnused(ctx, c, now)
			if err != nil {
				return total, err
			}
			total += n
			after, afterID = s.f.timeArg(until[i]), c.id
		}
		if len(batch) < s.batch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// stampExpiredUse moves the UsedAt of every client that expires when unused forward to
// the latest expiry of its codes and tokens that have expired at now.
func (s *Store) stampExpiredUse(ctx context.Context, now time.Time) error {
	type stamp struct {
		c    unusedClient
		last time.Time
	}
	var stamps []stamp
	err := s.retry(ctx, func() error {
		stamps = nil
		rows, err := s.rd.QueryContext(ctx,
			`SELECT c.id, c.created_at, c.updated_at, c.used_at, c.unused_lifetime, x.m
			 FROM oauthkit_clients c JOIN (
			   SELECT client_id, max(expires_at) AS m FROM (
			     SELECT client_id, expires_at FROM oauthkit_tokens WHERE expires_at <= $1
			     UNION ALL SELECT client_id, expires_at FROM oauthkit_codes WHERE expires_at <= $1
			   ) e GROUP BY client_id
			 ) x ON x.client_id = c.id
			 WHERE c.unused_lifetime > 0 AND (c.used_at IS NULL OR c.used_at < x.m)`,
			s.f.timeArg(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st stamp
			if st.c, err = s.scanUnused(rows, timeDest{&st.last}); err != nil {
				return err
			}
			stamps = append(stamps, st)
		}
		return rows.Err()
	})
	if err != nil {
		return s.failure("finding the use of unused clients", err)
	}
	for _, st := range stamps {
		if err := s.markUsed(ctx, st.c, st.last); err != nil {
			return err
		}
	}
	return nil
}

// markUsed sets the UsedAt of c to used, and its unused_until to match, unless the client
// changed since it was read (a registration update renews it anyway) or used is no later.
func (s *Store) markUsed(ctx context.Context, c unusedClient, used time.Time) error {
	rec := c.record()
	rec.UsedAt = used
	_, err := s.exec(ctx, "recording a client's use",
		`UPDATE oauthkit_clients SET used_at = $2, unused_until = $3
		 WHERE id = $1 AND updated_at = $4 AND unused_lifetime = $5 AND (used_at IS NULL OR used_at < $2)`,
		c.id, s.f.timeArg(used), s.unusedUntil(rec), c.storedUpdated, c.storedLifetime)
	return err
}

// expireUnused removes c, a client whose unused_until has come at now, with its grants,
// unless a code or token of it expires late enough to keep it; then it records that use.
// It returns how many clients and grants it removed.
func (s *Store) expireUnused(ctx context.Context, c unusedClient, now time.Time) (int, error) {
	var last time.Time
	for _, q := range []string{
		"SELECT max(expires_at) FROM oauthkit_tokens WHERE client_id || '' = $1", // the expression index of 0006
		"SELECT max(expires_at) FROM oauthkit_codes WHERE client_id = $1",
	} {
		var m time.Time
		if err := s.get(ctx, "finding the use of an unused client", q, []any{c.id},
			func(r row) error { return r.Scan(timeDest{&m}) }); err != nil {
			return 0, err
		}
		if m.After(last) {
			last = m
		}
	}
	rec := c.record()
	if end := later(rec.LastUsed(), last).Add(c.lifetime); now.Before(end) {
		if last.After(c.usedAt) {
			return 0, s.markUsed(ctx, c, last)
		}
		return 0, nil
	}
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		res, err := tx.ExecContext(ctx,
			`DELETE FROM oauthkit_clients
			 WHERE id = $1 AND updated_at = $2 AND unused_lifetime = $3 AND unused_until <= $4`,
			c.id, c.storedUpdated, c.storedLifetime, s.f.timeArg(now))
		if err != nil {
			return err
		}
		if gone, err := res.RowsAffected(); err != nil || gone == 0 {
			return err // changed since it was read: kept
		}
		res, err = tx.ExecContext(ctx, "DELETE FROM oauthkit_grants WHERE client_id = $1", c.id)
		if err != nil {
			return err
		}
		grants, err := res.RowsAffected()
		n = 1 + int(grants)
		return err
	})
	if err != nil {
		return 0, s.failure("removing an unused client", err)
	}
	return n, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
