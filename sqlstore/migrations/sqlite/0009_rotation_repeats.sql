-- 0009 (SQLite): how many times the rotation of a rotated refresh token has been repeated
-- within its grace window (store.Issue.RotatedWithin, MaxRepeats). The same in the
-- PostgreSQL migration of the same number. Rows of earlier releases, and the rows that older
-- instances insert, get 0; older instances never repeat a rotation, so ignoring the column
-- is right for them.
ALTER TABLE oauthkit_tokens ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
