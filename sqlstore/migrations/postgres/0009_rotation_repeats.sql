-- 0009 (PostgreSQL): how many times the rotation of a rotated refresh token has been
-- repeated within its grace window (store.Issue.RotatedWithin, MaxRepeats), and the
-- issuance that may repeat one. The same column in the SQLite migration of the same number.
-- Rows of earlier releases, and those that older instances insert (through
-- oauthkit_issue_tokens of 0005, which names its columns), get 0; older instances never
-- repeat a rotation.
ALTER TABLE oauthkit_tokens ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;

-- oauthkit_issue_tokens_grace is oauthkit_issue_tokens (0005) for an issuance that rotates
-- p_rotate with a grace: after the advisory locks p_locks, it rotates p_rotate if it is
-- live, or else counts a repeat of it if it was rotated after p_grace_since (now minus the
-- window) and has been repeated fewer than p_max_repeats times; the row lock of either
-- UPDATE is taken after the advisory locks, as everywhere, and a racing repeat waits for it
-- and then checks the count anew. The rest of the issuance is oauthkit_issue_tokens with no
-- token to rotate, in the same transaction: it takes the same advisory locks again (they
-- stack, and are all released at its end). OAK03 and OAK04 are those of 0005. Issuances
-- without a grace keep calling oauthkit_issue_tokens.
CREATE OR REPLACE FUNCTION oauthkit_issue_tokens_grace(p_now timestamptz, p_locks jsonb, p_consume bytea,
	p_rotate text, p_require text, p_tokens jsonb, p_rules jsonb, p_grace_since timestamptz, p_max_repeats int)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	k bigint;
BEGIN
	FOR k IN SELECT value::bigint FROM jsonb_array_elements_text(p_locks) ORDER BY 1 LOOP
		PERFORM pg_advisory_xact_lock(k);
	END LOOP;

	UPDATE oauthkit_tokens SET rotated_at = p_now
	WHERE id = p_rotate AND kind = 'refresh' AND rotated_at IS NULL AND expires_at > p_now;
	IF NOT FOUND THEN
		UPDATE oauthkit_tokens SET repeats = repeats + 1
		WHERE id = p_rotate AND kind = 'refresh' AND rotated_at > p_grace_since
			AND repeats < p_max_repeats AND expires_at > p_now;
		IF NOT FOUND THEN
			IF EXISTS (SELECT FROM oauthkit_tokens WHERE id = p_rotate AND kind = 'refresh' AND expires_at > p_now) THEN
				RAISE EXCEPTION USING ERRCODE = 'OAK03', MESSAGE = 'the refresh token is rotated';
			END IF;
			RAISE EXCEPTION USING ERRCODE = 'OAK04', MESSAGE = 'no such refresh token';
		END IF;
	END IF;

	RETURN QUERY SELECT * FROM oauthkit_issue_tokens(p_now, p_locks, p_consume, '', p_require, p_tokens, p_rules);
END
$$;
