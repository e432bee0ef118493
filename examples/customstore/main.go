// Command customstore shows a storage backend of a few parts, written for an application
// that already keeps its users and its registered apps: here one JSON file stands for the
// application's own tables. The backend, [Directory], implements five small interfaces of
// package store: Accounts, AccountWriter and AccountLinks over the users, Clients and
// ClientWriter over the apps. Its tests prove exactly those parts with the conformance
// kit's function for each (storetest.RunAccounts, RunAccountLinks and RunClients), and
// the whole composition with storetest.Run.
//
// Everything else the authorization server stores (codes, tokens, consent) comes from
// memstore, composed with the directory through store.Parts; sessions are left out, since
// the application signs people in with its own. Swap memstore for sqlstore/sqlite or
// sqlstore/postgres to keep them.
//
//	go run ./examples/customstore                  # a directory in a temporary file
//	go run ./examples/customstore -data dir.json   # kept: the next run finds its user
//
// A run provisions a user and an app when the directory has none, then does by hand, on the
// composed storage, what the server does for a client: check the person's password against
// the users table, authenticate the app by its secret, redeem an authorization code for a
// token pair (once: a second redemption fails), validate the access token, and revoke the
// refresh token, which takes its access token with it.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "customstore:", err)
		os.Exit(1)
	}
}

// The demo's user and app.
const (
	login    = "ann@example.com"
	password = "correct horse battery staple"
	appID    = "notes-app"
)

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("customstore", flag.ContinueOnError)
	fs.SetOutput(out)
	data := fs.String("data", "", "the JSON file of the application's users and apps (default: a new temporary file)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := *data
	if path == "" {
		tmp, err := os.MkdirTemp("", "customstore")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "directory.json")
	}
	dir, err := OpenDirectory(path)
	if err != nil {
		return err
	}

	// The composition, checked once for the parts it is used for.
	mem := memstore.New()
	parts := store.Parts{
		Accounts: dir, AccountWriter: dir, AccountLinks: dir,
		Clients: dir, ClientWriter: dir,
		Codes: mem, Tokens: mem, TokenAdmin: mem, Grants: mem,
	}
	if err := parts.Check(store.PartAccounts, store.PartAccountWriter, store.PartClients, store.PartClientWriter,
		store.PartCodes, store.PartTokens); err != nil {
		return err
	}
	fmt.Fprintf(out, "storage: users and apps in %s; codes, tokens and grants in memory; no sessions\n", path)

	// The server's key for the hashes of secrets; a new one each run, as the tokens in
	// memory do not outlive the run.
	key := make([]byte, credentials.MinKeyLen)
	rand.Read(key)
	h, err := credentials.NewHasher(key)
	if err != nil {
		return err
	}
	secret, err := provision(ctx, out, parts, h)
	if err != nil {
		return err
	}
	return tokenRequest(ctx, out, parts, h, secret)
}

// provision registers the demo's user when the directory has none, and gives the app a new
// secret, which it returns.
func provision(ctx context.Context, out io.Writer, parts store.Parts, h *credentials.Hasher) (string, error) {
	now := time.Now()
	_, err := parts.AccountByLogin(ctx, login)
	switch {
	case errors.Is(err, store.ErrNotFound):
		pw, err := credentials.HashPassword(password)
		if err != nil {
			return "", err
		}
		a := store.Account{ID: credentials.NewID(), Login: login, Roles: []string{"member"}, PasswordHash: pw, CreatedAt: now}
		if err := parts.PutAccount(ctx, a); err != nil {
			return "", err
		}
		fmt.Fprintf(out, "provisioned the user %s\n", login)
	case err != nil:
		return "", err
	default:
		fmt.Fprintf(out, "found the user %s, provisioned by an earlier run\n", login)
	}

	secret := credentials.NewClientSecret()
	app := store.Client{ID: appID, Name: "Notes", SecretHash: h.Hash(secret),
		RedirectURIs: []string{"http://127.0.0.1:8080/callback"}, Scopes: []string{"notes:read", "notes:write"},
		RequirePKCE: true, CreatedAt: now, UpdatedAt: now}
	if old, err := parts.Client(ctx, appID); err == nil {
		app.CreatedAt = old.CreatedAt
	}
	if err := parts.PutClient(ctx, app); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "registered the app %s with a new secret\n", appID)
	return secret, nil
}
