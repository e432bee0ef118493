package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// TestDemoPersonalTokens: the README's personal-token commands work with the demo app's
// token (the demo app is the server's console app), and a PAT cannot manage PATs itself.
// The demo client listens on a random port here, so this also proves that the demo apps
// accept its actual callback although a confidential client's port must match exactly.
func TestDemoPersonalTokens(t *testing.T) {
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", "memory")
	at := demoAccessToken(t, w)

	req, _ := http.NewRequest(http.MethodPost, w.issuer+"/v2/personal_access_tokens",
		strings.NewReader(`{"name":"ci","scopes":["chats--my:ro"]}`))
	req.Header.Set("Authorization", "Bearer "+at)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var pat struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &pat) != nil || pat.Token == "" {
		t.Fatalf("creating a PAT with the demo app's token: %d %s", resp.StatusCode, body)
	}
	if status := apiCall(t, w.issuer, http.MethodGet, "/v2/personal_access_tokens", at); status != http.StatusOK {
		t.Errorf("listing PATs: %d", status)
	}
	if status := apiCall(t, w.issuer, http.MethodGet, "/v2/personal_access_tokens", pat.Token); status != http.StatusUnauthorized {
		t.Errorf("a PAT listing PATs: %d, want 401", status)
	}
	if status := apiCall(t, w.issuer, http.MethodDelete, "/v2/personal_access_tokens/"+pat.ID, at); status != http.StatusNoContent {
		t.Errorf("revoking the PAT: %d, want 204", status)
	}
}

// TestDemoStartAgain: a person clicking the demo app's "Start again" a handful of times in a
// row is not taken for a redirect loop.
func TestDemoStartAgain(t *testing.T) {
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", "memory")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	p := fetch(t, c, http.MethodGet, w.demo, nil, "")
	p = submit(t, c, w.issuer, p, url.Values{"email": {"agent@example.com"}, "password": {"agent-pass-123"}})
	p = submit(t, c, w.issuer, p, url.Values{"decision": {"allow"}})
	for i := range 6 {
		if !strings.Contains(p, "access_token:  oak:at_") {
			t.Fatalf("start #%d: the demo app shows no token:\n%s", i+1, p)
		}
		p = fetch(t, c, http.MethodGet, w.demo, nil, "") // consent is remembered now
	}
}
