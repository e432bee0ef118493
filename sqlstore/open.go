package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// Store is a [store.Storage] on a SQL database. It is safe for concurrent use, and several
// Stores, in one process or many, may share one PostgreSQL database. Open one with package
// sqlstore/sqlite or sqlstore/postgres, or make one on a pool of your own with [New]; the
// zero value is not usable.
type Store struct {
	f *flavor
	// db runs every write and transaction; reads too, unless rd is another pool.
	db *sql.DB
	// rd runs single-statement reads: Options.Reader, or db.
	rd *sql.DB
	// close is Options.Close, called by Close.
	close func() error
	subs  store.Subscribers
	// batch is how many rows one DeleteExpired statement removes at most.
	batch int
	// w and r hold the prepared statements of db and rd, on dialects that prepare them
	// (see stmts.go); nil otherwise. warmed is set once the statements of transactions
	// are prepared on db (under warming).
	w, r    *stmtCache
	warmed  atomic.Bool
	warming sync.Mutex
	// commits batches the issuances on SQLite (see groupcommit.go); nil on PostgreSQL.
	commits *committer
}

var (
	_ store.Storage             = (*Store)(nil)
	_ store.ExpiredDeleter      = (*Store)(nil)
	_ store.RevocationPublisher = (*Store)(nil)
)

// defaultBatch is DeleteExpired's batch size: small enough that a batch holds its locks
// for milliseconds, large enough that a backlog clears quickly.
const defaultBatch = 500

// Options are the optional settings of [New]. The zero value means: db runs every
// statement, and [Store.Close] leaves db open, for the caller to close.
type Options struct {
	// Reader, when not nil, runs the single-statement lookups, and db every write and
	// transaction: e.g. a pool of read-only connections to a SQLite file in WAL mode,
	// beside one writer connection.
	Reader *sql.DB
	// Close, when not nil, is called by [Store.Close]: how the opener of the pools (package
	// sqlstore/sqlite or sqlstore/postgres) closes them with the store.
	Close func() error
}

// New returns a Store on db, a pool the caller opened with the driver of d: "sqlite"
// (modernc.org/sqlite) or "pgx" (github.com/jackc/pgx/v5/stdlib). New does no I/O; call
// [Store.Migrate] before using the store. Packages sqlstore/sqlite and sqlstore/postgres
// open the pools, migrate and check them in one call; New is for sharing a pool the
// application already has.
//
// For SQLite, give db the settings package sqlstore/sqlite uses: a single open connection
// (db.SetMaxOpenConns(1)) and the DSN parameters _txlock=immediate and
// _pragma=busy_timeout(5000); without them, concurrent writers may meet SQLITE_BUSY, which
// the store retries a few times before it reports a failure. _pragma=temp_store(2) keeps
// the journals of the savepoints that batched issuances run in out of temporary files.
func New(db *sql.DB, d Dialect, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: New needs a *sql.DB")
	}
	f, err := d.flavor()
	if err != nil {
		return nil, err
	}
	rd := db
	if opts.Reader != nil {
		rd = opts.Reader
	}
	s := &Store{f: f, db: db, rd: rd, close: opts.Close, batch: defaultBatch}
	if f.prepare {
		s.w, s.r = &stmtCache{db: db}, &stmtCache{db: rd}
	}
	if d == SQLite {
		s.commits = newCommitter(s, defaultQueueBound)
	}
	return s, nil
}

// Close calls the Options.Close that [New] was given, if any: a store opened by package
// sqlstore/sqlite or sqlstore/postgres closes its pools; a store on a pool of the caller's
// leaves it open. Subscribers are kept, but no revocation happens after Close.
func (s *Store) Close() error {
	var err error
	if s.w != nil {
		err = errors.Join(s.w.close(), s.r.close())
	}
	if s.close == nil {
		return err
	}
	return errors.Join(err, s.close())
}

// Dialect returns the dialect of the database s talks to.
func (s *Store) Dialect() Dialect { return s.f.dialect }

// CheckWritable proves that s can write to its database, with a write that it rolls back.
// An opener calls it once at start (package sqlstore/sqlite does), so that a database the
// store may only read (file permissions, a read-only file system, a read-only SQLite mode,
// a PostgreSQL standby) fails then, not at the first sign-in. Call it after [Store.Migrate].
func (s *Store) CheckWritable(ctx context.Context) error {
	return s.retry(ctx, func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "INSERT INTO "+schemaTable+" (version, name, applied_at) VALUES (0, 'write check', $1)",
			s.f.timeArg(time.Now()))
		return err
	})
}
