package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"github.com/oauthkit/oauthkit/internal/testenv"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// TestMain runs the tests in a temporary working directory: the default -db is a SQLite
// file in the working directory, and a test run must neither leave one in the source tree
// nor find one from an earlier run.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oauthkit-server-test-")
	if err != nil {
		panic(err)
	}
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	code := testenv.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is a running example server.
type instance struct {
	issuer, demo, storage string
	stop                  func()
}

// start runs the server with args plus loopback addresses, and waits for its welcome.
func start(t *testing.T, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0"}, args...), strings.NewReader(""), pw)
		pw.Close()
	}()
	in := &instance{}
	stopped := false
	in.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	t.Cleanup(in.stop)
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		l := strings.TrimSpace(lines.Text())
		switch {
		case strings.HasPrefix(l, "oauthkit authorization server listening on "):
			in.issuer = strings.TrimPrefix(l, "oauthkit authorization server listening on ")
		case strings.HasPrefix(l, "Open the demo app"):
			lines.Scan()
			in.demo = strings.TrimSpace(lines.Text())
		case strings.HasPrefix(l, "Storage: "):
			in.storage = l
		}
		if in.storage != "" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if in.issuer == "" || in.demo == "" || in.storage == "" {
		cancel()
		stopped = true // its answer is read here, not again by the cleanup
		t.Fatalf("the server did not start (issuer %q, demo %q, storage %q): %v", in.issuer, in.demo, in.storage, <-done)
	}
	return in
}

var tokenRe = regexp.MustCompile(`(access|refresh)_token: +(\S+)`)

// tokens returns the access and refresh tokens shown on the demo client's page.
func tokens(t *testing.T, page string) (access, refresh string) {
	t.Helper()
	for _, m := range tokenRe.FindAllStringSubmatch(page, -1) {
		if m[1] == "access" {
			access = html.UnescapeString(m[2])
		} else {
			refresh = html.UnescapeString(m[2])
		}
	}
	if access == "" || refresh == "" {
		t.Fatalf("no tokens on the demo client's page:\n%s", page)
	}
	return access, refresh
}

// refreshAt uses a refresh token of demo-server-app at the server's token endpoint.
func refreshAt(t *testing.T, issuer, refresh string) int {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	req, _ := http.NewRequest(http.MethodPost, issuer+"/v2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-server-app", "demo-server-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode
}

// TestRestartKeepsData (R-STORE-2): with the default kind of storage, a SQLite file, a
// restarted server still has its clients, the person's session and consent, and the
// tokens it issued; and it does not load the demo data over what changed meanwhile.
func TestRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oauthkit.db")
	db := "sqlite:" + path

	first := start(t, "-db", db)
	if !strings.Contains(first.storage, "demo data loaded") {
		t.Errorf("first run: %q, want the demo data loaded", first.storage)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	p := fetch(t, c, http.MethodGet, first.demo, nil, "")
	p = submit(t, c, first.issuer, p, url.Values{"email": {"agent@example.com"}, "password": {"agent-pass-123"}})
	p = submit(t, c, first.issuer, p, url.Values{"decision": {"allow"}})
	access, refresh := tokens(t, p)
	first.stop()

	// Meanwhile, an administrator renames the app.
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	app, err := st.Client(ctx, "demo-server-app")
	if err != nil {
		t.Fatal(err)
	}
	app.Name = "Renamed Demo App"
	if err := st.PutClient(ctx, app); err != nil {
		t.Fatal(err)
	}
	st.Close()

	second := start(t, "-db", db)
	if !strings.Contains(second.storage, "existing data kept") {
		t.Errorf("second run: %q, want the existing data kept", second.storage)
	}
	// The same browser (cookies do not depend on the port) comes back through the new
	// demo client.
	p = fetch(t, c, http.MethodGet, second.demo, nil, "")
	if strings.Contains(p, `name="password"`) || strings.Contains(p, `name="decision"`) {
		t.Errorf("after a restart the person had to sign in or consent again:\n%s", p)
	}
	tokens(t, p) // the remembered grant and session led straight to new tokens
	if got := refreshAt(t, second.issuer, refresh); got != http.StatusOK {
		t.Errorf("refresh token issued before the restart: status %d, want 200", got)
	}
	second.stop()

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if app, err := st.Client(ctx, "demo-server-app"); err != nil || app.Name != "Renamed Demo App" {
		t.Errorf("after the restart the client is %q (%v): the demo data was loaded over it", app.Name, err)
	}
	cfg, _ := parseConfig(demoConfig)
	key, _ := cfg.hashKey()
	h, _ := credentials.NewHasher(key)
	if _, err := st.Token(ctx, h.Hash(access), time.Now()); err != nil {
		t.Errorf("access token issued before the restart: %v", err)
	}
}

// TestStorageFlag: every form of -db starts a working server; a bad one fails without
// echoing the DSN.
func TestStorageFlag(t *testing.T) {
	dbs := map[string]func(t *testing.T) string{
		"memory":        func(*testing.T) string { return "memory" },
		"sqlite-memory": func(*testing.T) string { return "sqlite::memory:" },
		"sqlite-file":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "x.db") },
		"postgres":      postgresTestDSN,
	}
	for name, dsn := range dbs {
		t.Run(name, func(t *testing.T) {
			db := dsn(t)
			in := start(t, "-db", db)
			if !strings.Contains(in.storage, "demo data loaded") {
				t.Errorf("%s: %q", db, in.storage)
			}
			if strings.Contains(in.storage, "secret-password") {
				t.Errorf("the welcome shows the database password: %q", in.storage)
			}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			p := fetch(t, c, http.MethodGet, in.demo, nil, "")
			p = submit(t, c, in.issuer, p, url.Values{"email": {"agent@example.com"}, "password": {"agent-pass-123"}})
			p = submit(t, c, in.issuer, p, url.Values{"decision": {"allow"}})
			tokens(t, p)
		})
	}
	err := run(context.Background(), []string{"-db", "mysql://u:hunter2@h/db", "-addr", "127.0.0.1:0", "-demo-client", ""}, strings.NewReader(""), io.Discard)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("run with an unsupported -db = %v, want an error without the DSN", err)
	}
}

// postgresTestDSN returns a DSN of a new schema (dropped when t ends) of the test
// PostgreSQL database, with a dummy password to prove it is never printed; it skips t when
// OAUTHKIT_TEST_POSTGRES_DSN is unset (fails it under CI=true).
func postgresTestDSN(t *testing.T) string {
	base := os.Getenv("OAUTHKIT_TEST_POSTGRES_DSN")
	if base == "" {
		testenv.Skip(t, "PostgreSQL", "set OAUTHKIT_TEST_POSTGRES_DSN, e.g. OAUTHKIT_TEST_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' go test ./examples/server")
	}
	admin, err := sql.Open("pgx", base) // registered by sqlstore/postgres
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "oauthkit_test_server_" + strings.ReplaceAll(credentials.NewID(), "-", "")
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	u.User = url.UserPassword(u.User.Username(), "secret-password") // trust auth ignores it
	return u.String()
}
