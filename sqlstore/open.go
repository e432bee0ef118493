package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/oauthkit/oauthkit/store"
)

// Store is a [store.Storage] on a SQL database. It is safe for concurrent use, and several
// Stores, in one process or many, may share one PostgreSQL database. Create one with [Open]
// or [New]; the zero value is not usable.
type Store struct {
	f *flavor
	// db runs every write and transaction; on PostgreSQL, reads too.
	db *sql.DB
	// rd runs single-statement reads: on a SQLite file opened by Open, a pool of read-only
	// connections beside the one writer; otherwise db.
	rd *sql.DB
	// owned are the pools Open created, closed by Close.
	owned []*sql.DB
	// file is the path of the SQLite file Open opened, named in its errors; empty otherwise.
	file string
	subs store.Subscribers
	// batch is how many rows one DeleteExpired statement removes at most.
	batch int
}

var (
	_ store.Storage             = (*Store)(nil)
	_ store.ExpiredDeleter      = (*Store)(nil)
	_ store.RevocationPublisher = (*Store)(nil)
)

// defaultBatch is DeleteExpired's batch size: small enough that a batch holds its locks
// for milliseconds, large enough that a backlog clears quickly.
const defaultBatch = 500

// New returns a Store on db, a pool the caller opened (and closes) with the driver of d:
// "sqlite" (modernc.org/sqlite) or "pgx" (github.com/jackc/pgx/v5/stdlib). New does no I/O;
// call [Store.Migrate] before using the store.
//
// For SQLite, give db the settings [Open] uses: a single open connection
// (db.SetMaxOpenConns(1)) and the DSN parameters _txlock=immediate and
// _pragma=busy_timeout(5000); without them, concurrent writers may meet SQLITE_BUSY, which
// the store retries a few times before it reports a failure.
func New(db *sql.DB, d Dialect) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: New needs a *sql.DB")
	}
	f, err := d.flavor()
	if err != nil {
		return nil, err
	}
	return &Store{f: f, db: db, rd: db, batch: defaultBatch}, nil
}

// Open connects to the database that dsn names, brings its schema up to date
// ([Store.Migrate]) and returns a Store that owns its connection pools (see [Store.Close]).
// The forms of dsn are:
//
//	sqlite:PATH                  a SQLite file, created if missing, e.g. sqlite:oauthkit.db
//	sqlite:PATH?PARAMS           the same, with extra modernc.org/sqlite DSN parameters
//	sqlite::memory:              a private in-memory SQLite database, gone on Close
//	postgres://USER@HOST/DB?...  PostgreSQL (also postgresql://); any pgx parameter works,
//	                             e.g. sslmode, search_path, statement_timeout
//
// A SQLite file is opened in WAL mode with a busy timeout of 5 s, foreign keys on, one
// writer connection whose transactions begin IMMEDIATE, and a pool of read-only connections
// for lookups. PATH may also be a SQLite URI (sqlite:file:PATH?mode=rwc). Before it returns,
// Open proves that it can write to the file (a write it rolls back), so that a server fails
// at start, not at its first sign-in, on a file it may only read (file permissions, a
// read-only directory or file system, mode=ro or immutable=1); its errors name the file and,
// when the operating system tells it, the cause. PostgreSQL gets a pool of at most 20
// connections and, unless dsn sets connect_timeout, a 5 s connection timeout.
func Open(ctx context.Context, dsn string) (*Store, error) {
	var s *Store
	var err error
	switch {
	case dsn == "sqlite::memory:":
		s, err = openSQLiteMemory()
	case strings.HasPrefix(dsn, "sqlite:"):
		s, err = openSQLiteFile(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = openPostgres(ctx, dsn)
	default:
		// Never echo dsn: it may hold a password.
		return nil, errors.New("sqlstore: the DSN must be sqlite:PATH, sqlite::memory: or a postgres:// URL")
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, s.fileError(err)
	}
	if s.file != "" {
		if err := s.checkWritable(ctx); err != nil {
			s.Close()
			return nil, s.fileError(fmt.Errorf("sqlstore: the SQLite database %s is not writable: %w", s.file, err))
		}
	}
	return s, nil
}

// sqliteParams are the DSN parameters of every SQLite connection Open makes. The busy
// timeout comes first (modernc.org/sqlite applies it first in any case) so the others wait
// for a file another process holds.
const sqliteParams = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"

func openSQLiteMemory() (*Store, error) {
	// Every connection to :memory: is a separate database: one connection, kept forever.
	db, err := sql.Open("sqlite", ":memory:?"+sqliteParams+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: opening SQLite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s, _ := New(db, SQLite)
	s.owned = []*sql.DB{db}
	return s, nil
}

func openSQLiteFile(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.HasPrefix(path, "?") {
		return nil, errors.New("sqlstore: sqlite: needs a file path, e.g. sqlite:oauthkit.db")
	}
	path, extra, _ := strings.Cut(path, "?")
	file := sqliteFile(path)
	params := sqliteParams + "&_pragma=journal_mode(WAL)"
	if extra != "" {
		params += "&" + extra
	}
	// One writer: write transactions queue in database/sql (honouring their contexts)
	// instead of failing with SQLITE_BUSY inside SQLite.
	w, err := sql.Open("sqlite", path+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, openError(file, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, openError(file, err)
	}
	// Readers: WAL lets them run beside the writer, each on its own snapshot.
	r, err := sql.Open("sqlite", path+"?"+params+"&_pragma=query_only(1)")
	if err == nil {
		err = r.PingContext(ctx)
	}
	if err != nil {
		w.Close()
		if r != nil {
			r.Close()
		}
		return nil, openError(file, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s, _ := New(w, SQLite)
	s.rd = r
	s.owned = []*sql.DB{w, r}
	s.file = file
	return s, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn) // its errors redact the password
	if err != nil {
		return nil, fmt.Errorf("sqlstore: PostgreSQL DSN: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: connecting to PostgreSQL: %w", err)
	}
	s, _ := New(db, PostgreSQL)
	s.owned = []*sql.DB{db}
	return s, nil
}

// Close closes the connection pools that [Open] created. A store made by [New] leaves the
// caller's pool open. Subscribers are kept, but no revocation happens after Close.
func (s *Store) Close() error {
	var errs []error
	for _, db := range s.owned {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

// Dialect returns the dialect of the database s talks to.
func (s *Store) Dialect() Dialect { return s.f.dialect }
