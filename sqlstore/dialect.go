package sqlstore

import (
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// Dialect names the SQL database a [Store] talks to. The queries are the same for both
// (numbered $n parameters, ON CONFLICT, RETURNING); a dialect differs in its schema
// migrations, how times are stored, how errors are classified and how rows are locked.
// Package sqlstore links no driver: packages sqlstore/sqlite and sqlstore/postgres open a
// store with theirs, and a program links only the driver of the dialect it uses.
type Dialect string

// The supported dialects.
const (
	// SQLite, through the pure-Go driver modernc.org/sqlite (registered as "sqlite" by
	// package sqlstore/sqlite, or by importing the driver).
	SQLite Dialect = "sqlite"
	// PostgreSQL, through github.com/jackc/pgx/v5/stdlib (registered as "pgx" by package
	// sqlstore/postgres), or any driver whose errors have pgx's SQLState method.
	PostgreSQL Dialect = "postgres"
)

// flavor holds what differs between dialects; queries themselves are shared.
type flavor struct {
	dialect Dialect
	// migrationDir is the directory of this dialect's migrations in the embedded FS.
	migrationDir string
	// timeArg converts a time into the value stored in a time column.
	timeArg func(time.Time) any
	// prepare is true when the store prepares its statements itself (see stmts.go).
	prepare bool
	// locks is true when transactions must take explicit advisory locks (PostgreSQL at
	// READ COMMITTED). SQLite runs one write transaction at a time, so it needs none.
	locks bool
	// skipLocked is appended to the row selection of a housekeeping batch, so that a
	// batch never waits for rows a live transaction holds.
	skipLocked string
	// forShare is appended to a SELECT of a row that must not be deleted before the
	// transaction ends.
	forShare string
	// isUnique reports a unique or primary-key violation.
	isUnique func(error) bool
	// isTransient reports an error after which the whole transaction may simply be run
	// again: a serialization failure, a deadlock, a busy database.
	isTransient func(error) bool
}

func (d Dialect) flavor() (*flavor, error) {
	switch d {
	case SQLite:
		return &sqliteFlavor, nil
	case PostgreSQL:
		return &postgresFlavor, nil
	default:
		return nil, fmt.Errorf("sqlstore: unknown dialect %q (want %q or %q)", string(d), SQLite, PostgreSQL)
	}
}

// SQLite keeps times as INTEGER microseconds since the Unix epoch (UTC): exact, compact,
// and compared as numbers by indexes. PostgreSQL keeps them as TIMESTAMPTZ, which has
// microsecond precision too.
var sqliteFlavor = flavor{
	dialect:      SQLite,
	migrationDir: "migrations/sqlite",
	timeArg:      func(t time.Time) any { return t.UnixMicro() },
	prepare:      true,
	isUnique:     sqliteUnique,
	isTransient:  sqliteTransient,
}

var postgresFlavor = flavor{
	dialect:      PostgreSQL,
	migrationDir: "migrations/postgres",
	timeArg:      func(t time.Time) any { return t.UTC().Truncate(time.Microsecond) },
	locks:        true,
	skipLocked:   " FOR UPDATE SKIP LOCKED",
	forShare:     " FOR SHARE",
	isUnique:     func(err error) bool { return pgCode(err) == "23505" },
	isTransient:  postgresTransient,
}

// nullTimeArg is timeArg, with the zero time stored as NULL (ConsumedAt, RotatedAt).
func (f *flavor) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return f.timeArg(t)
}

// pgCode returns the SQLSTATE of a PostgreSQL error, as pgx's *pgconn.PgError (and
// lib/pq's *pq.Error) reports it, or "".
func pgCode(err error) string {
	var pe interface{ SQLState() string }
	if errors.As(err, &pe) {
		return pe.SQLState()
	}
	return ""
}

// postgresTransient: serialization_failure, deadlock_detected.
func postgresTransient(err error) bool {
	switch pgCode(err) {
	case "40001", "40P01":
		return true
	}
	return false
}

// SQLite result codes (https://sqlite.org/rescode.html), as modernc.org/sqlite's *Error
// reports them with its Code method. They are written here, not imported from the driver,
// so that package sqlstore links no driver.
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// sqliteCode returns the extended result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var se interface {
		error
		Code() int
	}
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func sqliteUnique(err error) bool {
	switch sqliteCode(err) {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		return true
	}
	return false
}

// sqliteTransient: SQLITE_BUSY and SQLITE_LOCKED with any extended code. A store opened
// by package sqlstore/sqlite has one writer connection and a busy timeout, so these come
// only from other processes writing the same file for longer than the timeout, or from a
// pool given to [New] that lacks those settings.
func sqliteTransient(err error) bool {
	switch sqliteCode(err) & 0xff {
	case sqliteBusy, sqliteLocked:
		return true
	}
	return false
}

// lockKey maps a lock name to a PostgreSQL advisory lock key. Distinct names could share
// a key; that only makes two unrelated operations wait for each other, never breaks one.
func lockKey(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return int64(h.Sum64())
}
