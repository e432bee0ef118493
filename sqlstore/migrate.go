package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The schema migrations, one directory per dialect. The list is append-only: a released
// migration is never edited, reordered or removed; a schema change is a new file with the
// next number, in both directories. A migration must also leave the previous release's
// queries working, so that instances of two releases can share a database during a rolling
// upgrade (an older instance does not migrate, and ignores versions it does not know).
//
//go:embed migrations
var migrationFS embed.FS

// A migration is one numbered schema change, applied in one transaction.
type migration struct {
	version int
	name    string // the file name, e.g. "0001_init.sql"
	sql     string
}

// migrations returns f's migrations in order. Their numbers run from 1 without gaps.
func (f *flavor) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, f.migrationDir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqlstore: migration file %s is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(f.migrationDir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlstore: migration %s: want number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// schemaTable records the applied migrations: one row per version.
const schemaTable = "oauthkit_schema_migrations"

// createSchemaTable returns the DDL of the schema table in f's types.
func (f *flavor) createSchemaTable() string {
	at := "INTEGER"
	if f.dialect == PostgreSQL {
		at = "TIMESTAMPTZ"
	}
	return "CREATE TABLE IF NOT EXISTS " + schemaTable +
		" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at " + at + " NOT NULL)"
}

// migrateLock serializes migrations on PostgreSQL: a transaction-scoped advisory lock
// keyed by the schema the tables live in, so two instances starting at once against one
// database never migrate together, while test runs in separate schemas do not wait for
// each other. The two-integer key space of advisory locks is separate from the one-integer
// space of the token locks. On SQLite, BEGIN IMMEDIATE (or the first write of a deferred
// transaction) already excludes every other writer of the file.
const migrateLock = "SELECT pg_advisory_xact_lock(1869312875, hashtext(current_schema()))"

// Migrate brings the database schema up to date by applying, in order, every embedded
// migration not yet recorded in the schema table. Each migration runs in its own
// transaction together with its record, so a failure leaves the schema at the last version
// that succeeded. Running it again, or from several processes at once, is safe: a migration
// is applied once. The openers of packages sqlstore/sqlite and sqlstore/postgres call
// Migrate; a store made by [New] must call it before use.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := s.f.migrations()
	if err != nil {
		return err
	}
	return s.migrateTo(ctx, ms, len(ms))
}

// migrateTo applies the migrations up to version target.
func (s *Store) migrateTo(ctx context.Context, ms []migration, target int) error {
	for {
		var done bool
		err := s.inPlainTx(ctx, func(tx *sql.Tx) error {
			var err error
			done, err = s.migrateStep(ctx, tx, ms, target)
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlstore: migrating the schema: %w", err)
		}
		if done {
			return nil
		}
	}
}

// migrateStep applies the next pending migration up to target, if any, in tx. It reports
// done when nothing is left to apply after it.
func (s *Store) migrateStep(ctx context.Context, tx *sql.Tx, ms []migration, target int) (done bool, err error) {
	if s.f.locks {
		if _, err := tx.ExecContext(ctx, migrateLock); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, s.f.createSchemaTable()); err != nil {
		return false, err
	}
	var v int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+schemaTable).Scan(&v); err != nil {
		return false, err
	}
	if p, err := s.placeholder(ctx, tx, ms, min(v, target)); err != nil || p != nil {
		if err == nil {
			err = s.replacePlaceholder(ctx, tx, *p)
		}
		return false, err
	}
	if v >= target {
		return true, nil // up to date, or migrated by a newer release
	}
	m := ms[v]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("%s: %w", m.name, err)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO "+schemaTable+" (version, name, applied_at) VALUES ($1, $2, $3)",
		m.version, m.name, s.f.timeArg(time.Now()))
	if err != nil {
		return false, fmt.Errorf("%s: recording it: %w", m.name, err)
	}
	return m.version >= target, nil
}

// Between releases, a branch may hold a placeholder for a migration number that another
// branch's migration takes once merged: a no-op file NNNN_reserved.sql, which keeps the
// numbers without gaps. A database migrated with the placeholder records its number as
// applied, and would never run the real migration of that number. So a version recorded
// under a placeholder's name, whose embedded migration is no longer the placeholder, is
// applied again with the real migration (out of order: such a migration must not depend
// on the ones after it) and recorded under its name.
const placeholderSuffix = "_reserved.sql"

// placeholder returns the first migration up to version upTo whose version the database
// recorded under a placeholder's name while its embedded file is another, or nil.
func (s *Store) placeholder(ctx context.Context, tx *sql.Tx, ms []migration, upTo int) (*migration, error) {
	rows, err := tx.QueryContext(ctx, "SELECT version, name FROM "+schemaTable+" WHERE version <= $1 ORDER BY version", upTo)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, err
		}
		if v >= 1 && v <= len(ms) && strings.HasSuffix(name, placeholderSuffix) && ms[v-1].name != name {
			return &ms[v-1], rows.Close()
		}
	}
	return nil, rows.Err()
}

// replacePlaceholder applies m, whose version is recorded under a placeholder's name, and
// records it under its own.
func (s *Store) replacePlaceholder(ctx context.Context, tx *sql.Tx, m migration) error {
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("%s, in place of a placeholder: %w", m.name, err)
	}
	_, err := tx.ExecContext(ctx, "UPDATE "+schemaTable+" SET name = $1, applied_at = $2 WHERE version = $3",
		m.name, s.f.timeArg(time.Now()), m.version)
	if err != nil {
		return fmt.Errorf("%s: recording it: %w", m.name, err)
	}
	return nil
}

// SchemaVersion returns the number of the last migration applied to the database, or 0
// for a database that has never been migrated.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	exists := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
	if s.f.dialect == PostgreSQL {
		exists = "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1"
	}
	var n, v int
	if err := s.db.QueryRowContext(ctx, exists, schemaTable).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: reading the schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+schemaTable).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlstore: reading the schema version: %w", err)
	}
	return v, nil
}
