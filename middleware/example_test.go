package middleware_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// An API in the same process as the authorization server: the local validator reads the
// server's storage, a cache sits in front, and revocations reach the cache at once.
func Example() {
	st := memstore.New() // the flows.Server's Storage
	// The flows.Config.Hasher: the server and the validator share it.
	hasher, err := credentials.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		log.Fatal(err)
	}

	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro"}}, nil) // the flows.Config.Scopes
	if err != nil {
		log.Fatal(err)
	}
	// Accounts and Catalog: personal access tokens are accepted only while their account
	// exists, with administrator-only scopes only while it is an administrator.
	local, err := middleware.NewLocal(st, hasher, middleware.LocalOptions{Accounts: st, Catalog: cat})
	if err != nil {
		log.Fatal(err)
	}
	cache := middleware.Cached(local, middleware.CacheOptions{MaxAge: time.Minute})
	defer cache.Close()
	cache.SubscribeTo(st) // revocations through this process are seen immediately

	authn := middleware.Authenticate(cache, middleware.Options{
		Realm: "chat-api",
		Kinds: []store.TokenKind{store.KindAccess, store.KindPersonal, store.KindCustomer},
	})
	chats := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := middleware.TokenFromContext(r.Context())
		fmt.Fprintf(w, "chats of account %s in organization %s\n", tok.AccountID, tok.OrganizationID)
	})
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := middleware.TokenFromContext(r.Context())
		fmt.Fprintf(w, "customer %s\n", tok.CustomerID)
	})

	mux := http.NewServeMux()
	mux.Handle("GET /v3/agent/chats",
		authn(middleware.AgentOnly(middleware.RequireScopes(cat, "chats--my:ro")(chats))))
	mux.Handle("GET /v3/customer/me", authn(middleware.CustomerOnly(me)))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/v3/agent/chats", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output: 401 Bearer realm="chat-api"
}

// A resource server in another process asks the authorization server (RFC 7662).
func ExampleNewIntrospection() {
	in, err := middleware.NewIntrospection("https://auth.example.com/introspect", middleware.IntrospectionOptions{
		ClientID:     "chat-api",
		ClientSecret: "secret from the environment",
		Timeout:      2 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	cache := middleware.Cached(in, middleware.CacheOptions{MaxAge: 30 * time.Second})
	defer cache.Close()
	_ = middleware.Authenticate(cache, middleware.Options{Realm: "chat-api"})
}

// A resource server verifies RFC 9068 JWT access tokens with the issuer's JWKS.
func ExampleNewJWT() {
	j, err := middleware.NewJWT(middleware.JWTOptions{
		Issuer:   "https://auth.example.com",
		Audience: "https://api.example.com",
		JWKSURL:  "https://auth.example.com/.well-known/jwks.json",
	})
	if err != nil {
		log.Fatal(err)
	}
	cache := middleware.Cached(j, middleware.CacheOptions{})
	defer cache.Close()
	_ = middleware.Authenticate(cache, middleware.Options{Realm: "chat-api"})
}

// An MCP server (a resource server at https://mcp.example.com/mcp): it accepts only tokens
// issued for it (RFC 8707), and every challenge names its RFC 9728 metadata, where MCP
// clients find the authorization server.
func ExampleNewMetadataHandler() {
	const resource = "https://mcp.example.com/mcp"
	meta, err := middleware.NewMetadataHandler(middleware.ResourceMetadata{
		Resource:             resource,
		AuthorizationServers: []string{"https://auth.example.com"},
		ScopesSupported:      []string{"mcp:tools"},
	})
	if err != nil {
		log.Fatal(err)
	}
	jwts, err := middleware.NewJWT(middleware.JWTOptions{Issuer: "https://auth.example.com",
		Audience: resource, JWKSURL: "https://auth.example.com/.well-known/jwks.json"})
	if err != nil {
		log.Fatal(err)
	}
	authn := middleware.Authenticate(jwts, middleware.Options{Resource: resource, ResourceMetadata: meta.URL()})
	mcp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "MCP") })

	mux := http.NewServeMux()
	mux.Handle(meta.Path(), meta) // /.well-known/oauth-protected-resource/mcp
	mux.Handle("/mcp", authn(middleware.RequireScopes(nil, "mcp:tools")(mcp)))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/mcp", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/oauth-protected-resource/mcp", nil))
	fmt.Print(rec.Body)
	// Output:
	// 401 Bearer realm="oauthkit", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
	// {"resource":"https://mcp.example.com/mcp","authorization_servers":["https://auth.example.com"],"scopes_supported":["mcp:tools"],"bearer_methods_supported":["header"]}
}
