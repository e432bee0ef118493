package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/storetest"
)

// newDirectory returns an empty directory in a new file of t.
func newDirectory(t *testing.T) *Directory {
	t.Helper()
	d, err := OpenDirectory(filepath.Join(t.TempDir(), "directory.json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The directory proves exactly the parts it implements.
func TestDirectoryAccounts(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) storetest.AccountsUnderTest { return newDirectory(t) })
}

func TestDirectoryAccountLinks(t *testing.T) {
	storetest.RunAccountLinks(t, func(t *testing.T) storetest.AccountLinksUnderTest { return newDirectory(t) })
}

func TestDirectoryClients(t *testing.T) {
	storetest.RunClients(t, func(t *testing.T) storetest.ClientsUnderTest { return newDirectory(t) })
}

// Composed with memstore for the other parts, the directory makes a complete storage that
// passes the whole kit.
func TestComposedStorage(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Storage {
		d, mem := newDirectory(t), memstore.New()
		parts := store.PartsOf(mem)
		parts.Accounts, parts.AccountWriter, parts.AccountLinks = d, d, d
		parts.Clients, parts.ClientWriter = d, d
		s, err := parts.Storage()
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// What a directory writes, it reads back when opened again.
func TestDirectoryPersists(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "directory.json")
	d, err := OpenDirectory(path)
	if err != nil {
		t.Fatal(err)
	}
	a := store.Account{ID: "u1", Login: "ann@example.com", Roles: []string{"member"}}
	c := store.Client{ID: "app", Name: "App", RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"notes:read"}}
	if err := d.PutAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := d.PutClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	again, err := OpenDirectory(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.AccountByLogin(ctx, a.Login); err != nil || got.ID != a.ID {
		t.Errorf("reopened: AccountByLogin = %+v, %v; want the account stored", got, err)
	}
	if got, err := again.Client(ctx, c.ID); err != nil || got.Name != c.Name {
		t.Errorf("reopened: Client = %+v, %v; want the client stored", got, err)
	}
}

// The command runs its demonstration, and a second run on the same file finds its user.
func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "directory.json")
	for i, want := range []string{"provisioned the user ann@example.com", "found the user ann@example.com"} {
		var out bytes.Buffer
		if err := run(t.Context(), []string{"-data", path}, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
		for _, line := range []string{want, "ann@example.com signed in", "notes-app authenticated by its secret",
			"redeemed again", "access token valid: ann@example.com", "the access token paired with it is gone"} {
			if !strings.Contains(out.String(), line) {
				t.Errorf("run %d: the output lacks %q:\n%s", i+1, line, out.String())
			}
		}
	}
}
