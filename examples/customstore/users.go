package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/oauthkit/oauthkit/store"
)

// What the server asks of the users: find them by id, by login (the email they sign in
// with) and by the upstream identity federated sign-in linked them to; and write them, when
// a password changes or federated sign-in creates an account.

func (u user) account() store.Account {
	return store.Account{
		ID: u.ID, Login: u.Email, OrganizationID: u.Team, Roles: slices.Clone(u.Roles),
		PasswordHash: u.PasswordHash, PasswordLoginDisabled: u.NoPassword,
		UpstreamIssuer: u.UpstreamIssuer, UpstreamSubject: u.UpstreamSubject, CreatedAt: u.Joined,
	}
}

func userOf(a store.Account) user {
	return user{
		ID: a.ID, Email: a.Login, Team: a.OrganizationID, Roles: slices.Clone(a.Roles),
		PasswordHash: a.PasswordHash, NoPassword: a.PasswordLoginDisabled,
		UpstreamIssuer: a.UpstreamIssuer, UpstreamSubject: a.UpstreamSubject, Joined: a.CreatedAt,
	}
}

// findUser returns the account of the first user that match accepts, or ErrNotFound.
func (d *Directory) findUser(match func(user) bool) (store.Account, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, u := range d.data.Users {
		if match(u) {
			return u.account(), nil
		}
	}
	return store.Account{}, fmt.Errorf("directory: no such user: %w", store.ErrNotFound)
}

// Account implements [store.Accounts].
func (d *Directory) Account(_ context.Context, id string) (store.Account, error) {
	return d.findUser(func(u user) bool { return u.ID == id })
}

// AccountByLogin implements [store.Accounts]: logins are emails, compared exactly.
func (d *Directory) AccountByLogin(_ context.Context, login string) (store.Account, error) {
	return d.findUser(func(u user) bool { return u.Email == login })
}

// AccountBySubject implements [store.AccountLinks].
func (d *Directory) AccountBySubject(_ context.Context, issuer, subject string) (store.Account, error) {
	if issuer == "" || subject == "" {
		return store.Account{}, fmt.Errorf("directory: no upstream identity: %w", store.ErrNotFound)
	}
	return d.findUser(func(u user) bool { return u.UpstreamIssuer == issuer && u.UpstreamSubject == subject })
}

// PutAccount implements [store.AccountWriter]: emails and upstream identities are unique.
func (d *Directory) PutAccount(_ context.Context, a store.Account) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	linked := a.UpstreamIssuer != "" && a.UpstreamSubject != ""
	for _, u := range d.data.Users {
		switch {
		case u.ID == a.ID:
		case u.Email == a.Login:
			return fmt.Errorf("directory: the email %s is taken: %w", a.Login, store.ErrConflict)
		case linked && u.UpstreamIssuer == a.UpstreamIssuer && u.UpstreamSubject == a.UpstreamSubject:
			return fmt.Errorf("directory: the upstream identity is linked to another user: %w", store.ErrConflict)
		}
	}
	next := d.data
	next.Users = withUser(d.data.Users, userOf(a))
	return d.save(next)
}
