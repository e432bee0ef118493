package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// Directory is the application's own tables of users and registered apps, kept in one JSON
// file, as the authorization server reads and writes them: [store.Accounts],
// [store.AccountWriter] and [store.AccountLinks] over the users, [store.Clients] and
// [store.ClientWriter] over the apps. It is safe for concurrent use; every write rewrites
// the file (a temporary file renamed over it), so the file is always whole.
type Directory struct {
	path string
	mu   sync.RWMutex
	data tables
}

var (
	_ store.Accounts      = (*Directory)(nil)
	_ store.AccountWriter = (*Directory)(nil)
	_ store.AccountLinks  = (*Directory)(nil)
	_ store.Clients       = (*Directory)(nil)
	_ store.ClientWriter  = (*Directory)(nil)
)

// tables is the file's content: the application's own shape of its records, which the
// methods map to and from the records of package store.
type tables struct {
	Users []user `json:"users"`
	Apps  []app  `json:"apps"`
}

// A user is a row of the application's users table.
type user struct {
	ID              string    `json:"id"`
	Email           string    `json:"email"`
	Team            string    `json:"team,omitempty"`
	Roles           []string  `json:"roles,omitempty"`
	PasswordHash    string    `json:"password_hash,omitempty"`
	NoPassword      bool      `json:"no_password,omitempty"`
	UpstreamIssuer  string    `json:"upstream_issuer,omitempty"`
	UpstreamSubject string    `json:"upstream_subject,omitempty"`
	Joined          time.Time `json:"joined"`
}

// An app is a row of the application's table of registered OAuth apps.
type app struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Public        bool       `json:"public,omitempty"`
	SecretHash    store.Hash `json:"secret_hash"`
	RedirectURIs  []string   `json:"redirect_uris"`
	Scopes        []string   `json:"scopes"`
	Team          string     `json:"team,omitempty"`
	AllowImplicit bool       `json:"allow_implicit,omitempty"`
	RequirePKCE   bool       `json:"require_pkce,omitempty"`
	Created       time.Time  `json:"created"`
	Updated       time.Time  `json:"updated"`
	// What dynamic client registration keeps, for apps that registered themselves.
	RegistrationHash     store.Hash    `json:"registration_hash,omitzero"`
	RegistrationMetadata []byte        `json:"registration_metadata,omitempty"`
	UnusedLifetime       time.Duration `json:"unused_lifetime,omitempty"`
	UsedAt               time.Time     `json:"used_at,omitzero"`
}

// OpenDirectory reads the directory in the file at path, or starts an empty one when the
// file does not exist yet (it is created by the first write).
func OpenDirectory(path string) (*Directory, error) {
	d := &Directory{path: path}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return d, nil
	case err != nil:
		return nil, err
	}
	if err := json.Unmarshal(b, &d.data); err != nil {
		return nil, fmt.Errorf("reading the directory %s: %w", path, err)
	}
	return d, nil
}

// save writes next to the file and, once that succeeded, makes it the directory's data.
// The caller holds the write lock.
func (d *Directory) save(next tables) error {
	b, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(d.path), ".directory-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), d.path); err != nil {
		return err
	}
	d.data = next
	return nil
}

// withUser returns the users with u in place of the user of u.ID, or appended.
func withUser(users []user, u user) []user {
	out := slices.Clone(users)
	if i := slices.IndexFunc(out, func(x user) bool { return x.ID == u.ID }); i >= 0 {
		out[i] = u
		return out
	}
	return append(out, u)
}

// withApp returns the apps with a in place of the app of a.ID, or appended.
func withApp(apps []app, a app) []app {
	out := slices.Clone(apps)
	if i := slices.IndexFunc(out, func(x app) bool { return x.ID == a.ID }); i >= 0 {
		out[i] = a
		return out
	}
	return append(out, a)
}
