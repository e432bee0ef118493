package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/middleware"
)

// clientCredentialsToken asks the server for a client_credentials token of client.
func clientCredentialsToken(t *testing.T, issuer, client, secret, scope string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, issuer+"/v2/token", strings.NewReader(url.Values{
		"grant_type": {"client_credentials"}, "scope": {scope},
	}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		t.Fatalf("client_credentials for %s: %d (%v)", client, resp.StatusCode, err)
	}
	return body.AccessToken
}

// apiPost sends POST path with a Bearer token and a JSON body and returns the status and
// the body's "error".
func apiPost(t *testing.T, base, path, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct{ Error string }
	_ = json.NewDecoder(resp.Body).Decode(&b)
	return resp.StatusCode, b.Error
}

// TestClientCredentialsTokenOnAgentAPI: a client_credentials token acts for no account, so
// the demo API's agent routes refuse it, with opaque and with JWT access tokens, for a
// marketplace client (no organization) and a private one; introspection and JWT
// validation of the server's own answers report it as a client token (R-TOKEN-6, R-CUST-2).
func TestClientCredentialsTokenOnAgentAPI(t *testing.T) {
	for _, mode := range []string{"opaque", "jwt"} {
		t.Run(mode, func(t *testing.T) {
			args := []string{"-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", "memory", "-client-credentials"}
			if mode == "jwt" {
				args = append(args, "-jwt-key", filepath.Join(t.TempDir(), "jwt.json"))
			}
			w := startServer(t, args...)
			introspect, err := middleware.NewIntrospection(w.issuer+"/introspect", middleware.IntrospectionOptions{
				ClientID: "demo-server-app", ClientSecret: "demo-server-secret",
			})
			if err != nil {
				t.Fatal(err)
			}
			validators := map[string]middleware.Validator{"introspection": introspect}
			if mode == "jwt" {
				j, err := middleware.NewJWT(middleware.JWTOptions{Issuer: w.issuer, Audience: w.issuer, JWKSURL: w.issuer + "/.well-known/jwks.json"})
				if err != nil {
					t.Fatal(err)
				}
				validators["jwt"] = j
			}
			for client, secret := range map[string]string{"demo-server-app": "demo-server-secret", "demo-private-app": "demo-private-secret"} {
				tok := clientCredentialsToken(t, w.issuer, client, secret, "chats--all:rw chats--all:ro")
				for name, v := range validators {
					info, err := v.Validate(context.Background(), middleware.Credential{Token: tok})
					if err != nil || info.Kind != middleware.KindClient || info.AccountID != "" {
						t.Errorf("%s: %s: %+v, %v; want a client token", client, name, info, err)
					}
				}
				if status, code := apiPost(t, w.issuer, "/v3/agent/chats", tok, `{"title":"shared"}`); status != http.StatusUnauthorized || code != "invalid_token" {
					t.Errorf("%s: POST /v3/agent/chats: %d %q, want 401 invalid_token", client, status, code)
				}
				if status := apiCall(t, w.issuer, http.MethodGet, "/v3/agent/chats", tok); status != http.StatusUnauthorized {
					t.Errorf("%s: GET /v3/agent/chats: %d, want 401", client, status)
				}
			}
		})
	}
}
