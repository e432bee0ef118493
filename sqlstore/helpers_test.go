package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"github.com/oauthkit/oauthkit/internal/testenv"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/sqlstore/postgres"
	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
	"github.com/oauthkit/oauthkit/store"
)

// The PostgreSQL tests run when this variable holds a DSN of a database where the tests may
// create and drop schemas; each test, and each fresh storage of the conformance kit, gets a
// schema of its own, so concurrent runs do not interfere. Without the variable they are
// skipped, except under CI=true, where they fail: CI must run them.
const postgresEnv = "OAUTHKIT_TEST_POSTGRES_DSN"

// A backend makes fresh, empty databases of one dialect.
type backend struct {
	name string
	// dsn returns the DSN of a new, empty database (a temporary SQLite file, or a new
	// PostgreSQL schema), removed when t ends. Every Open of it shares the database.
	dsn func(t testing.TB) string
}

var (
	sqliteBackend   = backend{"sqlite", sqliteDSN}
	postgresBackend = backend{"postgres", postgresDSN}
)

// openDSN opens the store that a test DSN names: sqlite:PATH, sqlite::memory: or a
// PostgreSQL URL.
func openDSN(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sqlite.Open(ctx, path)
	}
	return postgres.Open(ctx, dsn)
}

// open opens a store on dsn, closed when t ends.
func open(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := openDSN(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fresh opens a store on a new, empty database of b.
func (b backend) fresh(t testing.TB) *sqlstore.Store {
	t.Helper()
	return open(t, b.dsn(t))
}

// kitStorage returns the newStorage function of the conformance kits for b, for the test t
// that runs a kit. Each subtest gets a new, empty store. On SQLite it is a new file. On
// PostgreSQL, migrating a new schema costs most of a subtest's time, so every subtest of t
// gets the same schema, migrated once, with its tables emptied first; it is dropped when t
// ends. The kits run their subtests one after another, never in parallel.
func (b backend) kitStorage(t *testing.T) func(t *testing.T) store.Storage {
	if b.name != postgresBackend.name {
		return func(t *testing.T) store.Storage { return b.fresh(t) }
	}
	dsn := b.dsn(t)
	open(t, dsn).Close() // migrates
	db, _ := rawDB(t, dsn)
	var tables []string
	rows, err := db.Query(`SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()
		AND tablename LIKE 'oauthkit\_%' AND tablename <> 'oauthkit_schema_migrations'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil || len(tables) == 0 {
		t.Fatalf("listing the tables to empty: %v (found %d)", err, len(tables))
	}
	// DELETE, not TRUNCATE: on tables this small it is several times faster.
	empty := "DELETE FROM " + strings.Join(tables, "; DELETE FROM ")
	return func(t *testing.T) store.Storage {
		if _, err := db.Exec(empty); err != nil {
			t.Fatalf("emptying the tables: %v", err)
		}
		return open(t, dsn)
	}
}

func sqliteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "oauthkit.db")
}

// postgresBase returns the PostgreSQL DSN of the environment, or skips (fails under CI) t.
func postgresBase(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		testenv.Skip(t, "PostgreSQL", postgresHow)
	}
	return dsn
}

// postgresHow says how to run the PostgreSQL tests.
const postgresHow = "set " + postgresEnv + " to a database where tests may create schemas, e.g. " +
	postgresEnv + "='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' go test ./sqlstore/..."

// TestMain names the tests skipped for want of PostgreSQL at the end of the run.
func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// adminDB is one pool for creating and dropping test schemas.
func adminDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	admin.once.Do(func() {
		admin.db, admin.err = sql.Open("pgx", dsn)
		if admin.err == nil {
			admin.db.SetMaxOpenConns(4)
		}
	})
	if admin.err != nil {
		t.Fatal(admin.err)
	}
	return admin.db
}

// postgresDSN creates a schema with a random name, dropped when t ends, and returns the
// environment's DSN with that schema as its search_path.
func postgresDSN(t testing.TB) string { return newSchema(t) }

func newSchema(t testing.TB) string {
	t.Helper()
	base := postgresBase(t)
	db := adminDB(t, base)
	var b [8]byte
	rand.Read(b[:])
	schema := "oauthkit_test_" + hex.EncodeToString(b[:]) // a safe identifier: [a-z0-9_]
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
