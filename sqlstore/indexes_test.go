package sqlstore_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/sqlstore"
)

// Every lookup path of the store uses an index, not a scan of its table: the queries below
// are those of the store (with their parameters), and each must name its index in the
// database's plan. On PostgreSQL, sequential scans are disabled for the check, since the
// test tables are too small for the planner to prefer an index on its own.
var lookups = []struct{ query, index string }{
	{"SELECT id FROM oauthkit_tokens WHERE hash = $1 AND expires_at > $2", "oauthkit_tokens_hash_key|sqlite_autoindex_oauthkit_tokens_2"},
	{"SELECT id FROM oauthkit_tokens WHERE account_id = $1 AND ($2 = '' OR kind = $2) AND expires_at > $3 AND rotated_at IS NULL ORDER BY issued_at, id", "oauthkit_tokens_group"},
	{"DELETE FROM oauthkit_tokens WHERE refresh_id = $1 AND refresh_id <> '' RETURNING id", "oauthkit_tokens_refresh"},
	{"DELETE FROM oauthkit_tokens WHERE family_id = $1 AND family_id <> '' RETURNING id", "oauthkit_tokens_family"},
	{"DELETE FROM oauthkit_tokens WHERE account_id = $1 RETURNING id", "oauthkit_tokens_group"},
	{"SELECT id FROM oauthkit_tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2", "oauthkit_tokens_expiry"},
	{"SELECT hash FROM oauthkit_codes WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2", "oauthkit_codes_expiry"},
	{"SELECT hash FROM oauthkit_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2", "oauthkit_sessions_expiry"},
	{"DELETE FROM oauthkit_sessions WHERE account_id = $1", "oauthkit_sessions_account"},
	{"SELECT id FROM oauthkit_accounts WHERE login = $1", "oauthkit_accounts_login_key|sqlite_autoindex_oauthkit_accounts_2"},
	{"SELECT id FROM oauthkit_accounts WHERE upstream_issuer = $1 AND upstream_subject = $2 AND upstream_issuer <> '' AND upstream_subject <> ''", "oauthkit_accounts_upstream"},
	{"SELECT DISTINCT family_id FROM oauthkit_tokens WHERE account_id = $1 AND family_id <> ''", "oauthkit_tokens_group"},
	// The groups' live tokens as the previous release reads them, during a rolling upgrade.
	{"SELECT id, issued_at FROM oauthkit_tokens WHERE account_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL", "oauthkit_tokens_group"},
	{"SELECT id, issued_at FROM oauthkit_tokens WHERE customer_id = $1 AND client_id = $2 AND kind = $3 AND expires_at > $4 AND rotated_at IS NULL AND customer_id <> ''", "oauthkit_tokens_customer_live"},
	{"DELETE FROM oauthkit_tokens WHERE account_id = $1 RETURNING id, family_id", "oauthkit_tokens_group"},
	{"SELECT max(expires_at) FROM oauthkit_tokens WHERE client_id || '' = $1", "oauthkit_tokens_client"},
	{"SELECT max(expires_at) FROM oauthkit_codes WHERE client_id = $1", "oauthkit_codes_client"},
	{"SELECT id FROM oauthkit_clients WHERE unused_until <= $1 AND (unused_until, id) > ($2, $3) ORDER BY unused_until, id LIMIT $4", "oauthkit_clients_unused"},
	{"DELETE FROM oauthkit_grants WHERE client_id = $1", "oauthkit_grants_client"},
	// The developer console's lists and RevokeClientTokens (LIMIT is $2, the integer).
	{"SELECT id FROM oauthkit_clients WHERE owner_id = $1 AND owner_id <> '' AND id > $3 ORDER BY id LIMIT $2", "oauthkit_clients_owner"},
	{"SELECT id FROM oauthkit_clients WHERE organization_id = $1 AND organization_id <> '' AND id > $3 ORDER BY id LIMIT $2", "oauthkit_clients_organization"},
	{"SELECT id FROM oauthkit_accounts WHERE organization_id = $1 AND id > $3 ORDER BY id LIMIT $2", "oauthkit_accounts_organization"},
	{"SELECT client_id FROM oauthkit_grants WHERE account_id = $1 AND client_id > $3 ORDER BY client_id LIMIT $2", "oauthkit_grants_pkey|sqlite_autoindex_oauthkit_grants_1"},
	{"SELECT DISTINCT family_id FROM oauthkit_tokens WHERE account_id = $1 AND client_id = $2 AND family_id <> ''", "oauthkit_tokens_group"},
	{"DELETE FROM oauthkit_tokens WHERE account_id = $1 AND client_id = $2 RETURNING id, family_id", "oauthkit_tokens_group"},
	{"SELECT DISTINCT family_id FROM oauthkit_tokens WHERE client_id || '' = $1 AND client_id <> '' AND family_id <> ''", "oauthkit_tokens_client"},
	{"DELETE FROM oauthkit_tokens WHERE client_id || '' = $1 AND client_id <> '' RETURNING id, family_id", "oauthkit_tokens_client"},
	{"DELETE FROM oauthkit_codes WHERE account_id = $1 AND client_id = $2", "oauthkit_codes_client"},
	{"DELETE FROM oauthkit_codes WHERE client_id = $1", "oauthkit_codes_client"},
}

// groupLookups are the queries of the live tokens of a group (the PostgreSQL function of
// issuance runs them too). On SQLite their index must cover them, so that a count reads no
// table row.
func groupLookups(d sqlstore.Dialect) []struct{ query, index string } {
	var out []struct{ query, index string }
	for _, q := range sqlstore.GroupQueries {
		idx := q.Index
		if d == sqlstore.SQLite {
			idx = "COVERING INDEX " + idx
		}
		out = append(out, struct{ query, index string }{strings.Join(strings.Fields(q.Query), " "), idx})
	}
	return out
}

func indexedLookups(t *testing.T, b backend) {
	dsn := b.dsn(t)
	open(t, dsn).Close() // migrate
	db, d := rawDB(t, dsn)
	db.SetMaxOpenConns(1) // keeps the SET below on the connection that explains
	explain := "EXPLAIN QUERY PLAN "
	args := []any{"x", int64(1), "access", int64(1), int64(10)}
	if d == "postgres" {
		explain = "EXPLAIN "
		if _, err := db.Exec("SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range append(groupLookups(d), lookups...) {
		n := strings.Count(l.query, "$")
		a := args[:n]
		if d == "postgres" { // literal values: EXPLAIN of a parameterized statement needs types
			q := l.query
			for i := n; i >= 1; i-- {
				lit := "'x'"
				switch {
				case strings.Contains(q, "LIMIT $"+strconv.Itoa(i)):
					lit = "10"
				case strings.Contains(q, "expires_at > $"+strconv.Itoa(i)), strings.Contains(q, "expires_at <= $"+strconv.Itoa(i)),
					strings.Contains(q, "unused_until <= $"+strconv.Itoa(i)), strings.Contains(q, "(unused_until, id) > ($"+strconv.Itoa(i)+","):
					lit = "now()"
				case strings.Contains(q, "hash = $"+strconv.Itoa(i)):
					lit = "'\\x00'::bytea"
				}
				q = strings.ReplaceAll(q, "$"+strconv.Itoa(i), lit)
			}
			l.query, a = q, nil
		}
		rows, err := db.Query(explain+l.query, a...)
		if err != nil {
			t.Fatalf("%s: %v", l.query, err)
		}
		var plan strings.Builder
		for rows.Next() {
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				switch v := v.(type) {
				case string:
					plan.WriteString(v + " ")
				case []byte:
					plan.WriteString(string(v) + " ")
				}
			}
			plan.WriteString("\n")
		}
		rows.Close()
		found := false
		for _, idx := range strings.Split(l.index, "|") {
			found = found || strings.Contains(plan.String(), idx)
		}
		if !found {
			t.Errorf("%s\ndoes not use %s:\n%s", l.query, l.index, plan.String())
		}
	}
}

func TestSQLiteIndexes(t *testing.T) { indexedLookups(t, sqliteBackend) }

func TestPostgresIndexes(t *testing.T) {
	postgresBase(t)
	indexedLookups(t, postgresBackend)
}
