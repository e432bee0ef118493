package flows_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Mounting the authorization server in an existing program: this is the README's snippet.
func Example() {
	catalog, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro", Description: "Read your chats"},
		{Name: "chats--all:rw", Description: "Read and write every chat"},
		{Name: "agents--all:rw", Description: "Manage agents", AdminOnly: true},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	hasher, err := credentials.NewHasher([]byte(strings.Repeat("k", 32))) // load 32+ random bytes from your secret store
	if err != nil {
		log.Fatal(err)
	}
	st := memstore.New()                                     // or your own store.Storage, proven by storetest.Run
	passwords, err := signin.New(signin.Config{Storage: st}) // or your own flows.Authenticator
	if err != nil {
		log.Fatal(err)
	}
	srv, err := flows.New(flows.Config{
		Issuer:        "https://auth.example.com",
		Storage:       st,
		Hasher:        hasher,
		Scopes:        catalog,
		Authenticator: passwords,
	})
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler()) // every endpoint at the default paths: /, /v2/token, /login, ...
	// Or mount single handlers wherever you like:
	mux.Handle("POST /oauth/token", srv.TokenHandler(srv.AuthorizationCodeGrant(), srv.RefreshTokenGrant()))

	// A token request without a grant type, to show the handlers are live.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Cache-Control"), strings.TrimSpace(rec.Body.String()))
	// Output: 400 no-store {"error":"invalid_request","error_description":"grant_type is missing"}
}
