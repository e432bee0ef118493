package registration_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// newServer starts an authorization server on loopback with reg as its registration.
func newServer(st *memstore.Store, hasher *credentials.Hasher, reg *registration.Registrar) *httptest.Server {
	ts := httptest.NewUnstartedServer(nil)
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "notes:ro", Description: "Read your notes"}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := flows.New(flows.Config{
		Issuer: "http://" + ts.Listener.Addr().String(), Storage: st, Hasher: hasher, Scopes: cat,
		Authenticator: signedIn{st}, Registration: reg,
	})
	if err != nil {
		log.Fatal(err)
	}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	return ts
}

const mcpRegistration = `{"client_name":"My MCP client","redirect_uris":["http://127.0.0.1:33418/callback"],
	"grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"none"}`

// Open registration, for a demo on loopback or a public MCP server: any client may
// register a public client, which then needs each person's consent.
func ExampleOpen() {
	st := memstore.New()
	hasher, _ := credentials.NewHasher([]byte("use 32 or more random bytes here"))
	reg, err := registration.New(registration.Config{Storage: st, Access: registration.Open()})
	if err != nil {
		log.Fatal(err)
	}
	ts := newServer(st, hasher, reg)
	defer ts.Close()

	resp, err := http.Post(ts.URL+"/register", "application/json", strings.NewReader(mcpRegistration))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 201 Created
}

// Registration for those who hold an initial access token, for production: make a token,
// give it to the developers you trust, and configure only its keyed hash.
func ExampleInitialAccessTokens() {
	st := memstore.New()
	hasher, _ := credentials.NewHasher([]byte("use 32 or more random bytes here"))
	token := credentials.NewSecret("iat_") // give this to a developer, once
	reg, err := registration.New(registration.Config{
		Storage: st,
		Access:  registration.InitialAccessTokens(hasher.Hash(token)),
	})
	if err != nil {
		log.Fatal(err)
	}
	ts := newServer(st, hasher, reg)
	defer ts.Close()

	for _, auth := range []string{"", "Bearer " + token} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/register", strings.NewReader(mcpRegistration))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// 401 Unauthorized
	// 201 Created
}
