-- 0001 (PostgreSQL): the tables of the storage contract (package store).
--
-- Conventions, the same in the SQLite migration of the same number:
--   * Every table is prefixed oauthkit_, so the schema can live beside an application's own
--     tables when the application shares its database (sqlstore.New).
--   * Hashes (keyed HMAC-SHA256 of codes, tokens, secrets, session ids) are 32-byte BYTEA values.
--   * Times are TIMESTAMPTZ (microsecond precision); NULL means "not yet"
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
	password_login_disabled BOOLEAN NOT NULL,
	created_at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE oauthkit_clients (
	id              TEXT PRIMARY KEY,
	name            TEXT NOT NULL,
	public          BOOLEAN NOT NULL,
	secret_hash     BYTEA,
	redirect_uris   TEXT NOT NULL,
	scopes          TEXT NOT NULL,
	organization_id TEXT NOT NULL,
	allow_implicit  BOOLEAN NOT NULL,
	require_pkce    BOOLEAN NOT NULL,
	created_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE oauthkit_codes (
	hash                  BYTEA PRIMARY KEY,
	client_id             TEXT NOT NULL,
	account_id            TEXT NOT NULL,
	organization_id       TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	family_id             TEXT NOT NULL,
	issued_at             TIMESTAMPTZ NOT NULL,
	expires_at            TIMESTAMPTZ NOT NULL,
	consumed_at           TIMESTAMPTZ
);

CREATE TABLE oauthkit_tokens (
	id              TEXT PRIMARY KEY,
	hash            BYTEA NOT NULL UNIQUE,
	kind            TEXT NOT NULL,
	name            TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	account_id      TEXT NOT NULL,
	organization_id TEXT NOT NULL,
	customer_id     TEXT NOT NULL,
	scopes          TEXT NOT NULL,
	family_id       TEXT NOT NULL,
	refresh_id      TEXT NOT NULL,
	from_refresh    BOOLEAN NOT NULL,
	issued_at       TIMESTAMPTZ NOT NULL,
	expires_at      TIMESTAMPTZ NOT NULL,
	rotated_at      TIMESTAMPTZ
);

CREATE TABLE oauthkit_grants (
	account_id    TEXT NOT NULL,
	client_id     TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	client_scopes TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (account_id, client_id)
);

CREATE TABLE oauthkit_sessions (
	hash       BYTEA PRIMARY KEY,
	account_id TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE oauthkit_customers (
	id              TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	created_at      TIMESTAMPTZ NOT NULL
);
