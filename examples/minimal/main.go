// Command minimal is the shortest correct embedding of oauthkit: an authorization server
// with one client and one account, and one API route protected by its tokens, in one
// net/http program. The wiring, the body of wire, is 15 lines; examples/embed shows the
// same inside an application with its own users, sessions and router.
//
//	go run ./examples/minimal
//
// It listens on 127.0.0.1:8080 and prints the client's credentials. Sign in as
// ann@example.com with the password it prints.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store/credentials"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key) // a new key each run: keep yours (32+ random bytes) out of the database
	password := rand.Text()
	h, app := wire("http://"+ln.Addr().String(), key, "http://127.0.0.1:9999/callback", password)
	fmt.Printf("authorization server on http://%s\nclient %s, secret %s, redirect URI http://127.0.0.1:9999/callback\nsign in as ann@example.com / %s\n",
		ln.Addr(), app.ID, app.Secret, password)
	log.Fatal(http.Serve(ln, h))
}

// client is what the app's developer is told, once.
type client struct{ ID, Secret string }

// wire returns the handler of an authorization server at issuer with one client
// (redirecting to redirect) and one account (ann@example.com with password), and GET
// /api/notes behind its tokens.
func wire(issuer string, key []byte, redirect, password string) (http.Handler, client) {
	// --- the wiring ---
	ctx, st := context.Background(), memstore.New() // or sqlstore/sqlite, sqlstore/postgres
	hasher := must(credentials.NewHasher(key))
	cat := must(scopes.NewCatalog([]scopes.Scope{{Name: "notes:ro", Description: "Read your notes"}}, nil))
	passwords := must(signin.New(signin.Config{Storage: st}))
	srv := must(flows.New(flows.Config{Issuer: issuer, Storage: st, Hasher: hasher, Scopes: cat, Authenticator: passwords}))
	app, secret, err := srv.NewClient(flows.ClientSpec{ID: "notes-app", RedirectURIs: []string{redirect}, Scopes: []string{"notes:ro"}})
	check(err)
	check(st.PutClient(ctx, app))
	check(st.PutAccount(ctx, must(srv.NewAccount(flows.AccountSpec{Login: "ann@example.com", Password: password}))))
	local := must(middleware.NewLocal(st, hasher, middleware.LocalOptions{}))
	authn := middleware.Authenticate(local, middleware.Options{})
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.Handle("GET /api/notes", authn(middleware.RequireScopes(cat, "notes:ro")(http.HandlerFunc(notes))))
	return mux, client{app.ID, secret}
	// --- end of the wiring ---
}

// notes is the protected API: it knows who is calling from the token.
func notes(w http.ResponseWriter, r *http.Request) {
	tok, _ := middleware.TokenFromContext(r.Context())
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"account_id":%q,"notes":["buy milk"]}`+"\n", tok.AccountID)
}

// must and check stop the program on a setup error: setup runs once, at start.
func must[T any](v T, err error) T {
	check(err)
	return v
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
