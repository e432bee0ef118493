// Command embed is an existing web application that becomes an OAuth 2.1 authorization
// server for its own JSON API by mounting oauthkit, while keeping everything it had:
//
//   - its users table in its own SQLite database (users(id, email, password_hash, org_id,
//     roles)), read by oauthkit through a small store.Accounts over it;
//   - its own sign-in form and signed session cookie, which oauthkit asks who is signed in
//     through a flows.Authenticator (and sends people to when nobody is);
//   - its chi router, on which oauthkit is one handler mounted at /oauth;
//   - its JSON API (GET /api/me, GET /api/notes), now served to access tokens that
//     package middleware checks, scope by scope.
//
// oauthkit's own records (clients, codes, tokens, consent) live in its oauthkit_… tables,
// created beside the application's in the same database by sqlstore; it has no sessions
// and no sign-in pages of its own here. The whole wiring is the function mountOAuth in
// oauth.go.
//
//	go run ./examples/embed                    # a database in memory, on 127.0.0.1:8080
//	go run ./examples/embed -db notes.db       # kept in a file
//	go run ./examples/embed -addr 127.0.0.1:0  # any free port
//
// A run provisions a demo user (kept in the file) and a demo client (replaced with a new
// secret on every run), prints how to try them, and serves until interrupted. The keys
// that sign the session cookies and hash the stored tokens are new on every run, so a
// restart signs everybody out and invalidates the tokens issued before: a real application
// reads both from its secret store.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
)

// The demo's user and client.
const (
	demoEmail    = "ann@example.com"
	demoPassword = "notes-demo-pass"
	demoClientID = "notes-demo-client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// run starts the application on the address of args' -addr and serves until ctx is done.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on")
	dbPath := fs.String("db", ":memory:", "the application's SQLite database: its users and notes, and oauthkit's tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()

	// The application, as it was.
	app, err := openApp(ctx, *dbPath, base, newKey())
	if err != nil {
		return err
	}
	defer app.close()
	r := chi.NewRouter()
	app.routes(r)

	// Its new authorization server.
	o, err := mountOAuth(ctx, r, app, newKey())
	if err != nil {
		return err
	}
	defer o.close()

	secret, err := provisionDemo(ctx, app, o, base)
	if err != nil {
		return err
	}
	md := o.srv.Metadata()
	demo := demoClient{api: base, conf: &oauth2.Config{
		ClientID: demoClientID, ClientSecret: secret, RedirectURL: base + "/demo/callback",
		Scopes: []string{"profile:ro", "notes:ro"},
		Endpoint: oauth2.Endpoint{AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint,
			AuthStyle: oauth2.AuthStyleInHeader},
	}}
	r.Get("/demo", demo.start)
	r.Get("/demo/callback", demo.callback)

	fmt.Fprintf(out, `Notes (an app with oauthkit inside) listening on %s
Sign in as %s, password %q.

Open the demo client, which reads your notes through the API with your consent:
  %s/demo

Or be the client yourself (a confidential client; PKCE is required):
  client_id:     %s
  client_secret: %s
  redirect_uri:  %s
  authorization: %s
  token:         %s
  metadata:      %s/.well-known/oauth-authorization-server/oauth
then call the API with the access token:
  curl -H 'Authorization: Bearer TOKEN' %s/api/me
  curl -H 'Authorization: Bearer TOKEN' %s/api/notes
`, base, demoEmail, demoPassword, base, demoClientID, secret, demo.conf.RedirectURL,
		md.AuthorizationEndpoint, md.TokenEndpoint, base, base, base)

	hs := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// provisionDemo adds the demo user with a few notes to the application's tables, unless
// it is there already, and (re)registers the demo client with oauthkit, returning its new
// secret.
func provisionDemo(ctx context.Context, app *App, o *oauth, base string) (string, error) {
	u, err := app.addUser(ctx, demoEmail, demoPassword, "org-notes", "member")
	if err != nil {
		return "", err
	}
	if notes, err := app.notesOf(ctx, u.ID); err != nil {
		return "", err
	} else if len(notes) == 0 {
		for _, text := range []string{"Buy milk", "Call the dentist"} {
			if err := app.addNote(ctx, u.ID, text); err != nil {
				return "", err
			}
		}
	}
	c, secret, err := o.srv.NewClient(flows.ClientSpec{
		ID: demoClientID, Name: "Notes Demo Client",
		RedirectURIs: []string{base + "/demo/callback"},
		Scopes:       []string{"profile:ro", "notes:ro"},
	})
	if err != nil {
		return "", err
	}
	return secret, o.clients.PutClient(ctx, c)
}

// newKey returns 32 random bytes.
func newKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails
	return k
}
