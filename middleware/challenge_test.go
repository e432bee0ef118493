package middleware

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// TestChallengesCarryResourceMetadata: with Options.ResourceMetadata, every Bearer
// challenge, of Authenticate and of the middleware after it, points at the metadata
// (RFC 9728 §5.1; the MCP authorization specification requires it on 401), through real
// HTTP.
func TestChallengesCarryResourceMetadata(t *testing.T) {
	const meta = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
	const rm = `, resource_metadata="` + meta + `"`
	clock := newClock()
	cat := chatCatalog(t)
	authn := Authenticate(fakeValidator(clock), Options{Realm: "test", Now: clock.Now, Logger: discardLog,
		Kinds:            []store.TokenKind{store.KindAccess, store.KindCustomer},
		ResourceMetadata: meta})
	mux := http.NewServeMux()
	mux.Handle("/open", authn(okHandler))
	mux.Handle("/scoped", authn(RequireScopes(cat, "customers:own", "chats--my:ro")(okHandler)))
	mux.Handle("/agents", authn(AgentOnly(okHandler)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for _, tt := range []struct {
		name, path, authorization string
		code                      int
		challenge                 string
	}{
		{"no token", "/open", "", 401, `Bearer realm="test"` + rm},
		{"malformed", "/open", "Bearer a b", 400,
			`Bearer realm="test", error="invalid_request", error_description="the bearer token is malformed"` + rm},
		{"invalid token", "/open", "Bearer nope", 401, chInvalid + rm},
		{"valid", "/open", "Bearer good", 200, ""},
		{"insufficient scope", "/scoped", "Bearer good", 403,
			`Bearer realm="test", error="insufficient_scope", error_description="the access token lacks a required scope", scope="chats--my:ro customers:own"` + rm},
		{"wrong kind after Authenticate", "/agents", "Bearer cust", 401, chKind + rm},
		{"unavailable takes no challenge", "/open", "Bearer down", 503, ""},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		if tt.authorization != "" {
			req.Header.Set("Authorization", tt.authorization)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code || resp.Header.Get("WWW-Authenticate") != tt.challenge {
			t.Errorf("%s: %d %q, want %d %q", tt.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tt.code, tt.challenge)
		}
	}
}

// TestChallengesWithoutResourceMetadata: without the option nothing changes.
func TestChallengesWithoutResourceMetadata(t *testing.T) {
	clock := newClock()
	h := Authenticate(fakeValidator(clock), Options{Realm: "test", Now: clock.Now})(
		RequireScopes(nil, "x:rw")(okHandler))
	for auth, want := range map[string]string{
		"":            chMissing,
		"Bearer nope": chInvalid,
		"Bearer good": `Bearer realm="test", error="insufficient_scope", error_description="the access token lacks a required scope", scope="x:rw"`,
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("WWW-Authenticate"); got != want || strings.Contains(got, "resource_metadata") {
			t.Errorf("%q: %q, want %q", auth, got, want)
		}
	}
}

// TestAuthenticateResourceOptionsChecked: a Resource that is not canonical, or a metadata
// URL that is not one, fails at construction.
func TestAuthenticateResourceOptionsChecked(t *testing.T) {
	v := fakeValidator(newClock())
	for name, opts := range map[string]Options{
		"resource not canonical":  {Resource: "https://MCP.example.com/mcp"},
		"resource trailing root":  {Resource: "https://mcp.example.com/"},
		"resource with fragment":  {Resource: "https://mcp.example.com/mcp#x"},
		"resource relative":       {Resource: "/mcp"},
		"metadata with quote":     {ResourceMetadata: `https://x/"`},
		"metadata with fragment":  {ResourceMetadata: "https://x/#a"},
		"metadata not absolute":   {ResourceMetadata: "/.well-known/oauth-protected-resource"},
		"metadata with backslash": {ResourceMetadata: `https://x/\`},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			Authenticate(v, opts)
		})
	}
	// Canonical ones are fine.
	Authenticate(v, Options{Resource: "https://mcp.example.com", ResourceMetadata: "https://mcp.example.com/.well-known/oauth-protected-resource"})
}

// TestTokenFromContextCopiesAudience: a handler that writes to the audience it got does
// not change the token the next request sees (a Cache shares its entry's Info).
func TestTokenFromContextCopiesAudience(t *testing.T) {
	clock := newClock()
	back := ValidatorFunc(func(context.Context, Credential) (Info, error) {
		return Info{ID: "x", Kind: store.KindAccess, AccountID: testAccount, Scopes: scopes.New("a:ro"),
			Audience: []string{testResource}, ExpiresAt: clock.Now().Add(time.Hour)}, nil
	})
	c := Cached(back, CacheOptions{Now: clock.Now})
	defer c.Close()
	var seen []string
	h := Authenticate(c, Options{Now: clock.Now, Resource: testResource})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := TokenFromContext(r.Context())
		seen = append(seen, info.Audience[0])
		info.Audience[0] = "https://evil.example.com"
	}))
	for range 2 {
		if code := serve(h, "Bearer t"); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	if len(seen) != 2 || seen[1] != testResource {
		t.Fatalf("the handlers saw %q", seen)
	}
}
