-- 0005 (PostgreSQL): indexes that find the live tokens of a group without reading its
-- rotated and expired ones, so that the cost of an issuance does not grow with them, and
-- IssueTokens as one statement. The SQLite migration of the same number makes the same
-- indexes, with columns that make them cover the queries there.
--
-- Every limited or capped issuance counts the live tokens (not rotated, not expired) of the
-- groups it inserts into. Through oauthkit_tokens_owner (account_id, client_id, kind,
-- issued_at) of 0002 that count read every token the group ever kept: a public client's
-- refresh tokens rotate on every use and stay 30 days so that their reuse can be detected,
-- and expired tokens stay until housekeeping removes them, so a busy group's count read
-- thousands of dead rows.
--
-- Like every migration, this one runs in a transaction, and CREATE INDEX holds a lock that
-- blocks writes to oauthkit_tokens while it builds (CREATE INDEX CONCURRENTLY cannot run in
-- a transaction). That takes seconds for a table of millions of tokens. To upgrade such a
-- database without that pause, create the two indexes beforehand with CREATE INDEX
-- CONCURRENTLY and the definitions below: IF NOT EXISTS then keeps them.

-- oauthkit_tokens_group replaces oauthkit_tokens_owner. After (account, client, kind) come
-- rotated_at, which the queries of live tokens ask to be NULL, and expires_at, which they
-- ask to be later than now: a query of a group's live tokens descends to them and reads
-- nothing else, however many rotated and expired tokens precede them. It serves every
-- query that oauthkit_tokens_owner served (those of the previous release included): the
-- groups of Issue.Limits and Issue.Caps by account, those of Issue.ClientLimits (account_id
-- = '' AND customer_id = ''), AccountTokens and RevokeAccountTokens.
CREATE INDEX IF NOT EXISTS oauthkit_tokens_group ON oauthkit_tokens (account_id, client_id, kind, rotated_at, expires_at);
DROP INDEX IF EXISTS oauthkit_tokens_owner;

-- The groups of customer tokens, per (client, customer): only tokens that are not rotated.
-- It replaces oauthkit_tokens_customer of 0004, whose queries (those of the previous
-- release included) it serves too.
CREATE INDEX IF NOT EXISTS oauthkit_tokens_customer_live ON oauthkit_tokens (customer_id, client_id, kind, expires_at)
	WHERE customer_id <> '' AND rotated_at IS NULL;
DROP INDEX IF EXISTS oauthkit_tokens_customer;

-- IssueTokens as one statement (sqlstore's issue_postgres.go). An issuance was ten
-- statements in a transaction, each a round trip, with the group's advisory lock held
-- across all of them; it is now one call in autocommit, one round trip. It cannot be one
-- statement of CTEs: a statement reads the snapshot taken when it began, so after waiting
-- for a group's lock it would not see the tokens that the lock's previous holder committed,
-- and would count, evict and cap wrongly. In a function each statement takes a snapshot of
-- its own, after the locks.
--
-- oauthkit_issue_tokens performs one store.Issue at p_now and returns the IDs of the tokens
-- its limits evicted; a failed check raises an error with one of the SQLSTATEs below, and
-- the statement, like any other that fails, changes nothing. The steps, in this order, are
-- those of the SQLite path (sqlstore's tokens.go):
--   1. the advisory locks p_locks (a JSON array of bigint keys), in ascending order, before
--      any row lock;
--   2. p_consume, the hash of a code to consume (NULL: none): OAK01 consumed, OAK02 missing;
--   3. p_rotate, a refresh token to rotate (empty: none): OAK03 rotated, OAK04 missing;
--   4. p_require, a token that must be live (empty: none), locked FOR SHARE: OAK05;
--   5. the caps of p_rules: OAK06 when a group would hold more live tokens than its cap;
--   6. the insert of p_tokens (a JSON array of oauthkit_tokens rows);
--   7. the limits of p_rules, in their order (refresh groups first): the oldest live tokens
--      beyond the limit that the issuance did not insert go (by issued_at, then id as bytes,
--      as store.CompareEviction orders them), with the access tokens paired with a refresh
--      token that goes.
-- p_rules is a JSON array of {"kind", "client_id", "grp", "owner_id", "lim", "cap", "adding"}:
-- a group, its limit and cap (0: none), and how many tokens the issuance adds to it. A group
-- (see sqlstore's limits.go) is the tokens of a kind and a client that belong to one account
-- (grp 'account', owner_id the account), one customer ('customer'), or neither ('client').
-- Its live tokens are read by one of three queries, the same as the SQLite path's, each
-- through its index; they are written out for each kind of group, not folded into one
-- query of three branches, so that each keeps a plan of its own instead of being planned
-- again on every call.
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
		scopes, family_id, refresh_id, from_refresh, issued_at, expires_at, rotated_at, sealed_refresh, granted_at)
	SELECT id, hash, kind, name, client_id, account_id, organization_id, customer_id,
		scopes, family_id, refresh_id, from_refresh, issued_at, expires_at, rotated_at, sealed_refresh, granted_at
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
