package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/store"
)

// Retry policy for transient database failures: a deadlock or serialization failure on
// PostgreSQL, SQLITE_BUSY from another process on SQLite. The failed transaction has rolled
// back, so running it again from the start is safe. Callers never see these errors unless
// they persist for every attempt (then the database is overloaded and the error is
// reported as a backend failure).
const (
	maxAttempts  = 10
	firstBackoff = time.Millisecond
	maxBackoff   = 100 * time.Millisecond
)

// retry calls fn until it returns nil, an error that is not transient, or maxAttempts
// transient errors, waiting a little longer (with jitter) after each.
func (s *Store) retry(ctx context.Context, fn func() error) error {
	wait := firstBackoff
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt == maxAttempts || !s.f.isTransient(err) {
			return err
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}

// inTx runs fn in a write transaction and commits it, retrying the whole transaction after
// a transient failure. fn must start from scratch on every call: it may run more than once.
//
// On PostgreSQL the transaction runs at READ COMMITTED, and fn takes the locks it needs
// (row locks through UPDATE and DELETE, advisory locks through [Store.lock]). On SQLite a
// store opened by package sqlstore/sqlite begins with BEGIN IMMEDIATE on its single writer
// connection, so write transactions run one at a time and never fail with "database is
// locked".
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := s.warm(ctx); err != nil {
		return err
	}
	return s.inPlainTx(ctx, fn)
}

// inPlainTx is inTx for transactions that run none of the store's prepared statements:
// the migrations, which run before the tables those statements name exist.
func (s *Store) inPlainTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.retry(ctx, func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// lock takes PostgreSQL transaction-scoped advisory locks on keys, in ascending order so
// that two transactions locking overlapping sets cannot deadlock on them. It does nothing
// on SQLite, where write transactions are already serial.
func (s *Store) lock(ctx context.Context, tx *sql.Tx, keys []int64) error {
	if !s.f.locks {
		return nil
	}
	for _, k := range sortedUnique(keys) {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", k); err != nil {
			return err
		}
	}
	return nil
}

func sortedUnique(keys []int64) []int64 {
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}

// failure wraps a backend error with the operation that failed. Sentinel errors (possibly
// already wrapped, [store.ErrLimitReached] included) pass unchanged, unique violations become [store.ErrConflict], and a
// missing row becomes [store.ErrNotFound].
func (s *Store) failure(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrLimitReached):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return notFound(op)
	case s.f.isUnique(err):
		return conflict(op)
	default:
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
}

func notFound(what string) error { return fmt.Errorf("sqlstore: %s: %w", what, store.ErrNotFound) }
func conflict(what string) error { return fmt.Errorf("sqlstore: %s: %w", what, store.ErrConflict) }

// exec runs one write statement on the writer, retrying transient failures.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.retry(ctx, func() error {
		var err error
		res, err = s.dbExec(ctx, query, args...)
		return err
	})
	return res, s.failure(op, err)
}

// get runs one single-row read on the read pool and scans it with scan, retrying
// transient failures. No row is [store.ErrNotFound].
func (s *Store) get(ctx context.Context, op, query string, args []any, scan func(row) error) error {
	if !textArgs(args) {
		// No stored key is such a string, and PostgreSQL would refuse the query with an
		// encoding error: a lookup of bytes from a request is simply not found.
		return notFound(op)
	}
	err := s.retry(ctx, func() error {
		return s.rdScan(ctx, scan, query, args...)
	})
	return s.failure(op, err)
}

// textArgs reports whether every string argument is valid UTF-8 without NUL, which
// PostgreSQL's text type requires.
func textArgs(args []any) bool {
	for _, a := range args {
		if str, ok := a.(string); ok && (!utf8.ValidString(str) || strings.IndexByte(str, 0) >= 0) {
			return false
		}
	}
	return true
}
