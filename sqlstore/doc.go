// Package sqlstore is a [store.Storage] on SQL databases: SQLite, embedded and the default
// of the example server, and PostgreSQL, for production and for several server instances
// behind a load balancer. It implements the whole contract of package store, including the
// optional [store.ExpiredDeleter] and [store.RevocationPublisher], and passes the
// conformance kit (store/storetest) on both.
//
// # Opening a store
//
// [Open] takes a DSN, connects, and migrates the schema:
//
//	sqlite:oauthkit.db                       a SQLite file (created on first use)
//	sqlite:/var/lib/oauthkit/db.sqlite?_pragma=synchronous(NORMAL)
//	sqlite::memory:                          an in-memory SQLite database, for tests
//	postgres://oauthkit@db.internal/oauthkit?sslmode=verify-full
//
// Open fails, naming the file and the cause, when a SQLite database cannot be opened or
// written (missing directory, read-only file or file system, mode=ro): a server using it
// fails at start rather than at its first sign-in.
//
// [New] wraps a *sql.DB the application already has (driver "sqlite" from
// modernc.org/sqlite, or "pgx" from github.com/jackc/pgx/v5/stdlib), so the server can share
// the application's pool; call [Store.Migrate] once before use. Every table is named
// oauthkit_…, so it can live beside the application's tables.
//
// # Schema
//
// Migrations are embedded, numbered and append-only, one transaction each, recorded in the
// table oauthkit_schema_migrations; running them again is a no-op, and on PostgreSQL an
// advisory lock keeps two instances starting at once from migrating together.
//
// # Concurrency guarantees
//
// The operations the contract requires to be atomic are atomic in the database, not behind
// a Go mutex, so they hold across processes sharing one PostgreSQL database:
//
//   - ConsumeCode is one conditional UPDATE: exactly one caller wins.
//   - IssueTokens is one transaction. Redeeming a code (Issue.ConsumeCode) and rotating a
//     refresh token are conditional UPDATEs in it; limits and caps are enforced under a
//     PostgreSQL advisory lock per group ((kind, client, account), or (kind, client,
//     customer) for customer tokens), so concurrent issuances into a group take turns and a
//     cap holds exactly; an issuance never evicts the tokens it inserts; a per-family lock
//     orders issuance against RevokeFamily and RevokeAccountTokens.
//   - RevokeToken, RevokeFamily and RevokeAccountTokens each run in one transaction.
//
// Transactions run at READ COMMITTED on PostgreSQL. Deadlocks and serialization failures
// are retried internally, with backoff, and never reach the caller.
//
// A SQLite file is opened in WAL mode, with a 5 s busy timeout, one writer connection
// whose transactions start with BEGIN IMMEDIATE, and a pool of read-only connections.
// Writers queue for the writer connection inside database/sql, so concurrent requests
// never see "database is locked"; reads run beside the writer.
//
// # Errors
//
// Missing rows are [store.ErrNotFound]; unique violations and lost races are
// [store.ErrConflict]; an issuance refused by a cap is [store.ErrLimitReached]; every other
// failure (database down, timeout) is returned wrapped,
// with the SQL error inside for logs. The server (package flows) answers those with
// temporarily_unavailable and never shows their text.
//
// # Times
//
// Times are stored in UTC with microsecond precision (INTEGER microseconds on SQLite,
// TIMESTAMPTZ on PostgreSQL); nanoseconds are truncated.
package sqlstore
