package clientmeta_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
)

// An authorization endpoint that meets an unknown client_id which is a client ID URL
// resolves it, checks the redirect URI against the document, and shows the consent page
// with the name, the hostname and a warning for a loopback-only client.
func Example() {
	// The client's own site, serving its metadata document.
	site := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=3600")
		fmt.Fprintf(w, `{"client_id":"https://%s/client.json","client_name":"Example MCP Client",
			"redirect_uris":["http://127.0.0.1/callback"],"grant_types":["authorization_code","refresh_token"],
			"token_endpoint_auth_method":"none"}`, r.Host)
	}))
	defer site.Close()

	// AllowPrivate only because this example's site is on loopback: never in production.
	res, err := clientmeta.New(clientmeta.Options{HTTPClient: site.Client(), AllowPrivate: true})
	if err != nil {
		panic(err)
	}
	clientID := site.URL + "/client.json"
	if !clientmeta.IsClientIDURL(clientID) {
		return // look the client up in storage as usual
	}
	doc, err := res.Resolve(context.Background(), clientID)
	if err != nil {
		var e *clientmeta.Error
		if errors.As(err, &e) {
			fmt.Println("error page:", e.Description)
		}
		return
	}
	fmt.Println("name:", doc.Name)
	fmt.Println("host:", doc.Hostname)
	fmt.Println("loopback only:", doc.LoopbackOnly)
	fmt.Println("refresh tokens:", doc.RefreshTokens())
	fmt.Println("redirect ok:", doc.MatchRedirect("http://127.0.0.1:49152/callback") == nil)
	fmt.Println("client:", strings.HasPrefix(doc.Client().ID, "https://"), doc.Client().Public)
	// Output:
	// name: Example MCP Client
	// host: 127.0.0.1
	// loopback only: true
	// refresh tokens: true
	// redirect ok: true
	// client: true true
}
