package main

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The demo accounts.
const (
	agentID    = "6f1f7c52-3d7e-4a8e-9d43-1c2b8f0e5a11"
	agentLogin = "agent@example.com"
	adminLogin = "admin@example.com"
)

// TestDemoConsole is the README's console walk-through: a person opens /console/apps,
// signs in with a demo account, registers an app, and sees its secret once; the app then
// authenticates at the token endpoint. The demo app's page links to the console.
func TestDemoConsole(t *testing.T) {
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", "memory", "-client-credentials")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}

	p, _ := browse(t, c, http.MethodGet, w.issuer+"/console/apps", nil, "")
	if !strings.Contains(p, `name="password"`) {
		t.Fatalf("/console/apps did not ask to sign in:\n%s", p)
	}
	p = submit(t, c, w.issuer, p, url.Values{"email": {agentLogin}, "password": {"agent-pass-123"}})
	if !strings.Contains(p, "<title>Your apps · Developer console</title>") || !strings.Contains(p, "You have no apps yet") {
		t.Fatalf("after signing in, no list of apps:\n%s", p)
	}

	p, _ = browse(t, c, http.MethodGet, w.issuer+"/console/apps/new", nil, "")
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(p)
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(p)
	if action == nil || csrf == nil {
		t.Fatalf("no registration form:\n%s", p)
	}
	form := url.Values{
		"csrf_token": {html.UnescapeString(csrf[1])}, "name": {"My first app"}, "type": {"confidential"},
		"redirect_uris": {"https://app.example.com/callback"}, "scopes": {"chats--my:ro", "chats--all:ro"},
	}
	p, at := browse(t, c, http.MethodPost, w.issuer+html.UnescapeString(action[1]), strings.NewReader(form.Encode()), w.issuer)
	id, ok := strings.CutPrefix(at.Path, "/console/apps/")
	secret := regexp.MustCompile(`id="client-secret" readonly value="([^"]+)"`).FindStringSubmatch(p)
	if !ok || secret == nil {
		t.Fatalf("the registration ended at %s, without the secret:\n%s", at, p)
	}
	if status := clientCredentials(t, w.issuer, id, html.UnescapeString(secret[1])); status != http.StatusOK {
		t.Errorf("the registered app at the token endpoint: %d", status)
	}
	if p, _ = browse(t, c, http.MethodGet, at.String(), nil, ""); strings.Contains(p, html.UnescapeString(secret[1])) {
		t.Error("the app's page shows its secret a second time")
	}
	if p, _ = browse(t, c, http.MethodGet, w.issuer+"/console/", nil, ""); !strings.Contains(p, "My first app") || !strings.Contains(p, id) {
		t.Errorf("/console/ does not list the new app:\n%s", p)
	}

	// The demo app's page, once it has its tokens, links to the console.
	p, _ = browse(t, c, http.MethodGet, w.demo, nil, "")
	p = submit(t, c, w.issuer, p, url.Values{"decision": {"allow"}})
	if !strings.Contains(p, "access_token:  oak:at_") || !strings.Contains(p, `href="`+w.issuer+`/console/"`) {
		t.Errorf("the demo app's page has no link to the console:\n%s", p)
	}
}

// browse sends a request as a browser would (an Origin on a form's POST) and returns the
// page it ends at, after redirects, and its URL.
func browse(t *testing.T, c *http.Client, method, u string, body io.Reader, origin string) (string, *url.URL) {
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
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d\n%s", method, u, resp.StatusCode, b)
	}
	return string(b), resp.Request.URL
}

// clientCredentials asks the token endpoint for a client_credentials token and returns the
// status.
func clientCredentials(t *testing.T, issuer, id, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, issuer+"/v2/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
