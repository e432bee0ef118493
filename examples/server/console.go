package main

import (
	"errors"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/console"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/store"
)

// consolePath is where the demo serves the developer console.
const consolePath = "/console"

// mountConsole serves the developer console (package flows/console) at /console/ on mux:
// people sign in there through the server's sign-in (its Authenticator), register and
// manage their apps, make personal access tokens and remove the access of the apps they
// have connected; administrators also see their organization's apps and accounts.
func mountConsole(mux *http.ServeMux, srv *flows.Server, st store.Storage) error {
	con, err := newConsole(srv, st, 0)
	if err != nil {
		return err
	}
	mux.Handle(consolePath+"/", con.Handler())
	return nil
}

// newConsole returns the console of srv over st, whose rotations keep an app's previous
// secret working for overlap. The server's pages and the operator's commands (cli.go) both
// go through it, so they follow the same rules.
func newConsole(srv *flows.Server, st store.Storage, overlap time.Duration) (*console.Console, error) {
	cs, ok := st.(console.Storage)
	if !ok {
		// memstore and sqlstore have every directory the console lists from.
		return nil, errors.New("the storage cannot list apps, grants and accounts, which the developer console needs")
	}
	return console.New(console.Config{
		Server:        srv,
		Storage:       cs,
		Path:          consolePath,
		SignOutPath:   signin.DefaultPaths().Logout,
		SecretOverlap: overlap,
	})
}
