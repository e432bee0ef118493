package sqlstore

import (
	"context"

	"github.com/oauthkit/oauthkit/store"
)

// Organizations, accounts and customers: plain records keyed by id.

// Organization implements [store.Organizations].
func (s *Store) Organization(ctx context.Context, id string) (store.Organization, error) {
	var o store.Organization
	err := s.get(ctx, "reading an organization",
		"SELECT id, name FROM oauthkit_organizations WHERE id = $1", []any{id},
		func(r row) error { return r.Scan(&o.ID, &o.Name) })
	return o, err
}

// PutOrganization implements [store.Organizations].
func (s *Store) PutOrganization(ctx context.Context, o store.Organization) error {
	_, err := s.exec(ctx, "storing an organization",
		`INSERT INTO oauthkit_organizations (id, name) VALUES ($1, $2)
		 ON CONFLICT (id) DO UPDATE SET name = excluded.name`, o.ID, o.Name)
	return err
}

const accountColumns = `id, login, organization_id, roles, password_hash, password_login_disabled, created_at,
	upstream_issuer, upstream_subject`

func scanAccount(r row) (store.Account, error) {
	var a store.Account
	err := r.Scan(&a.ID, &a.Login, &a.OrganizationID, listDest{&a.Roles}, &a.PasswordHash,
		&a.PasswordLoginDisabled, timeDest{&a.CreatedAt}, &a.UpstreamIssuer, &a.UpstreamSubject)
	return a, err
}

// Account implements [store.Accounts].
func (s *Store) Account(ctx context.Context, id string) (store.Account, error) {
	var a store.Account
	err := s.get(ctx, "reading an account",
		"SELECT "+accountColumns+" FROM oauthkit_accounts WHERE id = $1", []any{id},
		func(r row) (err error) { a, err = scanAccount(r); return err })
	return a, err
}

// AccountByLogin implements [store.Accounts]. The login is compared exactly (the server
// stores it lowercased).
func (s *Store) AccountByLogin(ctx context.Context, login string) (store.Account, error) {
	var a store.Account
	err := s.get(ctx, "reading an account by login",
		"SELECT "+accountColumns+" FROM oauthkit_accounts WHERE login = $1", []any{login},
		func(r row) (err error) { a, err = scanAccount(r); return err })
	return a, err
}

// AccountBySubject implements [store.Accounts], through the partial unique index on the
// linked (upstream_issuer, upstream_subject) pairs.
func (s *Store) AccountBySubject(ctx context.Context, issuer, subject string) (store.Account, error) {
	if issuer == "" || subject == "" {
		return store.Account{}, notFound("reading an account by upstream subject")
	}
	var a store.Account
	err := s.get(ctx, "reading an account by upstream subject",
		"SELECT "+accountColumns+` FROM oauthkit_accounts
		 WHERE upstream_issuer = $1 AND upstream_subject = $2 AND upstream_issuer <> '' AND upstream_subject <> ''`,
		[]any{issuer, subject},
		func(r row) (err error) { a, err = scanAccount(r); return err })
	return a, err
}

// PutAccount implements [store.Accounts]. The unique indexes on login and on the linked
// upstream identity turn a login or an upstream identity taken by another account into
// [store.ErrConflict], atomically.
func (s *Store) PutAccount(ctx context.Context, a store.Account) error {
	_, err := s.exec(ctx, "storing an account",
		`INSERT INTO oauthkit_accounts (`+accountColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		 ON CONFLICT (id) DO UPDATE SET login = excluded.login,
		   organization_id = excluded.organization_id, roles = excluded.roles,
		   password_hash = excluded.password_hash,
		   password_login_disabled = excluded.password_login_disabled,
		   created_at = excluded.created_at,
		   upstream_issuer = excluded.upstream_issuer, upstream_subject = excluded.upstream_subject`,
		a.ID, a.Login, a.OrganizationID, listArg(a.Roles), a.PasswordHash, a.PasswordLoginDisabled,
		s.f.timeArg(a.CreatedAt), a.UpstreamIssuer, a.UpstreamSubject)
	return err
}

// CreateCustomer implements [store.Customers].
func (s *Store) CreateCustomer(ctx context.Context, c store.Customer) error {
	_, err := s.exec(ctx, "creating a customer",
		`INSERT INTO oauthkit_customers (id, organization_id, client_id, created_at)
		 VALUES ($1, $2, $3, $4)`, c.ID, c.OrganizationID, c.ClientID, s.f.timeArg(c.CreatedAt))
	return err
}

// Customer implements [store.Customers].
func (s *Store) Customer(ctx context.Context, id string) (store.Customer, error) {
	var c store.Customer
	err := s.get(ctx, "reading a customer",
		"SELECT id, organization_id, client_id, created_at FROM oauthkit_customers WHERE id = $1",
		[]any{id}, func(r row) error {
			return r.Scan(&c.ID, &c.OrganizationID, &c.ClientID, timeDest{&c.CreatedAt})
		})
	return c, err
}
