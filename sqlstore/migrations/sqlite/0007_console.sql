-- 0007 (SQLite): what the developer console (package flows/console) keeps of clients, and the
-- lookups it makes. The same in the PostgreSQL migration of the same number.
--
-- A client created in the console names the account that manages it (store.Client.OwnerID);
-- empty for clients provisioned otherwise, which is what rows of earlier releases get.
-- A rotated secret keeps authenticating its client until previous_secret_expires_at
-- (store.Client.PreviousSecretHash, PreviousSecretExpiresAt); NULL when there is none.
-- Older releases neither read nor write these columns, and their PutClient leaves them as
-- they are.
ALTER TABLE oauthkit_clients ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE oauthkit_clients ADD COLUMN previous_secret_hash BLOB;
ALTER TABLE oauthkit_clients ADD COLUMN previous_secret_expires_at INTEGER;

-- ClientsByOwner and ClientsByOrganization list one account's or one organization's clients
-- by id, a page at a time. Partial: most clients have neither.
CREATE INDEX oauthkit_clients_owner ON oauthkit_clients (owner_id, id) WHERE owner_id <> '';
CREATE INDEX oauthkit_clients_organization ON oauthkit_clients (organization_id, id)
	WHERE organization_id <> '';

-- OrganizationAccounts lists one organization's accounts by id, a page at a time.
CREATE INDEX oauthkit_accounts_organization ON oauthkit_accounts (organization_id, id);

-- RevokeClientTokens finds a client's tokens and codes through the indexes of migration
-- 0006 (oauthkit_tokens_client, oauthkit_codes_client).
