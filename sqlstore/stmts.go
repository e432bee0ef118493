package sqlstore

import (
	"context"
	"database/sql"
)

// The statements of the store, run in a transaction or on a pool.

// warm prepares what transactions need before the first begins; nothing yet.
func (s *Store) warm(context.Context) error { return nil }

// txExec runs a statement in tx.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, query, args...)
}

// txQuery runs a query in tx.
func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	return tx.QueryContext(ctx, query, args...)
}

// txQueryRow runs a single-row query in tx.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	return tx.QueryRowContext(ctx, query, args...)
}

// dbExec runs one statement on the writer pool, outside any transaction.
func (s *Store) dbExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, query, args...)
}

// rdQuery runs a query on the read pool.
func (s *Store) rdQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.rd.QueryContext(ctx, query, args...)
}

// rdScan runs a single-row query on the read pool and scans its row with scan.
func (s *Store) rdScan(ctx context.Context, scan func(row) error, query string, args ...any) error {
	return scan(s.rd.QueryRowContext(ctx, query, args...))
}
