package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/oauthkit/oauthkit/store"
)

var (
	_ store.ClientDirectory  = (*Store)(nil)
	_ store.GrantDirectory   = (*Store)(nil)
	_ store.AccountDirectory = (*Store)(nil)
)

// page returns the values of m that keep selects and whose key is greater than after,
// ordered by key, at most limit of them, each copied by clone. The listing scans every
// value: memstore is for tests and demos, not for directories of millions.
func page[V any](m map[string]V, key func(V) string, keep func(V) bool, after string, limit int, clone func(V) V) []V {
	if limit <= 0 {
		return nil
	}
	var out []V
	for _, v := range m {
		if key(v) > after && keep(v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b V) int { return cmp.Compare(key(a), key(b)) })
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i] = clone(out[i])
	}
	return out
}

func clientID(c store.Client) string   { return c.ID }
func accountID(a store.Account) string { return a.ID }

// ClientsByOwner implements [store.ClientDirectory].
func (s *Store) ClientsByOwner(_ context.Context, ownerID, after string, limit int) ([]store.Client, error) {
	if ownerID == "" {
		return nil, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return page(s.clients, clientID, func(c store.Client) bool { return c.OwnerID == ownerID }, after, limit, cloneClient), nil
}

// ClientsByOrganization implements [store.ClientDirectory].
func (s *Store) ClientsByOrganization(_ context.Context, organizationID, after string, limit int) ([]store.Client, error) {
	if organizationID == "" {
		return nil, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return page(s.clients, clientID, func(c store.Client) bool { return c.OrganizationID == organizationID }, after, limit, cloneClient), nil
}

// OrganizationAccounts implements [store.AccountDirectory].
func (s *Store) OrganizationAccounts(_ context.Context, organizationID, after string, limit int) ([]store.Account, error) {
	if organizationID == "" {
		return nil, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return page(s.accounts, accountID, func(a store.Account) bool { return a.OrganizationID == organizationID }, after, limit, cloneAccount), nil
}

// AccountGrants implements [store.GrantDirectory].
func (s *Store) AccountGrants(_ context.Context, accountID, after string, limit int) ([]store.Grant, error) {
	if accountID == "" || limit <= 0 {
		return nil, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []store.Grant
	for k, g := range s.grants {
		if k.accountID == accountID && k.clientID > after {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b store.Grant) int { return cmp.Compare(a.ClientID, b.ClientID) })
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i] = cloneGrant(out[i])
	}
	return out, nil
}
