package main

import (
	"context"
	"errors"
	"strings"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/sqlstore/postgres"
	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
)

// openDB opens the authorization server's database that -db names, as examples/server's
// -db does: sqlite:PATH (package sqlstore/sqlite) or a postgres:// URL (package
// sqlstore/postgres).
func openDB(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sqlite.Open(ctx, path)
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn)
	}
	// Never echo dsn: it may hold a password.
	return nil, errors.New("-db: want memory, sqlite:PATH or a postgres:// URL")
}
