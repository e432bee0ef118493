package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
	"github.com/oauthkit/oauthkit/store"
)

func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "oauthkit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Created and migrated on first use; a server fails here, not later, on a file it may
	// only read.
	st, err := sqlite.Open(ctx, filepath.Join(dir, "oauthkit.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	// A complete storage: every part, or some of them composed with others.
	_, err = store.PartsOf(st).Storage()
	fmt.Println(st.Dialect(), err)
	// Output: sqlite <nil>
}
