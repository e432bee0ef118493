package store_test

import (
	"context"
	"fmt"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

// users is an application's own users table, read through the two methods of
// store.Accounts.
type users map[string]store.Account

func (u users) Account(_ context.Context, id string) (store.Account, error) {
	if a, ok := u[id]; ok {
		return a, nil
	}
	return store.Account{}, store.ErrNotFound
}

func (u users) AccountByLogin(_ context.Context, login string) (store.Account, error) {
	for _, a := range u {
		if a.Login == login {
			return a, nil
		}
	}
	return store.Account{}, store.ErrNotFound
}

// A storage composed of parts: clients, codes, tokens and grants in one backend (memstore
// here, sqlstore in production), accounts from the application's own users table, and no
// sessions, because the application signs people in with its own.
func ExampleParts() {
	ctx := context.Background()
	db := memstore.New()
	parts := store.Parts{
		Clients: db, Codes: db, Tokens: db, TokenAdmin: db, Grants: db,
		Accounts: users{"u1": {ID: "u1", Login: "ann@example.com"}},
	}
	// Whoever takes the parts checks, once, those it needs.
	fmt.Println(parts.Check(store.PartClients, store.PartAccounts, store.PartCodes, store.PartTokens,
		store.PartTokenAdmin, store.PartGrants))
	fmt.Println(parts.Check(store.PartSessions))

	// A Parts has the methods of its parts.
	a, err := parts.AccountByLogin(ctx, "ann@example.com")
	fmt.Println(a.ID, err)
	// Output:
	// <nil>
	// store: missing storage parts: Sessions
	// u1 <nil>
}

// Every part from one backend, then one replaced.
func ExamplePartsOf() {
	parts := store.PartsOf(memstore.New())
	parts.Accounts, parts.AccountWriter, parts.AccountLinks = users{}, nil, nil
	_, err := parts.Storage()
	fmt.Println(err)
	// Output:
	// store: missing storage parts: AccountWriter, AccountLinks
}
