package sqlstore_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/store"
)

// rawDB opens a plain pool on the database of dsn, closed when t ends.
func rawDB(t testing.TB, dsn string) (*sql.DB, sqlstore.Dialect) {
	t.Helper()
	driver, name, d := "pgx", dsn, sqlstore.PostgreSQL
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, name, d = "sqlite", path+"?_pragma=busy_timeout(5000)", sqlstore.SQLite
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, d
}

func hasIndex(t *testing.T, db *sql.DB, d sqlstore.Dialect, name string) bool {
	t.Helper()
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1"
	if d == sqlstore.PostgreSQL {
		q = "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1"
	}
	var n int
	if err := db.QueryRow(q, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// upgrade: a database left at schema version 1 by an older release, holding data, is
// brought up to date by Open, keeps its data, and a second Migrate changes nothing.
func upgrade(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	db, d := rawDB(t, dsn)
	old, err := sqlstore.New(db, d, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := old.SchemaVersion(ctx); err != nil || v != 0 {
		t.Fatalf("SchemaVersion of an empty database = %d, %v; want 0", v, err)
	}
	if err := sqlstore.MigrateTo(ctx, old, 1); err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(ctx); v != 1 {
		t.Fatalf("SchemaVersion after migrating to 1 = %d", v)
	}
	if hasIndex(t, db, d, "oauthkit_tokens_family") {
		t.Fatal("schema version 1 already has the indexes of version 2")
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	client := store.Client{ID: "c1", Name: "App", RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"a:ro"}, CreatedAt: now, UpdatedAt: now}
	tok := store.Token{Hash: store.Hash{1}, ID: "t1", Kind: store.KindAccess, ClientID: "c1", AccountID: "a1",
		FamilyID: "f1", Scopes: []string{"a:ro"}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	// The client and the token go in with version 1's columns, as the older release wrote
	// them: today's code writes columns that later migrations add.
	var issued, expires any = now.UnixMicro(), now.Add(time.Hour).UnixMicro()
	if d == sqlstore.PostgreSQL {
		issued, expires = now, now.Add(time.Hour)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO oauthkit_clients (id, name, public, secret_hash, redirect_uris, scopes,
		organization_id, allow_implicit, require_pkce, created_at, updated_at)
		VALUES ($1, $2, $3, NULL, '["https://app.example/cb"]', '["a:ro"]', '', $4, $5, $6, $7)`,
		client.ID, client.Name, false, false, false, issued, issued)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO oauthkit_tokens (id, hash, kind, name, client_id, account_id,
		organization_id, customer_id, scopes, family_id, refresh_id, from_refresh, issued_at, expires_at, rotated_at)
		VALUES ($1, $2, 'access', '', 'c1', 'a1', '', '', '["a:ro"]', 'f1', '', $3, $4, $5, NULL)`,
		tok.ID, tok.Hash[:], false, issued, expires)
	if err != nil {
		t.Fatal(err)
	}

	s := open(t, dsn) // migrates
	names, _ := sqlstore.MigrationNames(d)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(names) {
		t.Fatalf("SchemaVersion after Open = %d, %v; want %d", v, err, len(names))
	}
	for _, idx := range []string{"oauthkit_tokens_group", "oauthkit_tokens_refresh", "oauthkit_tokens_family",
		"oauthkit_tokens_expiry", "oauthkit_codes_expiry", "oauthkit_sessions_expiry", "oauthkit_sessions_account",
		"oauthkit_accounts_upstream", "oauthkit_tokens_customer_live", "oauthkit_clients_unused", "oauthkit_tokens_client",
		"oauthkit_codes_client", "oauthkit_grants_client"} {
		if !hasIndex(t, db, d, idx) {
			t.Errorf("index %s missing after the upgrade", idx)
		}
	}
	if got, err := s.Client(ctx, "c1"); err != nil {
		t.Errorf("Client after the upgrade: %v", err)
	} else if diff := cmp.Diff(client, got); diff != "" {
		t.Errorf("Client after the upgrade (-want +got):\n%s", diff)
	}
	if got, err := s.Token(ctx, tok.Hash, now); err != nil || got.ID != "t1" || !got.GrantedAt.IsZero() {
		t.Errorf("Token after the upgrade = %+v, %v; want t1 with no GrantedAt", got, err)
	}
	// An instance of the older release, still running beside the upgraded one, stores an
	// account with version 1's columns: it is unlinked, and one is no conflict with another.
	for _, id := range []string{"a1", "a2"} {
		_, err = db.ExecContext(ctx, `INSERT INTO oauthkit_accounts (id, login, organization_id, roles, password_hash,
			password_login_disabled, created_at) VALUES ($1, $2, '', '[]', '', $3, $4)`, id, id+"@example.com", false, issued)
		if err != nil {
			t.Fatalf("inserting an account as the older release does, after the upgrade: %v", err)
		}
	}
	if got, err := s.Account(ctx, "a1"); err != nil || got.UpstreamIssuer != "" || got.UpstreamSubject != "" {
		t.Errorf("Account stored by the older release = %+v, %v; want it unlinked", got, err)
	}

	var rows int
	count := func() int {
		if err := db.QueryRow("SELECT COUNT(*) FROM oauthkit_schema_migrations").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := count()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	if after := count(); after != before || after != len(names) {
		t.Errorf("schema table has %d rows after a second Migrate, %d before; want %d", after, before, len(names))
	}
}

// concurrentMigrate: several processes starting at once on one empty database all
// succeed, and each migration is applied once.
func concurrentMigrate(t *testing.T, b backend) {
	dsn := b.dsn(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			s, err := openDSN(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	db, d := rawDB(t, dsn)
	names, _ := sqlstore.MigrationNames(d)
	var versions []int
	rows, err := db.Query("SELECT version FROM oauthkit_schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		rows.Scan(&v)
		versions = append(versions, v)
	}
	if len(versions) != len(names) {
		t.Errorf("applied versions %v, want 1..%d once each", versions, len(names))
	}
}

// placeholderReplaced: a database that recorded version 5 under the name of a placeholder
// (a no-op that kept the numbers without gaps on a branch) gets the real migration 5 when
// it is embedded, recorded under its own name, and then the later ones.
func placeholderReplaced(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	db, d := rawDB(t, dsn)
	old, err := sqlstore.New(db, d, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.MigrateTo(ctx, old, 4); err != nil {
		t.Fatal(err)
	}
	var at any = time.Now().UnixMicro()
	if d == sqlstore.PostgreSQL {
		at = time.Now()
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO oauthkit_schema_migrations (version, name, applied_at) VALUES (5, '0005_reserved.sql', $1)", at); err != nil {
		t.Fatal(err)
	}

	s := open(t, dsn) // migrates
	names, _ := sqlstore.MigrationNames(d)
	var name string
	if err := db.QueryRowContext(ctx, "SELECT name FROM oauthkit_schema_migrations WHERE version = 5").Scan(&name); err != nil || name != names[4] {
		t.Errorf("version 5 recorded as %q (%v), want %q", name, err, names[4])
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(names) {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, len(names))
	}
	if !hasIndex(t, db, d, "oauthkit_tokens_group") {
		t.Error("the indexes of the real migration 5 are missing")
	}
	// On PostgreSQL, issuance needs the function of migration 5.
	tok := newToken(store.KindAccess, "c", "a", "", t0)
	if err := s.IssueTokens(ctx, t0, store.Issue{Tokens: []store.Token{tok}, Limits: limits}); err != nil {
		t.Errorf("IssueTokens after the placeholder's replacement: %v", err)
	}
}

func TestSQLiteMigrate(t *testing.T) {
	t.Run("UpgradeOldSchema", func(t *testing.T) { upgrade(t, sqliteBackend) })
	t.Run("Concurrent", func(t *testing.T) { concurrentMigrate(t, sqliteBackend) })
	t.Run("PlaceholderReplaced", func(t *testing.T) { placeholderReplaced(t, sqliteBackend) })
}

func TestPostgresMigrate(t *testing.T) {
	postgresBase(t)
	t.Run("UpgradeOldSchema", func(t *testing.T) { upgrade(t, postgresBackend) })
	t.Run("Concurrent", func(t *testing.T) { concurrentMigrate(t, postgresBackend) })
	t.Run("PlaceholderReplaced", func(t *testing.T) { placeholderReplaced(t, postgresBackend) })
}

// TestMigrationsInStep: both dialects have the same numbered migrations, so a schema
// version means the same thing on either.
func TestMigrationsInStep(t *testing.T) {
	lite, err := sqlstore.MigrationNames(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := sqlstore.MigrationNames(sqlstore.PostgreSQL)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lite, pg) || len(lite) == 0 {
		t.Errorf("migrations differ: sqlite %v, postgres %v", lite, pg)
	}
}
