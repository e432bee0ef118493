-- 0005 (SQLite): indexes of live tokens, so that the cost of an issuance does not grow with
-- the rotated and expired tokens of its group. The PostgreSQL migration of the same number
-- makes the same indexes, without the columns that here only make them cover the queries.
--
-- Every limited or capped issuance counts the live tokens (not rotated, not expired) of the
-- groups it inserts into. Through oauthkit_tokens_owner that count read every token the
-- group ever kept: a public client's refresh tokens rotate on every use and stay 30 days so
-- that their reuse can be detected, and expired tokens stay until housekeeping removes
-- them, so a busy group's count read thousands of dead rows. These indexes hold only tokens
-- that are not rotated, and continue with expires_at, so a count reads the group's live
-- tokens and nothing else. The columns after expires_at make the indexes cover the queries
-- of a group (the count, the oldest by issued_at and id), so that they read no table row;
-- rotated_at, NULL in every entry, is among them because SQLite reads the column of the
-- query's rotated_at IS NULL even where the index's own WHERE implies it.

-- The groups of Issue.Limits and Issue.Caps by account, and of Issue.ClientLimits (the
-- tokens of no account: account_id = '' AND customer_id = ''); AccountTokens too.
CREATE INDEX IF NOT EXISTS oauthkit_tokens_live ON oauthkit_tokens
	(account_id, client_id, kind, expires_at, issued_at, id, customer_id, rotated_at)
	WHERE rotated_at IS NULL;

-- The groups of customer tokens, per (client, customer). It replaces oauthkit_tokens_customer
-- of 0004, whose queries (those of the previous release included) it serves too.
CREATE INDEX IF NOT EXISTS oauthkit_tokens_customer_live ON oauthkit_tokens
	(customer_id, client_id, kind, expires_at, issued_at, id, rotated_at)
	WHERE customer_id <> '' AND rotated_at IS NULL;
DROP INDEX IF EXISTS oauthkit_tokens_customer;
