package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// Prepared statements. modernc.org/sqlite parses and plans a query string on every call
// and throws the plan away after it, which cost a fifth of an issuance and two fifths of a
// token lookup; a *sql.Stmt keeps one plan per connection and reuses it. So on SQLite
// every statement of the store is prepared once per connection of its pool and kept by the
// Store. pgx keeps a cache of prepared statements per connection already (the default
// statement cache of QueryExecModeCacheStatement), which a pool handed to [New] may have
// configured otherwise on purpose (the simple protocol behind a transaction-pooling
// proxy), so on PostgreSQL queries go to the driver as strings.
//
// database/sql prepares a *sql.Stmt on a connection it takes from the pool, which the
// single writer connection of a SQLite store cannot give while a transaction holds it: the
// statements that transactions run are therefore prepared, all at once, before the first
// transaction begins ([Store.warm]); inside a transaction, [sql.Tx.StmtContext] reuses
// them on the transaction's connection.

// stmtCache holds the prepared statements of one pool, by query text.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // string → *sql.Stmt
}

// get returns the statement of query, preparing it when it is new. It must not be called
// inside a transaction of c.db (see above).
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// lookup returns the statement of query if it has been prepared.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

func (c *stmtCache) close() error {
	var errs []error
	c.m.Range(func(k, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		c.m.Delete(k)
		return true
	})
	return errors.Join(errs...)
}

// txQueries are the statements that the store's write transactions run, prepared by
// warm before the first of them.
var txQueries = []string{
	consumeCode, codeLive,
	rotateToken, refreshLive, requireLive, insertToken,
	countInAccountGroup, countInCustomerGroup, countInClientGroup,
	oldestInAccountGroup, oldestInCustomerGroup, oldestInClientGroup,
	deleteByID, deletePaired, tokenPair, deleteFamily,
	accountFamilies, deleteAccountTokens,
	clientAccountFamilies, clientAccountCodes, clientAccountTokens, clientFamilies, clientCodes, clientTokens,
	savepoint, rollbackToSavepoint, releaseSavepoint,
}

// warm prepares txQueries on the writer pool, once; a failure is retried by the next
// call.
func (s *Store) warm(ctx context.Context) error {
	if s.w == nil || s.warmed.Load() {
		return nil
	}
	s.warming.Lock()
	defer s.warming.Unlock()
	if s.warmed.Load() {
		return nil
	}
	for _, q := range txQueries {
		if _, err := s.w.get(ctx, q); err != nil {
			return err
		}
	}
	s.warmed.Store(true)
	return nil
}

// unprepared counts the statements run in a transaction without a prepared statement
// on a store that prepares them: a query missing from txQueries. Tests check it stays 0.
var unprepared atomic.Int64

// txStmt returns the prepared form of query for tx, or nil when s does not prepare
// statements (PostgreSQL).
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if s.w == nil {
		return nil
	}
	st := s.w.lookup(query)
	if st == nil {
		unprepared.Add(1)
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// txExec runs a statement in tx.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQuery runs a query in tx.
func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// txQueryRow runs a single-row query in tx.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// dbExec runs one statement on the writer pool, outside any transaction.
func (s *Store) dbExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.w == nil {
		return s.db.ExecContext(ctx, query, args...)
	}
	st, err := s.w.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// rdQuery runs a query on the read pool.
func (s *Store) rdQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s.r == nil {
		return s.rd.QueryContext(ctx, query, args...)
	}
	st, err := s.r.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// rdScan runs a single-row query on the read pool and scans its row with scan.
func (s *Store) rdScan(ctx context.Context, scan func(row) error, query string, args ...any) error {
	if s.r == nil {
		return scan(s.rd.QueryRowContext(ctx, query, args...))
	}
	st, err := s.r.get(ctx, query)
	if err != nil {
		return err
	}
	return scan(st.QueryRowContext(ctx, args...))
}
