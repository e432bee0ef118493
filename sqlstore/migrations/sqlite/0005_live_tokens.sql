-- 0005 (SQLite): indexes that find the live tokens of a group without reading its rotated
-- and expired ones, so that the cost of an issuance does not grow with them. The PostgreSQL
-- migration of the same number makes the same indexes, without the columns that here only
-- make them cover the queries.
--
-- Every limited or capped issuance counts the live tokens (not rotated, not expired) of the
-- groups it inserts into. Through oauthkit_tokens_owner (account_id, client_id, kind,
-- issued_at) of 0002 that count read every token the group ever kept: a public client's
-- refresh tokens rotate on every use and stay 30 days so that their reuse can be detected,
-- and expired tokens stay until housekeeping removes them, so a busy group's count read
-- thousands of dead rows.

-- oauthkit_tokens_group replaces oauthkit_tokens_owner. After (account, client, kind) come
-- rotated_at, which the queries of live tokens ask to be NULL, and expires_at, which they
-- ask to be later than now: a query of a group's live tokens descends to them and reads
-- nothing else, however many rotated and expired tokens precede them. It serves every
-- query that oauthkit_tokens_owner served (those of the previous release included): the
-- groups of Issue.Limits and Issue.Caps by account, those of Issue.ClientLimits (account_id
-- = '' AND customer_id = ''), AccountTokens and RevokeAccountTokens. The columns after
-- expires_at make it cover the queries of a group (a count, the oldest by issued_at and
-- id), so that they read no table row.
CREATE INDEX IF NOT EXISTS oauthkit_tokens_group ON oauthkit_tokens
	(account_id, client_id, kind, rotated_at, expires_at, issued_at, id, customer_id);
DROP INDEX IF EXISTS oauthkit_tokens_owner;

-- The groups of customer tokens, per (client, customer): only tokens that are not rotated.
-- It replaces oauthkit_tokens_customer of 0004, whose queries (those of the previous
-- release included) it serves too. rotated_at, NULL in every entry, is among its columns
-- because SQLite reads the column of a query's rotated_at IS NULL to decide that an index
-- covers the query, even where the index's own WHERE implies it.
CREATE INDEX IF NOT EXISTS oauthkit_tokens_customer_live ON oauthkit_tokens
	(customer_id, client_id, kind, expires_at, issued_at, id, rotated_at)
	WHERE customer_id <> '' AND rotated_at IS NULL;
DROP INDEX IF EXISTS oauthkit_tokens_customer;
