// Package sqlstore is a [store.Storage] on SQL databases: SQLite, embedded and the default
// of the example server, and PostgreSQL, for production and for several server instances
// behind a load balancer. It implements the whole contract of package store, including the
// optional [store.ExpiredDeleter] and [store.RevocationPublisher], and passes the
// conformance kit (store/storetest) on both. A program may use it for some parts only
// (tokens, codes and grants, say), composed with its own through [store.Parts].
//
// # Opening a store
//
// Package sqlstore holds the code both databases share and links no driver. Each database
// has a package that opens its pools with its driver, migrates the schema and returns a
// [*Store], so that a program links the driver of the database it uses and no other:
//
//	sqlite.Open(ctx, "oauthkit.db")           // package sqlstore/sqlite: modernc.org/sqlite
//	sqlite.Open(ctx, sqlite.Memory)           // an in-memory SQLite database, for tests
//	postgres.Open(ctx, "postgres://oauthkit@db.internal/oauthkit?sslmode=verify-full")
//	                                          // package sqlstore/postgres: github.com/jackc/pgx/v5
//
// [New] wraps a *sql.DB the application already has (driver "sqlite" from
// modernc.org/sqlite, or "pgx" from github.com/jackc/pgx/v5/stdlib), so the server can share
// the application's pool; call [Store.Migrate] once before use. Every table is named
// oauthkit_…, so it can live beside the application's tables.
//
// # Schema
//
// Migrations are embedded, one directory per dialect, numbered and append-only, one
// transaction each, recorded in the table oauthkit_schema_migrations; running them again is
// a no-op, and on PostgreSQL an advisory lock keeps two instances starting at once from
// migrating together.
//
// # Concurrency guarantees
//
// The operations the contract requires to be atomic are atomic in the database, not behind
// a Go mutex, so they hold across processes sharing one PostgreSQL database:
//
//   - IssueTokens is one transaction. Redeeming a code (Issue.ConsumeCode) is one
//     conditional UPDATE in it, so exactly one of any number of racing issuances redeems a
//     code; rotating a refresh token is another. Limits and caps are enforced under a
//     PostgreSQL advisory lock per group ((kind, client, account), or (kind, client,
//     customer) for customer tokens), so concurrent issuances into a group take turns and a
//     cap holds exactly; an issuance never evicts the tokens it inserts; a per-family lock
//     orders issuance against RevokeFamily and RevokeAccountTokens.
//   - RevokeToken, RevokeFamily and RevokeAccountTokens each run in one transaction.
//
// Transactions run at READ COMMITTED on PostgreSQL. Deadlocks and serialization failures
// are retried internally, with backoff, and never reach the caller. On SQLite, write
// transactions run one at a time on one writer connection (see package sqlstore/sqlite).
//
// # Errors
//
// Missing rows are [store.ErrNotFound]; unique violations and lost races are
// [store.ErrConflict]; an issuance refused by a cap is [store.ErrLimitReached]; every other
// failure (database down, timeout) is returned wrapped, with the SQL error inside for
// logs. The server (package flows) answers those with temporarily_unavailable and never
// shows their text.
//
// # Times
//
// Times are stored in UTC with microsecond precision (INTEGER microseconds on SQLite,
// TIMESTAMPTZ on PostgreSQL); nanoseconds are truncated.
package sqlstore
