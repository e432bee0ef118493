package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/sqlstore/postgres"
	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
	"github.com/oauthkit/oauthkit/store"
)

// openStorage opens the backend that -store names, empty, and returns it with the function
// that closes it and deletes what it made: the SQLite file, the PostgreSQL schema.
func openStorage(ctx context.Context, kind, dsn string) (store.Storage, func() error, error) {
	switch kind {
	case "memory":
		return memstore.New(), func() error { return nil }, nil
	case "sqlite":
		dir, err := os.MkdirTemp("", "oauthkit-loadtest-")
		if err != nil {
			return nil, nil, err
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "oauthkit.db")) // WAL, as Open always does
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		return st, func() error { return errors.Join(st.Close(), os.RemoveAll(dir)) }, nil
	case "postgres":
		return openPostgres(ctx, dsn)
	}
	return nil, nil, fmt.Errorf("-store %q: want memory, sqlite or postgres", kind)
}

// openPostgres opens a new schema of the database at dsn, dropped by the returned function.
func openPostgres(ctx context.Context, dsn string) (store.Storage, func() error, error) {
	u, err := url.Parse(dsn)
	if dsn == "" || err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Never echo dsn: it may hold a password.
		return nil, nil, errors.New("-store postgres needs -dsn or OAUTHKIT_TEST_POSTGRES_DSN, a postgres:// URL, e.g. 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'")
	}
	admin, err := sql.Open("pgx", dsn) // the driver package sqlstore/postgres registers
	if err != nil {
		return nil, nil, err
	}
	schema := "oauthkit_loadtest_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("postgres: creating the schema %s: %w", schema, err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		return errors.Join(err, admin.Close())
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return st, func() error { return errors.Join(st.Close(), drop()) }, nil
}
