// Package postgres opens a [sqlstore.Store] on a PostgreSQL database, through the driver
// github.com/jackc/pgx/v5: the storage for production, and for several server instances
// behind a load balancer sharing one database. A program that imports this package, and not
// package sqlstore/sqlite, links no SQLite driver.
//
//	st, err := postgres.Open(ctx, "postgres://oauthkit@db.internal/oauthkit?sslmode=verify-full")
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//
// Every table is named oauthkit_…, so the schema can live beside the application's tables,
// or in a schema of its own (search_path=oauthkit in the DSN). Importing the package
// registers the driver "pgx", so [sqlstore.New] can take a pool of the application's own.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/oauthkit/oauthkit/sqlstore"
)

// Open connects to the database that dsn names, brings its schema up to date
// ([sqlstore.Store.Migrate]) and returns a store that owns its connection pool (closed by
// [sqlstore.Store.Close]). dsn is a postgres:// (or postgresql://) URL or a keyword/value
// string; any pgx parameter works, e.g. sslmode, search_path, statement_timeout. The pool
// holds at most 20 connections and, unless dsn sets connect_timeout, a connection attempt
// gives up after 5 s. Errors never contain the password.
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	cfg, err := pgx.ParseConfig(dsn) // its errors redact the password
	if err != nil {
		return nil, fmt.Errorf("postgres: the DSN: %w", err)
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
		return nil, fmt.Errorf("postgres: connecting to PostgreSQL: %w", err)
	}
	s, err := sqlstore.New(db, sqlstore.PostgreSQL, sqlstore.Options{Close: db.Close})
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
