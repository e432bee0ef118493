package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// This file is everything the application needed to become an OAuth authorization server
// for its own API: mountOAuth (the wiring, under 60 lines: TestWiringIsShort counts them),
// and two adapters of what the application already had, its users table as store.Accounts
// and its session as flows.Authenticator.

// oauth is what mountOAuth made that the caller still needs: the server, to provision
// clients (NewClient); where clients are written; and what to release on exit.
type oauth struct {
	srv     *flows.Server
	clients store.ClientWriter
	close   func()
}

// ───── oauthkit wiring: from "the app exists" to "the app serves" ─────

// mountOAuth mounts the authorization server at /oauth on r, over the application's users
// and sign-in; keeps clients, codes, tokens and consent in oauthkit's tables of the
// application's database; and serves the JSON API under /api to the server's access
// tokens. hashKey keys the stored hashes of tokens and client secrets: 32 bytes or more,
// from the application's secret store, never from the database.
func mountOAuth(ctx context.Context, r chi.Router, app *App, hashKey []byte) (*oauth, error) {
	hasher, err := credentials.NewHasher(hashKey)
	if err != nil {
		return nil, err
	}
	tables, err := sqlstore.New(app.db, sqlstore.SQLite, sqlstore.Options{}) // the app's pool
	if err != nil {
		return nil, err
	}
	if err := tables.Migrate(ctx); err != nil { // creates the oauthkit_… tables
		return nil, err
	}
	catalog, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "profile:ro", Description: "See your email address and organization"},
		{Name: "notes:ro", Description: "Read your notes"},
	}, nil)
	if err != nil {
		return nil, err
	}
	srv, err := flows.New(flows.Config{
		Issuer: app.baseURL + "/oauth", // its path is the prefix StripPrefix removes below
		Storage: store.Parts{ // no Sessions, Organizations nor AccountWriter: sign-in is the app's
			Accounts: accounts{app},
			Clients:  tables, ClientWriter: tables, Codes: tables, Tokens: tables,
			TokenAdmin: tables, Grants: tables, Customers: tables,
		},
		Hasher:        hasher,
		Scopes:        catalog,
		Authenticator: signIn{app},
	})
	if err != nil {
		return nil, err
	}
	r.Mount("/oauth", http.StripPrefix("/oauth", srv.Handler()))
	// RFC 8414 §3.1: the metadata of an issuer with a path, also at the root.
	r.Handle("/.well-known/oauth-authorization-server/oauth", srv.MetadataHandler())

	local, err := middleware.NewLocal(tables, hasher, middleware.LocalOptions{}) // same key
	if err != nil {
		return nil, err
	}
	cache := middleware.Cached(local, middleware.CacheOptions{MaxAge: time.Minute})
	cache.SubscribeTo(tables) // a revocation reaches the cache at once
	r.Route("/api", func(api chi.Router) {
		api.Use(middleware.Authenticate(cache, middleware.Options{Realm: "notes"}))
		api.With(middleware.RequireScopes(catalog, "profile:ro")).Get("/me", app.me)
		api.With(middleware.RequireScopes(catalog, "notes:ro")).Get("/notes", app.notes)
	})
	return &oauth{srv: srv, clients: tables, close: func() { cache.Close() }}, nil
}

// ───── end of the wiring ─────

// accounts is the application's users table as oauthkit's store.Accounts: the server reads
// a person's id, email (as the login), organization and roles. Password hashes stay with
// the application, which checks them at its own sign-in form.
type accounts struct{ app *App }

// Account implements store.Accounts.
func (a accounts) Account(ctx context.Context, id string) (store.Account, error) {
	return account(a.app.userByID(ctx, id))
}

// AccountByLogin implements store.Accounts.
func (a accounts) AccountByLogin(ctx context.Context, login string) (store.Account, error) {
	return account(a.app.userByEmail(ctx, login))
}

// account turns the result of a user lookup into that of an account lookup.
func account(u user, err error) (store.Account, error) {
	if errors.Is(err, errNoUser) {
		return store.Account{}, store.ErrNotFound
	}
	if err != nil {
		return store.Account{}, err
	}
	return u.account(), nil
}

// account is u as oauthkit sees a person.
func (u user) account() store.Account {
	return store.Account{ID: u.ID, Login: u.Email, OrganizationID: u.OrgID, Roles: u.Roles}
}

// signIn is the application's session as oauthkit's flows.Authenticator: the
// authorization endpoint asks it who is signed in, and sends people to sign in through it.
type signIn struct{ app *App }

// Account returns the user of the application's session cookie on r.
func (s signIn) Account(r *http.Request) (store.Account, bool, error) {
	u, ok, err := s.app.currentUser(r)
	if !ok || err != nil {
		return store.Account{}, false, err
	}
	return u.account(), true, nil
}

// SignIn sends the person to the application's sign-in form, which sends them back to
// returnTo (the authorization request) once signed in. The form accepts only a local path
// there (localPath), since anybody can link to it with any next.
func (s signIn) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(returnTo), http.StatusSeeOther)
}
