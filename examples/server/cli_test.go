package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// The operator's commands, run in process as `go run ./examples/server COMMAND` runs them.

// runCmd runs the command line args and returns its exit code, stdout and stderr.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = mainExit(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustRun runs args and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	return stdout, stderr
}

// demoDB returns the -db of a new SQLite file holding the demo data, as the server's
// first run leaves it.
func demoDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oauthkit.db")
	cfg, _, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := cfg.catalog()
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := seedOnce(ctx, cfg, st, cat, time.Now()); err != nil {
		t.Fatal(err)
	}
	return "sqlite:" + path
}

// TestCommandExitCodes: 0 for done, 1 for what could not be done, 2 for a bad command
// line; and nothing on stdout when it fails.
func TestCommandExitCodes(t *testing.T) {
	db := demoDB(t)
	missing := filepath.Join(t.TempDir(), "missing.db")
	for _, tc := range []struct {
		name string
		args []string
		want int
		msg  string // in stderr
	}{
		{"help", []string{"help"}, exitOK, ""},
		{"a command's -h", []string{"clients", "list", "-h"}, exitOK, "-as"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"group without command", []string{"clients"}, exitUsage, `unknown command "clients"`},
		{"unknown subcommand", []string{"keys", "lose"}, exitUsage, `unknown command "keys lose"`},
		{"unknown flag", []string{"clients", "list", "-db", db, "-nope"}, exitUsage, "-nope"},
		{"missing -as", []string{"clients", "list", "-db", db}, exitUsage, "-as is required"},
		{"memory", []string{"clients", "list", "-db", "memory", "-as", agentLogin}, exitUsage, "vanish"},
		{"sqlite in memory", []string{"housekeeping", "-db", "sqlite::memory:"}, exitUsage, "vanish"},
		{"missing argument", []string{"clients", "delete", "-db", db}, exitUsage, "missing argument: CLIENT_ID"},
		{"extra argument", []string{"clients", "delete", "-db", db, "a", "b"}, exitUsage, `unexpected argument "b"`},
		{"bad scopes", []string{"clients", "create", "-db", db, "-as", agentLogin, "-name", "x", "-redirect-uri", "https://x.example/cb", "-scopes", `"`}, exitUsage, "-scopes"},
		{"refused spec", []string{"clients", "create", "-db", db, "-as", agentLogin, "-name", "x", "-redirect-uri", "https://x.example/cb?q=1", "-scopes", "chats--my:ro"}, exitUsage, "-redirect-uri: Redirect URI 1 is not valid"},
		{"negative overlap", []string{"clients", "rotate-secret", "-db", db, "-overlap", "-1h", "x"}, exitUsage, "-overlap"},
		{"no -jwt-key", []string{"keys", "generate"}, exitUsage, "-jwt-key is required"},
		{"bad -alg", []string{"keys", "generate", "-jwt-key", filepath.Join(t.TempDir(), "k"), "-alg", "HS256"}, exitUsage, "-alg HS256"},
		{"no database file", []string{"clients", "list", "-db", "sqlite:" + missing, "-as", agentLogin}, exitFailure, "no SQLite database at " + missing},
		{"storage down", []string{"housekeeping", "-db", "postgres://oauthkit@127.0.0.1:1/oauthkit?sslmode=disable&connect_timeout=5"}, exitFailure, "connect"},
		{"unknown account", []string{"clients", "list", "-db", db, "-as", "nobody@example.com"}, exitFailure, `no account "nobody@example.com"`},
		{"unknown app", []string{"clients", "delete", "-db", db, "no-such-app"}, exitFailure, `no app "no-such-app"`},
		{"app not managed", []string{"clients", "delete", "-db", db, "-as", agentLogin, "demo-private-app"}, exitFailure, `no app "demo-private-app" that agent@example.com manages`},
		{"app of the config", []string{"clients", "rotate-secret", "-db", db, "demo-server-app"}, exitFailure, "has no owner"},
		{"ownerless private app", []string{"clients", "rotate-secret", "-db", db, "demo-private-app"}, exitFailure, "name an administrator of org-demo"},
		{"no key file", []string{"keys", "rotate", "-jwt-key", missing}, exitFailure, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tc.args...)
			if code != tc.want || !strings.Contains(stderr, tc.msg) {
				t.Fatalf("exit %d, want %d; stderr %q should say %q\nstdout: %s", code, tc.want, stderr, tc.msg, stdout)
			}
			if code != exitOK && stdout != "" {
				t.Errorf("a failed command printed on stdout: %q", stdout)
			}
		})
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a command made the database file it did not find (%v)", err)
	}
	if code, stdout, _ := runCmd(t, "help"); !strings.Contains(stdout, "clients rotate-secret") || code != exitOK {
		t.Errorf("help: exit %d, %q", code, stdout)
	}
	// The server itself: a word after its flags is no longer ignored.
	if code, _, stderr := runCmd(t, "-addr", "127.0.0.1:0", "-db", "memory", "clients"); code != exitFailure || !strings.Contains(stderr, `unexpected argument "clients"`) {
		t.Errorf("server with a stray argument: exit %d, %q", code, stderr)
	}
}

// TestCommandClients: create, list, rotate-secret and delete, with the console's rules:
// the app belongs to the account acting, secrets appear once and only on stdout.
func TestCommandClients(t *testing.T) {
	db := demoDB(t)
	stdout, stderr := mustRun(t, "clients", "create", "-db", db, "-as", agentLogin, "-name", "CI bot",
		"-redirect-uri", "https://ci.example.com/cb", "-redirect-uri", "http://127.0.0.1/cb,https://ci.example.com/other", "-scopes", "chats--my:ro chats--all:ro")
	m := regexp.MustCompile(`^client_id:\s+(\S+)\nclient_secret: (\S{43})\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("clients create printed %q", stdout)
	}
	id, secret := m[1], m[2]
	if strings.Contains(stderr, secret) || !strings.Contains(stderr, "shown only this once") {
		t.Errorf("stderr %q: the secret belongs on stdout only, with a warning on stderr", stderr)
	}
	assertSecret(t, db, id, secret)

	// -json, a public app: no secret.
	stdout, _ = mustRun(t, "clients", "create", "-db", db, "-as", agentLogin, "-name", "SPA", "-public",
		"-redirect-uri", "https://spa.example.com/cb", "-scopes", "chats--my:ro", "-json")
	var spa appJSON
	if err := json.Unmarshal([]byte(stdout), &spa); err != nil || spa.Type != "public" || spa.ClientSecret != "" || spa.OwnerID != agentID {
		t.Fatalf("clients create -public -json: %v %+v\n%s", err, spa, stdout)
	}

	// Only an administrator makes a private app; an agent's list does not show it.
	if code, _, stderr := runCmd(t, "clients", "create", "-db", db, "-as", agentLogin, "-name", "P", "-private",
		"-redirect-uri", "https://p.example.com/cb", "-scopes", "chats--my:ro"); code != exitUsage || !strings.Contains(stderr, "-private: Only an administrator") {
		t.Errorf("a private app by an agent: exit %d %q", code, stderr)
	}
	mustRun(t, "clients", "create", "-db", db, "-as", adminLogin, "-name", "Org tool", "-private",
		"-redirect-uri", "https://org.example.com/cb", "-scopes", "chats--all:rw")

	stdout, _ = mustRun(t, "clients", "list", "-db", db, "-as", agentID, "-json")
	var apps []appJSON
	if err := json.Unmarshal([]byte(stdout), &apps); err != nil {
		t.Fatal(err)
	}
	if len(apps) != 2 || apps[0].ClientID != id || apps[0].Name != "CI bot" || apps[1].ClientID != spa.ClientID {
		t.Fatalf("the agent's apps: %+v", apps)
	}
	if got := apps[0].RedirectURIs; len(got) != 3 || apps[0].ClientSecret != "" {
		t.Errorf("the listed app: redirect URIs %v, secret %q", got, apps[0].ClientSecret)
	}
	stdout, _ = mustRun(t, "clients", "list", "-db", db, "-as", adminLogin)
	if !strings.Contains(stdout, "Org tool") || !strings.Contains(stdout, "demo-private-app") || strings.Contains(stdout, "CI bot") {
		t.Errorf("the administrator's list:\n%s", stdout)
	}
	if !regexp.MustCompile(`(?m)^CLIENT_ID\s+TYPE\s+PRIVATE\s+NAME$`).MatchString(stdout) {
		t.Errorf("the list has no header:\n%s", stdout)
	}

	// Rotation, by default as the app's owner: with an overlap the old secret stays.
	stdout, stderr = mustRun(t, "clients", "rotate-secret", id, "-db", db, "-overlap", "1h", "-json")
	var rotated appJSON
	if err := json.Unmarshal([]byte(stdout), &rotated); err != nil || len(rotated.ClientSecret) != 43 || rotated.ClientSecret == secret ||
		rotated.PreviousSecretExpiresAt == nil || time.Until(*rotated.PreviousSecretExpiresAt) < 59*time.Minute {
		t.Fatalf("rotate-secret -overlap 1h -json: %v %+v", err, rotated)
	}
	if strings.Contains(stderr, rotated.ClientSecret) {
		t.Error("rotate-secret printed the new secret on stderr")
	}
	assertSecret(t, db, id, rotated.ClientSecret)
	stdout, stderr = mustRun(t, "clients", "rotate-secret", "-db", db, "-as", agentLogin, id)
	if !regexp.MustCompile(`^client_secret: \S{43}\n$`).MatchString(stdout) || !strings.Contains(stderr, "no longer works") {
		t.Errorf("rotate-secret: %q, %q", stdout, stderr)
	}
	if code, _, stderr := runCmd(t, "clients", "rotate-secret", "-db", db, spa.ClientID); code != exitFailure || !strings.Contains(stderr, "public app has no secret") {
		t.Errorf("rotating a public app's secret: exit %d %q", code, stderr)
	}

	// Deletion: only by someone who manages the app.
	if code, _, _ := runCmd(t, "clients", "delete", "-db", db, "-as", adminLogin, id); code != exitFailure {
		t.Errorf("the administrator deleted an agent's public-marketplace app: exit %d", code)
	}
	mustRun(t, "clients", "delete", "-db", db, id)
	stdout, _ = mustRun(t, "clients", "list", "-db", db, "-as", agentLogin)
	if strings.Contains(stdout, id) || !strings.Contains(stdout, "SPA") {
		t.Errorf("after the deletion:\n%s", stdout)
	}
}

// assertSecret checks that the app id stores the keyed hash of secret, under the key the
// server uses.
func assertSecret(t *testing.T, db, id, secret string) {
	t.Helper()
	_, key, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	h, err := credentials.NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Client(context.Background(), id)
	if err != nil || c.SecretHash != h.Hash(secret) {
		t.Fatalf("app %s: %v; its secret hash is not that of the printed secret", id, err)
	}
}

// TestCommandPersonalToken: tokens create-pat, within the account's rights.
func TestCommandPersonalToken(t *testing.T) {
	db := demoDB(t)
	stdout, stderr := mustRun(t, "tokens", "create-pat", "-db", db, "-as", agentLogin, "-name", "ci", "-scopes", "chats--my:ro")
	m := regexp.MustCompile(`^id:    \S+\ntoken: (oak:pat_\S+)\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("tokens create-pat printed %q", stdout)
	}
	if strings.Contains(stderr, m[1]) || !strings.Contains(stderr, "user name "+agentID) {
		t.Errorf("stderr %q: the token belongs on stdout only; the Basic user name on stderr", stderr)
	}
	stdout, _ = mustRun(t, "tokens", "create-pat", "-db", db, "-as", adminLogin, "-name", "admin", "-scopes", "agents--all:rw", "-json")
	var pat patJSON
	if err := json.Unmarshal([]byte(stdout), &pat); err != nil || !strings.HasPrefix(pat.Token, "oak:pat_") ||
		pat.AccountID != "0b7d3e9a-52c4-4f61-8a2e-7c9d1e4f6b22" || len(pat.Scopes) != 1 || pat.ExpiresAt.Before(time.Now().AddDate(0, 11, 0)) {
		t.Fatalf("tokens create-pat -json: %v %+v", err, pat)
	}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"administrator-only scope", []string{"-as", agentLogin, "-name", "x", "-scopes", "agents--all:rw"}, "scopes to choose from: chats--my:ro, chats--all:ro, chats--all:rw, customers:own\n"},
		{"the console's scope", []string{"-as", agentLogin, "-name", "x", "-scopes", "personal_tokens:manage"}, "-scopes: Choose scopes from the list."},
		{"no scope", []string{"-as", agentLogin, "-name", "x"}, "-scopes: Choose at least one scope."},
		{"no name", []string{"-as", agentLogin, "-scopes", "chats--my:ro"}, "-name: Enter a name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"tokens", "create-pat", "-db", db}, tc.args...)...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.msg) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.msg)
			}
		})
	}
}

// TestCommandMigrate: migrate makes the schema of a new database and reports its version.
func TestCommandMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	stdout, _ := mustRun(t, "migrate", "-db", "sqlite:"+path)
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.SchemaVersion(context.Background())
	if err != nil || v < 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	want := "schema version " + strconv.Itoa(v) + "\n"
	if stdout != want {
		t.Errorf("migrate printed %q, want %q", stdout, want)
	}
	stdout, _ = mustRun(t, "migrate", "-db", "sqlite:"+path, "-json")
	var got struct {
		SchemaVersion int `json:"schema_version"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.SchemaVersion != v {
		t.Errorf("migrate -json: %q (%v)", stdout, err)
	}
}

// TestCommandHousekeeping: housekeeping deletes what has expired, once, and says how much.
func TestCommandHousekeeping(t *testing.T) {
	db := demoDB(t)
	st, err := sqlite.Open(context.Background(), strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, exp := range []time.Time{now.Add(-time.Hour), now.Add(-time.Minute), now.Add(time.Hour)} {
		err := st.CreateSession(context.Background(), store.Session{
			Hash: store.Hash{byte(i + 1)}, AccountID: agentID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: exp,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if stdout, _ := mustRun(t, "housekeeping", "-db", db); stdout != "deleted 2 expired records\n" {
		t.Errorf("housekeeping printed %q", stdout)
	}
	if stdout, _ := mustRun(t, "housekeeping", "-db", db, "-json"); strings.Join(strings.Fields(stdout), "") != `{"deleted":0}` {
		t.Errorf("housekeeping -json printed %q", stdout)
	}
}

// TestCommandClientAtTheServer: what the commands make works at the running server: an
// app's secret at its token endpoint (client_credentials), through rotations with and
// without overlap, until the app is deleted; and a personal access token at its API.
func TestCommandClientAtTheServer(t *testing.T) {
	// A key of the deployment's own: the commands must take it where the server does.
	t.Setenv("OAUTHKIT_HASH_KEY", strings.Repeat("5a", 32))
	path := filepath.Join(t.TempDir(), "oauthkit.db")
	db := "sqlite:" + path
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", db, "-client-credentials")

	stdout, _ := mustRun(t, "clients", "create", "-db", db, "-as", adminLogin, "-name", "Reports",
		"-redirect-uri", "https://reports.example.com/cb", "-scopes", "chats--all:ro", "-json")
	var app appJSON
	if err := json.Unmarshal([]byte(stdout), &app); err != nil {
		t.Fatal(err)
	}
	first := app.ClientSecret
	if status := clientCredentials(t, w.issuer, app.ClientID, first); status != http.StatusOK {
		t.Fatalf("the new app at the token endpoint: %d", status)
	}

	stdout, _ = mustRun(t, "clients", "rotate-secret", "-db", db, "-overlap", "1h", "-json", app.ClientID)
	var rotated appJSON
	if err := json.Unmarshal([]byte(stdout), &rotated); err != nil {
		t.Fatal(err)
	}
	second := rotated.ClientSecret
	for name, secret := range map[string]string{"the previous secret, within the overlap": first, "the new secret": second} {
		if status := clientCredentials(t, w.issuer, app.ClientID, secret); status != http.StatusOK {
			t.Errorf("%s: %d", name, status)
		}
	}

	stdout, _ = mustRun(t, "clients", "rotate-secret", "-db", db, app.ClientID)
	third := strings.TrimSpace(strings.TrimPrefix(stdout, "client_secret:"))
	if status := clientCredentials(t, w.issuer, app.ClientID, second); status != http.StatusUnauthorized {
		t.Errorf("the previous secret after a rotation without overlap: %d, want 401", status)
	}
	if status := clientCredentials(t, w.issuer, app.ClientID, third); status != http.StatusOK {
		t.Errorf("the newest secret: %d", status)
	}

	stdout, _ = mustRun(t, "tokens", "create-pat", "-db", db, "-as", agentLogin, "-name", "ci", "-scopes", "chats--my:ro", "-json")
	var pat patJSON
	if err := json.Unmarshal([]byte(stdout), &pat); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, w.issuer+"/v3/agent/chats", nil)
	req.SetBasicAuth(pat.AccountID, pat.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the demo API with the personal access token: %d", resp.StatusCode)
	}

	mustRun(t, "clients", "delete", "-db", db, app.ClientID)
	if status := clientCredentials(t, w.issuer, app.ClientID, third); status != http.StatusUnauthorized {
		t.Errorf("a deleted app at the token endpoint: %d, want 401", status)
	}
}

// TestCommandReadmeExamples runs the README's example commands as they are written, in a
// directory holding the demo database where the server makes it (oauthkit.db).
func TestCommandReadmeExamples(t *testing.T) {
	_, self, _, _ := runtime.Caller(0) // TestMain runs the tests elsewhere than in the source tree
	readme, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "### Operating the demo server")
	_, block, _ := strings.Cut(section, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	block = strings.ReplaceAll(block, "\\\n", " ")
	var lines [][]string
	for _, l := range strings.Split(strings.TrimSpace(block), "\n") {
		words := shellWords(l)
		if len(words) < 3 || strings.Join(words[:3], " ") != "go run ./examples/server" {
			t.Fatalf("not a command of the server: %q", l)
		}
		lines = append(lines, words[3:])
	}
	if len(lines) != 2 {
		t.Fatalf("the README's examples: %q", lines)
	}
	db := demoDB(t)
	t.Chdir(filepath.Dir(strings.TrimPrefix(db, "sqlite:")))
	stdout, _ := mustRun(t, lines[0]...)
	var app appJSON
	if err := json.Unmarshal([]byte(stdout), &app); err != nil || app.ClientSecret == "" {
		t.Fatalf("the first example printed %q (%v)", stdout, err)
	}
	for i, w := range lines[1] {
		if w == "CLIENT_ID" {
			lines[1][i] = app.ClientID
		}
	}
	mustRun(t, lines[1]...)
}

// shellWords splits a command line into words as a shell does for the README's examples:
// at spaces, with double quotes grouping.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	quoted, in := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words, in = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}
