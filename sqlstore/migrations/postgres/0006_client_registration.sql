-- 0006 (PostgreSQL): what dynamic client registration keeps of a client, and the indexes that
-- finding a client's tokens, codes and grants needs. The same in the SQLite migration
-- of the same number.
--
-- A client registered dynamically (store.Client.RegistrationHash, RegistrationMetadata)
-- holds the keyed hash of its registration access token and its registered metadata as a
-- JSON object; both NULL for other clients, and for rows of earlier releases.
ALTER TABLE oauthkit_clients ADD COLUMN registration_hash BYTEA;
ALTER TABLE oauthkit_clients ADD COLUMN registration_metadata BYTEA;

-- A client that expires when unused (store.Client.UnusedLifetime, in microseconds; 0 for
-- the others) and the last time it was known to be in use (UsedAt; NULL until then).
-- unused_until is when it may be removed unless it holds a code or token: the latest of
-- created_at, updated_at and used_at, plus unused_lifetime, kept by the store on every
-- write of those columns; NULL for clients that do not expire. DeleteExpired finds the
-- clients to look at through its partial index, in (unused_until, id) order.
ALTER TABLE oauthkit_clients ADD COLUMN unused_lifetime BIGINT NOT NULL DEFAULT 0;
ALTER TABLE oauthkit_clients ADD COLUMN used_at TIMESTAMPTZ;
ALTER TABLE oauthkit_clients ADD COLUMN unused_until TIMESTAMPTZ;
CREATE INDEX oauthkit_clients_unused ON oauthkit_clients (unused_until, id) WHERE unused_until IS NOT NULL;

-- A client's tokens (RevokeClientTokens, when a client is deleted; whether a client that
-- expires when unused still holds one, and until when), its codes (the same question) and
-- its grants (removed with a client that expired unused).
--
-- The tokens' index is on the expression client_id || '', which the queries above write
-- out, so that no other query can use it: the hot lookups of one (client, account) group
-- keep oauthkit_tokens_owner, which a plain index on client_id would compete with whenever
-- the planner has no statistics to choose by.
CREATE INDEX oauthkit_tokens_client ON oauthkit_tokens ((client_id || ''));
CREATE INDEX oauthkit_codes_client ON oauthkit_codes (client_id, expires_at);
CREATE INDEX oauthkit_grants_client ON oauthkit_grants (client_id);
