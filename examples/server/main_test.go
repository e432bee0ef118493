package main

import (
	"bufio"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// TestNewcomerWalkthrough is the README's first command as a test: start the example
// server, open the printed demo URL, sign in, approve the app, and see the real OAuth
// client (golang.org/x/oauth2) receive tokens.
func TestNewcomerWalkthrough(t *testing.T) {
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0")
	issuer, demo, authURL := w.issuer, w.demo, w.authURL

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	p := fetch(t, c, http.MethodGet, demo, nil, "")
	if !strings.Contains(p, `name="password"`) {
		t.Fatalf("the demo URL did not lead to the sign-in page:\n%s", p)
	}
	p = submit(t, c, issuer, p, url.Values{"email": {"agent@example.com"}, "password": {"agent-pass-123"}})
	if !strings.Contains(p, `name="decision"`) || !strings.Contains(p, "Demo Server App") {
		t.Fatalf("no consent page after sign-in:\n%s", p)
	}
	p = submit(t, c, issuer, p, url.Values{"decision": {"allow"}})
	for _, want := range []string{"access_token:  oak:at_", "refresh_token: oak:rt_", "6f1f7c52-3d7e-4a8e-9d43-1c2b8f0e5a11", "org-demo"} {
		if !strings.Contains(p, want) {
			t.Errorf("the demo client's page lacks %q:\n%s", want, p)
		}
	}

	// The by-hand path of the README: the printed authorization URL (consent is
	// remembered now), the code shown by the demo client, and the printed curl exchange.
	p = fetch(t, c, http.MethodGet, authURL, nil, "")
	m := regexp.MustCompile(`-d code=([A-Za-z0-9:_-]+)`).FindStringSubmatch(p)
	if m == nil {
		t.Fatalf("the demo client did not show the code:\n%s", p)
	}
	redirect := strings.TrimSuffix(demo, "/") + "/callback"
	form := url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {redirect}, "code": {html.UnescapeString(m[1])}}
	req, _ := http.NewRequest(http.MethodPost, issuer+"/v2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-server-app", "demo-server-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok["access_token"] == nil {
		t.Fatalf("curl exchange: %d %v %v\n%s", resp.StatusCode, tok, err, p)
	}

	// The demo API on the same origin accepts the token, and stops accepting it as soon as
	// it is revoked (the validation cache hears this process's revocations).
	at, _ := tok["access_token"].(string)
	if status := apiCall(t, issuer, http.MethodGet, "/v3/agent/chats", at); status != http.StatusOK {
		t.Fatalf("GET /v3/agent/chats: %d", status)
	}
	if status := apiCall(t, issuer, http.MethodGet, "/v3/customer/me", at); status != http.StatusUnauthorized {
		t.Fatalf("an agent token on the customer route: %d, want 401", status)
	}
	if status := apiCall(t, issuer, http.MethodDelete, "/v2/token", at); status != http.StatusOK {
		t.Fatalf("DELETE /v2/token: %d", status)
	}
	if status := apiCall(t, issuer, http.MethodGet, "/v3/agent/chats", at); status != http.StatusUnauthorized {
		t.Fatalf("GET /v3/agent/chats after revocation: %d, want 401", status)
	}
}

var (
	formRe   = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

func submit(t *testing.T, c *http.Client, origin, page string, fields url.Values) string {
	t.Helper()
	m := formRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form on page:\n%s", page)
	}
	form := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	return fetch(t, c, http.MethodPost, origin+html.UnescapeString(m[1]), strings.NewReader(form.Encode()), origin)
}

func fetch(t *testing.T, c *http.Client, method, u string, body io.Reader, origin string) string {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestDemoConfig keeps the README's demo credentials true: the embedded config's hashes
// match the documented passwords and secrets, and it holds no plaintext.
func TestDemoConfig(t *testing.T) {
	cfg, err := parseConfig(demoConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.Accounts {
		want := map[string]string{"agent@example.com": "agent-pass-123", "admin@example.com": "admin-pass-123"}[a.Login]
		if ok, err := credentials.VerifyPassword(want, a.PasswordHash); !ok || err != nil {
			t.Errorf("account %s: documented password does not verify (%v)", a.Login, err)
		}
	}
	key, err := cfg.hashKey()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := credentials.NewHasher(key)
	secretsByClient := map[string]string{"demo-server-app": "demo-server-secret", "demo-private-app": "demo-private-secret"}
	for _, c := range cfg.Clients {
		if c.Public {
			continue
		}
		got, err := store.ParseHash(c.SecretHash)
		if err != nil || got != h.Hash(secretsByClient[c.ID]) {
			t.Errorf("client %s: secret_hash does not match the documented secret", c.ID)
		}
	}
	for _, plain := range []string{"agent-pass-123", "admin-pass-123", "demo-server-secret", "demo-private-secret"} {
		if strings.Contains(string(demoConfig), plain) {
			t.Errorf("config.json contains the plaintext %q", plain)
		}
	}
}

// TestHashFlags: -hash-password and -hash-secret print what config.json needs.
func TestHashFlags(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-hash-password"}, strings.NewReader("s3cret\n"), &out); err != nil {
		t.Fatal(err)
	}
	if ok, err := credentials.VerifyPassword("s3cret", strings.TrimSpace(out.String())); !ok || err != nil {
		t.Fatalf("-hash-password printed %q (%v)", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"-hash-secret"}, strings.NewReader("demo-server-secret"), &out); err != nil {
		t.Fatal(err)
	}
	cfg, _ := parseConfig(demoConfig)
	if got := strings.TrimSpace(out.String()); got != cfg.Clients[0].SecretHash {
		t.Fatalf("-hash-secret printed %q, want the demo config's %q", got, cfg.Clients[0].SecretHash)
	}
}

// TestBadConfig: configuration mistakes fail at start, with the offending item named.
func TestBadConfig(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"unknown field", `{"hash_key":"00","nope":1}`, "nope"},
		{"short key", `{"hash_key":"00"}`, "hash_key"},
		{"bad redirect", `{"hash_key":"` + strings.Repeat("ab", 32) + `","clients":[{"id":"c","public":true,"redirect_uris":["https://x.example/cb?q=1"]}]}`, "redirect URI"},
		{"unknown scope", `{"hash_key":"` + strings.Repeat("ab", 32) + `","clients":[{"id":"c","public":true,"redirect_uris":["https://x.example/cb"],"scopes":["nope"]}]}`, "unknown scopes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := t.TempDir() + "/c.json"
			if err := writeFile(path, tc.json); err != nil {
				t.Fatal(err)
			}
			err := run(context.Background(), []string{"-config", path, "-addr", "127.0.0.1:0", "-demo-client", ""}, strings.NewReader(""), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

// apiCall sends method path with a Bearer token and returns the status.
func apiCall(t *testing.T, base, method, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// welcome is what the server printed on start.
type welcome struct{ issuer, demo, authURL string }

// startServer runs the example server with args until the test ends and returns what it
// printed.
func startServer(t *testing.T, args ...string) welcome {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, strings.NewReader(""), pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	lines := bufio.NewScanner(pr)
	var issuer, demo, authURL string
	for lines.Scan() {
		l := strings.TrimSpace(lines.Text())
		switch {
		case strings.HasPrefix(l, "oauthkit authorization server listening on "):
			issuer = strings.TrimPrefix(l, "oauthkit authorization server listening on ")
		case strings.HasPrefix(l, "Open the demo app"):
			lines.Scan()
			demo = strings.TrimSpace(lines.Text())
		case strings.HasPrefix(l, "Or start an authorization request by hand"):
			lines.Scan()
			authURL = strings.TrimSpace(lines.Text())
		}
		if strings.HasPrefix(l, "-d code=CODE") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if issuer == "" || demo == "" || !strings.HasPrefix(authURL, issuer+"/?") {
		t.Fatalf("welcome text incomplete: issuer %q, demo %q, auth URL %q", issuer, demo, authURL)
	}
	return welcome{issuer, demo, authURL}
}

// TestNewClientSecret: -new-client-secret prints a 256-bit secret and the hash that
// config.json needs for it.
func TestNewClientSecret(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-new-client-secret"}, strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`secret:\s+(\S+)\nsecret_hash: ([0-9a-f]{64})\n`).FindStringSubmatch(out.String())
	if m == nil || len(m[1]) != 43 {
		t.Fatalf("output %q", out.String())
	}
	var hashed strings.Builder
	if err := run(context.Background(), []string{"-hash-secret"}, strings.NewReader(m[1]), &hashed); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(hashed.String()) != m[2] {
		t.Fatalf("-hash-secret of the new secret = %q, want %q", hashed.String(), m[2])
	}
}

func TestLoopbackIssuer(t *testing.T) {
	for issuer, want := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://[::1]:8080": true, "http://localhost:8080": true,
		"https://auth.example.com": false, "http://10.0.0.5:8080": false,
	} {
		if got := loopbackIssuer(issuer); got != want {
			t.Errorf("loopbackIssuer(%q) = %v, want %v", issuer, got, want)
		}
	}
}
