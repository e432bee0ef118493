package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/console"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// The commands' storage: the server's database, its hash key, and the developer console
// over them; and the commands that only need the database (migrate, housekeeping).

// dbFlag registers the server's -db flag on fs.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", defaultDB, "the server's storage, as its -db: sqlite:PATH or postgres://USER@HOST/DB?sslmode=...")
}

// openDB opens the database dsn names. A command's changes to a database in memory would
// vanish as it exits, so "memory" and sqlite::memory: are usage errors; a SQLite file that
// does not exist is an error unless create is set (migrate), so that a mistyped path does
// not quietly make an empty database.
func (c *cli) openDB(dsn string, create bool) (store.Storage, func() error, error) {
	path, isSQLite := strings.CutPrefix(dsn, "sqlite:")
	if dsn == "memory" || (isSQLite && path == sqlite.Memory) {
		return nil, nil, usagef("-db %s: a database in memory would vanish when the command exits; name the server's database (sqlite:PATH or postgres://...)", dsn)
	}
	if isSQLite && !create {
		file, _, _ := strings.Cut(strings.TrimPrefix(path, "file:"), "?")
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("no SQLite database at %s: start the server with -db %s once (or run migrate) to create it", file, dsn)
		}
	}
	return openStorage(c.ctx, dsn)
}

// operator is what the commands on apps and tokens work with: the database, and the
// developer console of a server with the running server's key, scopes and rules.
type operator struct {
	st    store.Storage
	cat   *scopes.Catalog
	con   *console.Console
	close func() error
}

// storeFlags are the server's -db and -config.
type storeFlags struct{ db, config *string }

func storageFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		db:     dbFlag(fs),
		config: fs.String("config", "", "the server's -config file: its scopes, and its hash_key unless OAUTHKIT_HASH_KEY is set (default: the embedded demo config)"),
	}
}

// commandIssuer is the issuer of the commands' server, which answers no request; nothing
// the commands store depends on it.
const commandIssuer = "http://127.0.0.1"

// operator opens the storage and builds the console, whose rotations keep the previous
// secret for overlap.
func (c *cli) operator(sf storeFlags, overlap time.Duration) (*operator, error) {
	cfg, key, err := loadConfig(*sf.config)
	if err != nil {
		return nil, err
	}
	hasher, err := credentials.NewHasher(key)
	if err != nil {
		return nil, err
	}
	cat, err := cfg.catalog()
	if err != nil {
		return nil, err
	}
	st, closeDB, err := c.openDB(*sf.db, false)
	if err != nil {
		return nil, err
	}
	srv, err := flows.New(flows.Config{
		Issuer:        commandIssuer,
		Storage:       st,
		Hasher:        hasher,
		Scopes:        cat,
		Authenticator: noSignIn{},
		Policy:        flows.Policy{PersonalTokenClients: personalTokenClients},
		Logger:        slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err == nil {
		var con *console.Console
		if con, err = newConsole(srv, st, overlap); err == nil {
			return &operator{st: st, cat: cat, con: con, close: closeDB}, nil
		}
	}
	closeDB()
	return nil, err
}

// noSignIn is the Authenticator of the commands' server: nobody signs in at a command
// line; each command names the account it acts as.
type noSignIn struct{}

func (noSignIn) Account(*http.Request) (store.Account, bool, error) {
	return store.Account{}, false, nil
}

func (noSignIn) SignIn(w http.ResponseWriter, _ *http.Request, _ string) {
	http.Error(w, "nobody signs in here", http.StatusForbidden)
}

// migrate brings the schema up to date (the backends' openers do so) and prints its
// version.
func (c *cli) migrate(args []string) error {
	fs := c.flags()
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if _, err := c.parse(fs, args, 0); err != nil {
		return err
	}
	st, closeDB, err := c.openDB(*db, true)
	if err != nil {
		return err
	}
	defer closeDB()
	ss, ok := st.(*sqlstore.Store)
	if !ok {
		return errors.New("this storage has no schema")
	}
	v, err := ss.SchemaVersion(c.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(struct {
			SchemaVersion int `json:"schema_version"`
		}{v})
	}
	fmt.Fprintf(c.stdout, "schema version %d\n", v)
	c.note("The schema of %s is up to date.", describeDB(*db))
	return nil
}

// housekeeping deletes the expired records once, as the server does every few minutes
// (store.ExpiredDeleter).
func (c *cli) housekeeping(args []string) error {
	fs := c.flags()
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if _, err := c.parse(fs, args, 0); err != nil {
		return err
	}
	st, closeDB, err := c.openDB(*db, false)
	if err != nil {
		return err
	}
	defer closeDB()
	d, ok := st.(store.ExpiredDeleter)
	if !ok {
		return errors.New("this storage cannot delete expired records")
	}
	n, err := d.DeleteExpired(c.ctx, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(struct {
			Deleted int `json:"deleted"`
		}{n})
	}
	fmt.Fprintf(c.stdout, "deleted %d expired records\n", n)
	c.note("Expired codes, tokens and sessions, and apps gone unused for their unused lifetime, with their grants.")
	return nil
}
