package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/oauthkit/oauthkit/store"
)

// Store is an in-memory [store.Storage]. Create one with [New]; the zero value is not
// usable.
type Store struct {
	// tokens and codes have locks of their own (see locking.go).
	tokens *tokens
	codes  *codes
	subs   store.Subscribers
	// sweep makes calls of DeleteExpired run one at a time (see locking.go).
	sweep sync.Mutex

	// mu guards the other records.
	mu        sync.RWMutex
	orgs      map[string]store.Organization
	accounts  map[string]store.Account
	logins    map[string]string  // login → account id
	subjects  map[subject]string // upstream identity → account id
	clients   map[string]store.Client
	grants    map[grantKey]store.Grant
	sessions  map[store.Hash]store.Session
	customers map[string]store.Customer
}

type grantKey struct{ accountID, clientID string }

// subject is an upstream identity of federated sign-in.
type subject struct{ issuer, subject string }

func subjectOf(a store.Account) (subject, bool) {
	return subject{a.UpstreamIssuer, a.UpstreamSubject}, a.UpstreamIssuer != "" && a.UpstreamSubject != ""
}

var (
	_ store.Storage             = (*Store)(nil)
	_ store.ExpiredDeleter      = (*Store)(nil)
	_ store.RevocationPublisher = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		tokens:    newTokens(),
		codes:     newCodes(),
		orgs:      make(map[string]store.Organization),
		accounts:  make(map[string]store.Account),
		logins:    make(map[string]string),
		subjects:  make(map[subject]string),
		clients:   make(map[string]store.Client),
		grants:    make(map[grantKey]store.Grant),
		sessions:  make(map[store.Hash]store.Session),
		customers: make(map[string]store.Customer),
	}
}

func notFound(what string) error { return fmt.Errorf("memstore: %s: %w", what, store.ErrNotFound) }
func conflict(what string) error { return fmt.Errorf("memstore: %s: %w", what, store.ErrConflict) }

// Organization implements [store.Organizations].
func (s *Store) Organization(_ context.Context, id string) (store.Organization, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgs[id]
	if !ok {
		return store.Organization{}, notFound("no such organization")
	}
	return o, nil
}

// PutOrganization implements [store.Organizations].
func (s *Store) PutOrganization(_ context.Context, o store.Organization) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orgs[o.ID] = o
	return nil
}

func cloneAccount(a store.Account) store.Account {
	a.Roles = slices.Clone(a.Roles)
	return a
}

// Account implements [store.Accounts].
func (s *Store) Account(_ context.Context, id string) (store.Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.accounts[id]
	if !ok {
		return store.Account{}, notFound("no such account")
	}
	return cloneAccount(a), nil
}

// AccountByLogin implements [store.Accounts].
func (s *Store) AccountByLogin(_ context.Context, login string) (store.Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.logins[login]
	if !ok {
		return store.Account{}, notFound("no account with that login")
	}
	return cloneAccount(s.accounts[id]), nil
}

// PutAccount implements [store.Accounts].
func (s *Store) PutAccount(_ context.Context, a store.Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.logins[a.Login]; ok && id != a.ID {
		return conflict("login taken by another account")
	}
	sub, linked := subjectOf(a)
	if id, ok := s.subjects[sub]; linked && ok && id != a.ID {
		return conflict("upstream identity linked to another account")
	}
	if old, ok := s.accounts[a.ID]; ok {
		delete(s.logins, old.Login)
		if oldSub, ok := subjectOf(old); ok {
			delete(s.subjects, oldSub)
		}
	}
	s.accounts[a.ID] = cloneAccount(a)
	s.logins[a.Login] = a.ID
	if linked {
		s.subjects[sub] = a.ID
	}
	return nil
}

// AccountBySubject implements [store.Accounts].
func (s *Store) AccountBySubject(_ context.Context, issuer, sub string) (store.Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.subjects[subject{issuer, sub}]
	if !ok || issuer == "" || sub == "" {
		return store.Account{}, notFound("no account linked to that upstream identity")
	}
	return cloneAccount(s.accounts[id]), nil
}

func cloneClient(c store.Client) store.Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.Scopes = slices.Clone(c.Scopes)
	c.RegistrationMetadata = slices.Clone(c.RegistrationMetadata)
	return c
}

// Client implements [store.Clients].
func (s *Store) Client(_ context.Context, id string) (store.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[id]
	if !ok {
		return store.Client{}, notFound("no such client")
	}
	return cloneClient(c), nil
}

// PutClient implements [store.Clients].
func (s *Store) PutClient(_ context.Context, c store.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = cloneClient(c)
	return nil
}

// DeleteClient implements [store.Clients].
func (s *Store) DeleteClient(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[id]; !ok {
		return notFound("no such client")
	}
	delete(s.clients, id)
	return nil
}

func cloneGrant(g store.Grant) store.Grant {
	g.Scopes = slices.Clone(g.Scopes)
	g.ClientScopes = slices.Clone(g.ClientScopes)
	return g
}

// Grant implements [store.Grants].
func (s *Store) Grant(_ context.Context, accountID, clientID string) (store.Grant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.grants[grantKey{accountID, clientID}]
	if !ok {
		return store.Grant{}, notFound("no such grant")
	}
	return cloneGrant(g), nil
}

// PutGrant implements [store.Grants].
func (s *Store) PutGrant(_ context.Context, g store.Grant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grants[grantKey{g.AccountID, g.ClientID}] = cloneGrant(g)
	return nil
}

// DeleteGrant implements [store.Grants].
func (s *Store) DeleteGrant(_ context.Context, accountID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.grants, grantKey{accountID, clientID})
	return nil
}

// CreateCustomer implements [store.Customers].
func (s *Store) CreateCustomer(_ context.Context, c store.Customer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.customers[c.ID]; ok {
		return conflict("customer exists")
	}
	s.customers[c.ID] = c
	return nil
}

// Customer implements [store.Customers].
func (s *Store) Customer(_ context.Context, id string) (store.Customer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.customers[id]
	if !ok {
		return store.Customer{}, notFound("no such customer")
	}
	return c, nil
}
