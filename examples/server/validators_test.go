package main

import (
	"context"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/oauthkit/oauthkit/middleware"
)

// demoAccessToken signs the demo agent in through the demo app and returns the access
// token the app received.
func demoAccessToken(t *testing.T, w welcome) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	p := fetch(t, c, http.MethodGet, w.demo, nil, "")
	p = submit(t, c, w.issuer, p, url.Values{"email": {"agent@example.com"}, "password": {"agent-pass-123"}})
	p = submit(t, c, w.issuer, p, url.Values{"decision": {"allow"}})
	m := regexp.MustCompile(`access_token:\s+(\S+)`).FindStringSubmatch(p)
	if m == nil {
		t.Fatalf("the demo app shows no access token:\n%s", p)
	}
	return html.UnescapeString(m[1])
}

// TestResourceValidatorsAgainstServer (issue 4, examples): the three ways examples/resource
// protects its API all accept a token of this server — local validation (the server's own
// /v3 routes over the same storage), remote RFC 7662 introspection, and JWT via the JWKS —
// and all see a revocation except signature-only JWT validation, as documented.
func TestResourceValidatorsAgainstServer(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "jwt.json")
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", "memory", "-jwt-key", keyFile)
	if b, err := os.ReadFile(keyFile); err != nil || len(b) == 0 {
		t.Fatalf("-jwt-key did not create the key file: %v", err)
	}
	at := demoAccessToken(t, w)
	ctx := context.Background()

	introspect, err := middleware.NewIntrospection(w.issuer+"/introspect", middleware.IntrospectionOptions{
		ClientID: "demo-server-app", ClientSecret: "demo-server-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := middleware.NewJWT(middleware.JWTOptions{Issuer: w.issuer, Audience: w.issuer, JWKSURL: w.issuer + "/.well-known/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]middleware.Validator{"introspection": introspect, "jwt": jwt} {
		info, err := v.Validate(ctx, middleware.Credential{Token: at})
		if err != nil || info.AccountID != "6f1f7c52-3d7e-4a8e-9d43-1c2b8f0e5a11" || info.OrganizationID != "org-demo" {
			t.Fatalf("%s: %+v, %v", name, info, err)
		}
	}
	if status := apiCall(t, w.issuer, http.MethodGet, "/v3/agent/chats", at); status != http.StatusOK {
		t.Fatalf("local validation on /v3/agent/chats: %d", status)
	}

	if status := apiCall(t, w.issuer, http.MethodDelete, "/v2/token", at); status != http.StatusOK {
		t.Fatalf("revocation: %d", status)
	}
	if _, err := introspect.Validate(ctx, middleware.Credential{Token: at}); err == nil {
		t.Error("introspection still accepts a revoked token")
	}
	if status := apiCall(t, w.issuer, http.MethodGet, "/v3/agent/chats", at); status != http.StatusUnauthorized {
		t.Errorf("local validation after revocation: %d, want 401", status)
	}
	if _, err := jwt.Validate(ctx, middleware.Credential{Token: at}); err != nil {
		t.Errorf("signature-only JWT validation refused a revoked token (%v); the README says it cannot see revocations", err)
	}
}
