package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/sqlstore/postgres"
	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
	"github.com/oauthkit/oauthkit/store"
)

// defaultDB is the -db default: a SQLite file in the working directory, created on the
// first run. It keeps clients, grants, sessions and tokens across restarts.
const defaultDB = "sqlite:oauthkit.db"

// openStorage opens the storage that the -db flag names: "memory" (memstore, lost on
// exit), sqlite:PATH or sqlite::memory: (package sqlstore/sqlite, PATH as its Open takes
// it), or a postgres:// URL (package sqlstore/postgres). The returned function closes it.
// A program that needs one database imports only its package, and links only its driver.
func openStorage(ctx context.Context, dsn string) (store.Storage, func() error, error) {
	var s *sqlstore.Store
	var err error
	switch path, isSQLite := strings.CutPrefix(dsn, "sqlite:"); {
	case dsn == "memory":
		return memstore.New(), func() error { return nil }, nil
	case isSQLite:
		s, err = sqlite.Open(ctx, path)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = postgres.Open(ctx, dsn)
	default:
		// Never echo dsn: it may hold a password.
		return nil, nil, errors.New("-db: want memory, sqlite:PATH, sqlite::memory: or a postgres:// URL")
	}
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}

// describeDB is dsn for printing: a PostgreSQL URL loses its password.
func describeDB(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}

// seedOnce loads the config's organizations, accounts and clients into st when st holds
// none of them yet, that is on the first run against a database, and reports whether it
// did. On later runs the database is left as it is: accounts, clients, grants and tokens
// created or changed since survive a restart, and the config is not reloaded over them
// (delete the database, or use a new one, to start afresh). The config is checked first,
// whatever the database holds, and all of it is checked before anything is written, so a
// mistake never leaves half the demo data behind.
func seedOnce(ctx context.Context, cfg *config, st store.Storage, cat *scopes.Catalog, now time.Time) (bool, error) {
	if err := cfg.check(cat); err != nil {
		return false, err
	}
	present, err := cfg.present(ctx, st)
	if err != nil || present {
		return false, err
	}
	return true, cfg.seed(ctx, st, cat, now)
}

// present reports whether st holds any organization, account or client of the config.
func (c *config) present(ctx context.Context, st store.Storage) (bool, error) {
	var lookups []func() error
	for _, o := range c.Organizations {
		lookups = append(lookups, func() error { _, err := st.Organization(ctx, o.ID); return err })
	}
	for _, a := range c.Accounts {
		lookups = append(lookups, func() error { _, err := st.Account(ctx, a.ID); return err })
	}
	for _, cl := range c.Clients {
		lookups = append(lookups, func() error { _, err := st.Client(ctx, cl.ID); return err })
	}
	for _, lookup := range lookups {
		switch err := lookup(); {
		case err == nil:
			return true, nil
		case !errors.Is(err, store.ErrNotFound):
			return false, fmt.Errorf("reading the storage: %w", err)
		}
	}
	return false, nil
}

// housekeepingInterval is how often expired codes, tokens and sessions are deleted.
const housekeepingInterval = 10 * time.Minute

// startHousekeeping deletes expired records now and every interval, when st can
// (store.ExpiredDeleter), until ctx is done or the returned function is called; that
// function returns once the housekeeping has stopped.
func startHousekeeping(ctx context.Context, st store.Storage, interval time.Duration) (stop func()) {
	d, ok := st.(store.ExpiredDeleter)
	if !ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, err := d.DeleteExpired(ctx, time.Now()); err != nil && ctx.Err() == nil {
				slog.WarnContext(ctx, "oauthkit: deleting expired records failed", "err", err)
			} else if n > 0 {
				slog.InfoContext(ctx, "oauthkit: deleted expired records", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
