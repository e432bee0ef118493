package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/oauthkit/oauthkit/sqlstore/postgres"
	"github.com/oauthkit/oauthkit/store"
)

func ExampleOpen() {
	ctx := context.Background()
	// e.g. postgres://oauthkit@db.internal/oauthkit?sslmode=verify-full
	st, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err) // never holds the password
	}
	defer st.Close()

	// Tokens, codes and grants in PostgreSQL; accounts and clients from elsewhere.
	parts := store.Parts{Codes: st, Tokens: st, TokenAdmin: st, Grants: st}
	_ = parts
}
