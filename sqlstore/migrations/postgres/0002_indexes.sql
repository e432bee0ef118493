-- 0002: indexes for every lookup path that is not a primary key or a unique constraint of
-- 0001. Identical for SQLite and PostgreSQL. Each index names the queries it serves; a query
-- not listed here uses a primary key (codes, sessions and tokens by hash or id, clients,
-- organizations, customers and grants by id) or the unique login of accounts.
--
-- Tokens are the hot table: every API call looks one up by hash (the UNIQUE of 0001), and
-- every issuance locks and counts one (kind, client, account) group. The indexes are kept
-- few, because each one is written on every issuance.

-- Limit eviction (IssueTokens) reads the live tokens of one (client, account, kind) group,
-- oldest first; AccountTokens and RevokeAccountTokens read all tokens of one account, which
-- is the leading column, so one index serves both.
CREATE INDEX oauthkit_tokens_owner ON oauthkit_tokens (account_id, client_id, kind, issued_at);

-- RevokeToken and eviction of a refresh token remove the access tokens paired with it.
-- Partial: most tokens (refresh, personal, customer) have no pair and are not indexed.
CREATE INDEX oauthkit_tokens_refresh ON oauthkit_tokens (refresh_id) WHERE refresh_id <> '';

-- RevokeFamily removes every token of a family after a code replay or a rotated refresh
-- token's reuse. Partial: personal and customer tokens have no family.
CREATE INDEX oauthkit_tokens_family ON oauthkit_tokens (family_id) WHERE family_id <> '';

-- DeleteExpired removes expired rows in small batches, oldest expiry first: without these
-- each batch would scan its whole table.
CREATE INDEX oauthkit_tokens_expiry ON oauthkit_tokens (expires_at);
CREATE INDEX oauthkit_codes_expiry ON oauthkit_codes (expires_at);
CREATE INDEX oauthkit_sessions_expiry ON oauthkit_sessions (expires_at);

-- DeleteAccountSessions ends every session of one account (logout everywhere, password
-- reset).
CREATE INDEX oauthkit_sessions_account ON oauthkit_sessions (account_id);
