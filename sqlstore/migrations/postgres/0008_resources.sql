-- 0008 (PostgreSQL): RFC 8707 resource indicators. The same in the SQLite migration of the
-- same number.
--
-- A token keeps the resources it is for (store.Token.Audience; a refresh token, those of
-- its grant), and a code the resources its authorization request named
-- (store.AuthorizationCode.Resources): JSON arrays of resource identifiers, like every
-- list, never searched by element. '[]' for none, which rows of earlier releases get, and
-- which older releases, which do not write these columns, keep writing.
ALTER TABLE oauthkit_tokens ADD COLUMN audience TEXT NOT NULL DEFAULT '[]';
ALTER TABLE oauthkit_codes ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';

-- oauthkit_issue_tokens (0005) inserts the audience too. A token row without one, as an
-- instance of the previous release sends it, gets '[]'.
CREATE OR REPLACE FUNCTION oauthkit_issue_tokens(p_now timestamptz, p_locks jsonb, p_consume bytea,
	p_rotate text, p_require text, p_tokens jsonb, p_rules jsonb)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	k bigint;
	r record;
	n int;
	ids text[];
	fresh text[];
BEGIN
	FOR k IN SELECT value::bigint FROM jsonb_array_elements_text(p_locks) ORDER BY 1 LOOP
		PERFORM pg_advisory_xact_lock(k);
	END LOOP;

	IF p_consume IS NOT NULL THEN
		UPDATE oauthkit_codes SET consumed_at = p_now
		WHERE hash = p_consume AND consumed_at IS NULL AND expires_at > p_now;
		IF NOT FOUND THEN
			IF EXISTS (SELECT FROM oauthkit_codes WHERE hash = p_consume AND expires_at > p_now) THEN
				RAISE EXCEPTION USING ERRCODE = 'OAK01', MESSAGE = 'the code is consumed';
			END IF;
			RAISE EXCEPTION USING ERRCODE = 'OAK02', MESSAGE = 'no such code';
		END IF;
	END IF;

	IF p_rotate <> '' THEN
		UPDATE oauthkit_tokens SET rotated_at = p_now
		WHERE id = p_rotate AND kind = 'refresh' AND rotated_at IS NULL AND expires_at > p_now;
		IF NOT FOUND THEN
			IF EXISTS (SELECT FROM oauthkit_tokens WHERE id = p_rotate AND kind = 'refresh' AND expires_at > p_now) THEN
				RAISE EXCEPTION USING ERRCODE = 'OAK03', MESSAGE = 'the refresh token is rotated';
			END IF;
			RAISE EXCEPTION USING ERRCODE = 'OAK04', MESSAGE = 'no such refresh token';
		END IF;
	END IF;

	IF p_require <> '' THEN
		PERFORM FROM oauthkit_tokens WHERE id = p_require AND expires_at > p_now AND rotated_at IS NULL FOR SHARE;
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'OAK05', MESSAGE = 'the required token is not live';
		END IF;
	END IF;

	FOR r IN SELECT x.* FROM ROWS FROM (jsonb_to_recordset(p_rules)
		AS (kind text, client_id text, grp text, owner_id text, lim int, cap int, adding int))
		WITH ORDINALITY AS x(kind, client_id, grp, owner_id, lim, cap, adding, o)
		WHERE x.cap > 0 ORDER BY x.o
	LOOP
		IF r.grp = 'account' THEN
			SELECT count(*) INTO n FROM oauthkit_tokens
			WHERE account_id = r.owner_id AND client_id = r.client_id AND kind = r.kind
				AND expires_at > p_now AND rotated_at IS NULL;
		ELSIF r.grp = 'customer' THEN
			SELECT count(*) INTO n FROM oauthkit_tokens
			WHERE customer_id = r.owner_id AND client_id = r.client_id AND kind = r.kind
				AND expires_at > p_now AND rotated_at IS NULL AND customer_id <> '';
		ELSE
			SELECT count(*) INTO n FROM oauthkit_tokens
			WHERE account_id = '' AND client_id = r.client_id AND kind = r.kind
				AND expires_at > p_now AND rotated_at IS NULL AND customer_id = '';
		END IF;
		IF n + r.adding > r.cap THEN
			RAISE EXCEPTION USING ERRCODE = 'OAK06',
				MESSAGE = format('%s live %s tokens, cap %s', n, r.kind, r.cap);
		END IF;
	END LOOP;

	INSERT INTO oauthkit_tokens (id, hash, kind, name, client_id, account_id, organization_id, customer_id,
		scopes, family_id, refresh_id, from_refresh, issued_at, expires_at, rotated_at, sealed_refresh, granted_at,
		audience)
	SELECT id, hash, kind, name, client_id, account_id, organization_id, customer_id,
		scopes, family_id, refresh_id, from_refresh, issued_at, expires_at, rotated_at, sealed_refresh, granted_at,
		COALESCE(audience, '[]')
	FROM jsonb_populate_recordset(NULL::oauthkit_tokens, p_tokens);
	fresh := ARRAY(SELECT x.id FROM jsonb_to_recordset(p_tokens) AS x(id text));

	FOR r IN SELECT x.* FROM ROWS FROM (jsonb_to_recordset(p_rules)
		AS (kind text, client_id text, grp text, owner_id text, lim int, cap int, adding int))
		WITH ORDINALITY AS x(kind, client_id, grp, owner_id, lim, cap, adding, o)
		WHERE x.lim > 0 ORDER BY x.o
	LOOP
		-- The group's live tokens, oldest first.
		IF r.grp = 'account' THEN
			ids := ARRAY(SELECT id FROM oauthkit_tokens
				WHERE account_id = r.owner_id AND client_id = r.client_id AND kind = r.kind
					AND expires_at > p_now AND rotated_at IS NULL
				ORDER BY issued_at, id COLLATE "C");
		ELSIF r.grp = 'customer' THEN
			ids := ARRAY(SELECT id FROM oauthkit_tokens
				WHERE customer_id = r.owner_id AND client_id = r.client_id AND kind = r.kind
					AND expires_at > p_now AND rotated_at IS NULL AND customer_id <> ''
				ORDER BY issued_at, id COLLATE "C");
		ELSE
			ids := ARRAY(SELECT id FROM oauthkit_tokens
				WHERE account_id = '' AND client_id = r.client_id AND kind = r.kind
					AND expires_at > p_now AND rotated_at IS NULL AND customer_id = ''
				ORDER BY issued_at, id COLLATE "C");
		END IF;
		n := cardinality(ids);
		CONTINUE WHEN n <= r.lim;
		RETURN QUERY
		WITH victims AS (
			SELECT v.id FROM unnest(ids) WITH ORDINALITY AS v(id, o)
			WHERE v.id <> ALL (fresh) ORDER BY v.o LIMIT n - r.lim
		), gone AS (
			DELETE FROM oauthkit_tokens AS t USING victims AS v WHERE t.id = v.id RETURNING t.id
		), paired AS (
			DELETE FROM oauthkit_tokens AS t USING victims AS v
			WHERE r.kind = 'refresh' AND t.refresh_id = v.id AND t.refresh_id <> '' RETURNING t.id
		)
		SELECT gone.id FROM gone UNION ALL SELECT paired.id FROM paired;
	END LOOP;
END
$$;
