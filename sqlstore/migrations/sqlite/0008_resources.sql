-- 0008 (SQLite): RFC 8707 resource indicators. The same in the PostgreSQL migration of the
-- same number.
--
-- A token keeps the resources it is for (store.Token.Audience; a refresh token, those of
-- its grant), and a code the resources its authorization request named
-- (store.AuthorizationCode.Resources): JSON arrays of resource identifiers, like every
-- list, never searched by element. '[]' for none, which rows of earlier releases get, and
-- which older releases, which do not write these columns, keep writing.
ALTER TABLE oauthkit_tokens ADD COLUMN audience TEXT NOT NULL DEFAULT '[]';
ALTER TABLE oauthkit_codes ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
