-- 0001 (SQLite): the tables of the storage contract (package store).
--
-- Conventions, the same in the PostgreSQL migration of the same number:
--   * Every table is prefixed oauthkit_, so the schema can live beside an application's own
--     tables when the application shares its database (sqlstore.New).
--   * Hashes (keyed HMAC-SHA256 of codes, tokens, secrets, session ids) are 32-byte BLOBs.
--   * Times are INTEGER microseconds since the Unix epoch, UTC; NULL means "not yet"
--     (consumed_at, rotated_at).
--   * Lists (roles, scopes, redirect URIs) are JSON arrays in TEXT columns: they are small,
--     always read and written whole with their record, and never searched by element, so a
--     join table would only add rows, joins and writes on the hot path.
--   * Records name each other by id without FOREIGN KEY constraints: the contract lets a
--     token outlive its client, and an account be stored before its organization.
--   * Empty strings, not NULL, stand for "none" in id columns (family_id, refresh_id,
--     organization_id, customer_id), as in the Go records.
-- Lookup indexes beyond primary keys and unique constraints are in 0002.

CREATE TABLE oauthkit_organizations (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);

CREATE TABLE oauthkit_accounts (
	id                      TEXT PRIMARY KEY,
	login                   TEXT NOT NULL UNIQUE,
	organization_id         TEXT NOT NULL,
	roles                   TEXT NOT NULL,
	password_hash           TEXT NOT NULL,
	password_login_disabled INTEGER NOT NULL,
	created_at              INTEGER NOT NULL
);

CREATE TABLE oauthkit_clients (
	id              TEXT PRIMARY KEY,
	name            TEXT NOT NULL,
	public          INTEGER NOT NULL,
	secret_hash     BLOB,
	redirect_uris   TEXT NOT NULL,
	scopes          TEXT NOT NULL,
	organization_id TEXT NOT NULL,
	allow_implicit  INTEGER NOT NULL,
	require_pkce    INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);

CREATE TABLE oauthkit_codes (
	hash                  BLOB PRIMARY KEY,
	client_id             TEXT NOT NULL,
	account_id            TEXT NOT NULL,
	organization_id       TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	family_id             TEXT NOT NULL,
	issued_at             INTEGER NOT NULL,
	expires_at            INTEGER NOT NULL,
	consumed_at           INTEGER
);

CREATE TABLE oauthkit_tokens (
	id              TEXT PRIMARY KEY,
	hash            BLOB NOT NULL UNIQUE,
	kind            TEXT NOT NULL,
	name            TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	account_id      TEXT NOT NULL,
	organization_id TEXT NOT NULL,
	customer_id     TEXT NOT NULL,
	scopes          TEXT NOT NULL,
	family_id       TEXT NOT NULL,
	refresh_id      TEXT NOT NULL,
	from_refresh    INTEGER NOT NULL,
	issued_at       INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	rotated_at      INTEGER
);

CREATE TABLE oauthkit_grants (
	account_id    TEXT NOT NULL,
	client_id     TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	client_scopes TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (account_id, client_id)
);

CREATE TABLE oauthkit_sessions (
	hash       BLOB PRIMARY KEY,
	account_id TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE TABLE oauthkit_customers (
	id              TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	created_at      INTEGER NOT NULL
);
