-- 0004 (SQLite): the upstream identity accounts are linked to, when a grant was made, and
-- the limit group of customer tokens. The same in the PostgreSQL migration of the same number.
--
-- An account linked by federated sign-in records the upstream's issuer and subject
-- (store.Account.UpstreamIssuer, UpstreamSubject); empty strings until then, which is what
-- rows of earlier releases get. An upstream identity is linked to at most one account: the
-- unique index covers linked accounts only, and AccountBySubject looks them up through it.
ALTER TABLE oauthkit_accounts ADD COLUMN upstream_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE oauthkit_accounts ADD COLUMN upstream_subject TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX oauthkit_accounts_upstream ON oauthkit_accounts (upstream_issuer, upstream_subject)
	WHERE upstream_issuer <> '' AND upstream_subject <> '';

-- When the grant a token descends from was made (store.Token.GrantedAt); NULL for tokens
-- that descend from no grant, and for those of earlier releases.
ALTER TABLE oauthkit_tokens ADD COLUMN granted_at INTEGER;

-- Customer tokens are limited per (client, customer): IssueTokens reads the live customer
-- tokens of one such group. Partial: only customer tokens have a customer_id.
CREATE INDEX oauthkit_tokens_customer ON oauthkit_tokens (customer_id, client_id, kind, issued_at)
	WHERE customer_id <> '';
