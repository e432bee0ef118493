// Package sqlstore is a [store.Storage] on SQL databases: SQLite, embedded and the default
// of the example server, and PostgreSQL, for production and for several server instances
// behind a load balancer. It implements the whole contract of package store, including the
// optional [store.ExpiredDeleter] and [store.RevocationPublisher] and the directories of a
// developer console ([store.ClientDirectory] and the others), and passes the conformance
// kit (store/storetest) on both. A program may use it for some parts only
// (tokens, codes and grants, say), composed with its own through [store.Parts].
//
// # Opening a store
//
// Package sqlstore holds the code both databases share and links no driver. Each database
// has a package that opens its pools with its driver, migrates the schema and returns a
// [*Store], so that a program links the driver of the database it uses and no other:
//
//	st, err := sqlite.Open(ctx, "oauthkit.db") // package sqlstore/sqlite: modernc.org/sqlite, no cgo
//	// or st, err := postgres.Open(ctx, dsn)   // package sqlstore/postgres: github.com/jackc/pgx/v5
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//
// sqlite.Open takes a path, and creates the file on first use:
//
//	oauthkit.db                a file, relative to the working directory
//	file:oauthkit.db?mode=rwc  a SQLite URI
//	:memory:                   a private in-memory database (sqlite.Memory), gone on Close
//	/var/lib/oauthkit/auth.db?_pragma=synchronous(NORMAL)
//	                           a file with modernc.org/sqlite DSN parameters: here faster
//	                           commits, at the risk of losing the last ones on power loss
//
// postgres.Open takes a postgres:// or postgresql:// URL, or a keyword/value string, with
// any pgx parameter (sslmode, search_path, statement_timeout, application_name, …):
//
//	postgres://oauthkit@db.internal:5432/oauthkit?sslmode=verify-full
//	host=db.internal user=oauthkit dbname=oauthkit sslmode=verify-full
//
// Without connect_timeout in the DSN, connecting gives up after 5 s; the pool holds at most
// 20 connections, and errors never contain the password.
//
// [New] wraps a *sql.DB the application already has (driver "sqlite" from
// modernc.org/sqlite, or "pgx" from github.com/jackc/pgx/v5/stdlib), so the server can share
// the application's pool; call [Store.Migrate] once before use. Every table is named
// oauthkit_…, so it can live beside the application's tables (or, on PostgreSQL, in a
// schema of its own: search_path in the DSN).
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
// a Go mutex, so they hold across processes sharing one PostgreSQL database: two server
// instances racing on one database behave like one.
//
//   - IssueTokens is one transaction; on PostgreSQL, one statement in autocommit, so one
//     round trip to the database. Redeeming a code (Issue.ConsumeCode) is one
//     conditional UPDATE in it, so exactly one of any number of racing issuances redeems a
//     code; rotating a refresh token is another. Limits and caps are enforced under a
//     PostgreSQL advisory lock per group ((kind, client, account), (kind, client,
//     customer) for customer tokens, (kind, client) for the tokens of neither), so
//     concurrent issuances into a group take turns and a cap holds exactly; an issuance
//     that no limit or cap applies to takes no such lock; an issuance never evicts the
//     tokens it inserts; a per-family lock orders a rotation, or an issuance that requires
//     a token live, against RevokeFamily and RevokeAccountTokens.
//   - RevokeToken, RevokeFamily and RevokeAccountTokens each run in one transaction.
//
// Transactions run at READ COMMITTED on PostgreSQL. Deadlocks and serialization failures
// are retried internally, with backoff, and never reach the caller.
//
// A SQLite file (package sqlstore/sqlite) runs in WAL mode with a 5 s busy timeout and
// foreign keys on, on one writer connection whose transactions begin IMMEDIATE and a pool
// of read-only connections: concurrent writers queue for the writer inside database/sql
// instead of failing with "database is locked", and reads run beside it. Opening a file
// that cannot be written fails at once, naming the file and the cause.
//
// On SQLite, concurrent issuances share a commit: one writer takes the issuances waiting
// (at most 64), runs each in a savepoint of its own in one transaction and commits once,
// so that a commit's wait for the disk is paid once for all of them. An issuance that
// fails undoes only its own writes; each sees those of the issuances before it, so limits,
// caps and one-time codes behave as if each had committed alone; and none is answered
// before the commit that holds it has returned, so durability is that of the database's
// synchronous setting. At most 1024 issuances wait; a caller whose context ends while its
// issuance waits gets the context's error, and nothing of it is written.
//
// # Errors
//
// Missing rows are [store.ErrNotFound]; unique violations and lost races are
// [store.ErrConflict]; an issuance refused by a cap is [store.ErrLimitReached]; every other
// failure (database down, timeout) is returned wrapped, with the SQL error inside for
// logs. The server (package flows) answers those with 503 temporarily_unavailable and
// Retry-After, and logs them: no SQL text reaches a response, and since an issuance is one
// transaction, nothing half-issued is left behind.
//
// # Housekeeping and revocation events
//
// [Store.DeleteExpired] removes expired codes, tokens and sessions in batches of 500 rows,
// each a short statement, so it never holds a long lock (on PostgreSQL it skips rows that
// live transactions hold, so instances that all run it do not wait for each other). Call
// it periodically, e.g. every 10 minutes as the example server does; expired records are
// never returned as valid meanwhile. It also removes the clients that expire when unused
// (dynamically registered ones), with their grants, once their UnusedLifetime has passed
// since their last code or token expired: a client's use is read from the tokens and codes
// it still has, and from the expiry of those it removes, so issuing a token costs nothing
// more.
//
// [Store.SubscribeRevocations] tells in-process caches (middleware.Cache.SubscribeTo) which
// tokens this Store revoked or evicted, once their transaction committed. Revocations made
// through other Stores, in other instances, are not seen: caches bound those by their
// maximum age.
//
// # Times
//
// Times are stored in UTC with microsecond precision (INTEGER microseconds on SQLite,
// TIMESTAMPTZ on PostgreSQL); nanoseconds are truncated.
package sqlstore
