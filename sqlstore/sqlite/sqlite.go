// Package sqlite opens a [sqlstore.Store] on a SQLite database, through the pure-Go driver
// modernc.org/sqlite (no cgo): the default storage of the example server, and a good one for
// a single server instance. A program that imports this package, and not package
// sqlstore/postgres, links no PostgreSQL driver.
//
//	st, err := sqlite.Open(ctx, "oauthkit.db") // created and migrated on first use
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//
// Open fails, naming the file and the cause, when the database cannot be opened or written
// (missing directory, read-only file or file system, mode=ro): a server using it fails at
// start rather than at its first sign-in.
//
// A SQLite file is opened in WAL mode, with a 5 s busy timeout and foreign keys on, one
// writer connection whose transactions start with BEGIN IMMEDIATE, and a pool of read-only
// connections. Writers queue for the writer connection inside database/sql, so concurrent
// requests never see "database is locked"; reads run beside the writer; concurrent token
// issuances share a transaction and its commit (see package sqlstore).
//
// Importing the package registers the driver "sqlite", so [sqlstore.New] can take a pool of
// the application's own on a SQLite database.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	driver "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/oauthkit/oauthkit/sqlstore"
)

// Memory is the path of a private in-memory database for [Open], gone on Close.
const Memory = ":memory:"

// params are the DSN parameters of every connection Open makes. The busy timeout comes
// first (modernc.org/sqlite applies it first in any case) so the others wait for a file
// another process holds.
const params = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"

// writerParams are the DSN parameters of the writer connection, beside params. Its
// transactions begin IMMEDIATE, so they never fail to upgrade a read lock; and temporary
// files are kept in memory: each issuance of a batch runs in a savepoint (see package
// sqlstore's group commit), whose journal of the pages it changes is such a file, written
// with a system call per page otherwise.
const writerParams = "&_txlock=immediate&_pragma=temp_store(2)"

// Open opens the SQLite database at path, creating the file if it is missing, brings its
// schema up to date ([sqlstore.Store.Migrate]) and returns a store that owns its
// connection pools (closed by [sqlstore.Store.Close]). The forms of path are:
//
//	oauthkit.db                      a file, created if missing
//	/var/lib/oauthkit/db.sqlite?_pragma=synchronous(NORMAL)
//	                                 the same, with extra modernc.org/sqlite DSN parameters
//	file:oauthkit.db?mode=rwc        a SQLite URI
//	:memory:                         a private in-memory database ([Memory]), gone on Close
//
// Before it returns, Open proves that it can write to the file (a write it rolls back), so
// that a server fails at start, not at its first sign-in, on a file it may only read (file
// permissions, a read-only directory or file system, mode=ro or immutable=1); its errors
// name the file and, when the operating system tells it, the cause.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	if path == Memory {
		return openMemory(ctx)
	}
	if path == "" || strings.HasPrefix(path, "?") {
		return nil, errors.New("sqlite: Open needs a file path, e.g. oauthkit.db")
	}
	path, extra, _ := strings.Cut(path, "?")
	file := sqliteFile(path)
	// journal_mode is not among the DSN parameters: see setWAL.
	p := params
	if extra != "" {
		p += "&" + extra
	}
	// One writer: write transactions queue in database/sql (honouring their contexts)
	// instead of failing with SQLITE_BUSY inside SQLite.
	w, err := sql.Open("sqlite", path+"?"+p+writerParams)
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
	if err := setWAL(ctx, w); err != nil {
		w.Close()
		return nil, openError(file, err)
	}
	// Readers: WAL lets them run beside the writer, each on its own snapshot.
	r, err := sql.Open("sqlite", path+"?"+p+"&_pragma=query_only(1)")
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
	s, err := sqlstore.New(w, sqlstore.SQLite, sqlstore.Options{
		Reader: r,
		Close:  func() error { return errors.Join(w.Close(), r.Close()) },
	})
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fileError(file, fmt.Errorf("sqlite: the SQLite database %s: %w", file, err))
	}
	if err := s.CheckWritable(ctx); err != nil {
		s.Close()
		return nil, fileError(file, fmt.Errorf("sqlite: the SQLite database %s is not writable: %w", file, err))
	}
	return s, nil
}

// openMemory opens a private in-memory database.
func openMemory(ctx context.Context) (*sqlstore.Store, error) {
	// Every connection to :memory: is a separate database: one connection, kept forever.
	db, err := sql.Open("sqlite", Memory+"?"+params+writerParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening an in-memory database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.Options{Close: db.Close})
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: an in-memory database: %w", err)
	}
	return s, nil
}

// walTimeout bounds how long setWAL retries: the busy timeout of the connections.
const walTimeout = 5 * time.Second

// setWAL puts the database of w, its writer pool, in WAL mode, a setting kept in the file.
//
// On a new file (or one in a rollback journal mode) the change is a write transaction that
// PRAGMA journal_mode=WAL starts from inside the read transaction in which it found the
// old mode. When several connections make it at once (processes starting together on a
// new file), all of them may hold that read lock; the first to take the write lock waits
// for the others to leave, and SQLite fails the others' upgrade to a writer at once with
// SQLITE_BUSY, without calling the busy handler, which could only wait for a deadlock.
// The loser has to start again: a new PRAGMA finds the file in WAL mode, or converts it.
// So the pragma is run here, once per Open, and retried on SQLITE_BUSY and SQLITE_LOCKED
// for up to walTimeout, not in the DSN, where a connection failing it would fail Open.
func setWAL(ctx context.Context, w *sql.DB) error {
	deadline := time.Now().Add(walTimeout)
	wait := time.Millisecond
	for {
		var mode string
		err := w.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		if err == nil || !busy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// busy reports SQLITE_BUSY or SQLITE_LOCKED, with any extended code.
func busy(err error) bool {
	var se *driver.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
