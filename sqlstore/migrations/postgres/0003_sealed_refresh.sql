-- An access token issued by the refresh_token grant keeps its refresh token sealed under a
-- key derived from the access token itself (store.Token.SealedRefresh), so the info
-- endpoint can show it to the access token's holder. NULL for every other token.
ALTER TABLE oauthkit_tokens ADD COLUMN sealed_refresh BYTEA;
