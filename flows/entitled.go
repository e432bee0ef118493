package flows

import (
	"context"
	"errors"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// errNotEntitled: the account a token acts for is gone, or may no longer sign in.
var errNotEntitled = errors.New("flows: the account is gone or may no longer sign in")

// entitled re-checks, when a token (or code) that acts for accountID in organization org is
// used, what the account may still hold: it must still exist, may still sign in
// (Config.Policy.SignInRoles) and still belong to org (when org is not empty: an account moved
// to another organization keeps nothing of the old one), its administrator-only scopes need
// Config.Policy.AdminRole still, and, when client is not nil, a private client must still
// be of the account's organization and each scope must still be one the client may request
// (client.Scopes). It returns the scopes of have that remain, possibly none, and the
// account; errNotEntitled when the account is gone, may no longer sign in or moved; any
// other error is a storage failure.
//
// Rights change after tokens are issued: a demoted administrator, a deleted or disabled
// account, a client whose scopes were narrowed. Long-lived credentials (refresh tokens,
// personal access tokens) are checked against the rights of today, not those of the day
// they were issued.
func (s *Server) entitled(ctx context.Context, accountID, org string, client *store.Client, have scopes.Set) (scopes.Set, store.Account, error) {
	acct, err := s.store.Account(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return scopes.Set{}, store.Account{}, errNotEntitled
	}
	if err != nil {
		return scopes.Set{}, store.Account{}, err
	}
	if !s.maySignIn(acct) || (org != "" && acct.OrganizationID != org) ||
		(client != nil && client.OrganizationID != "" && client.OrganizationID != acct.OrganizationID) {
		return scopes.Set{}, acct, errNotEntitled
	}
	kept := have
	if !acct.HasRole(s.cfg.Policy.AdminRole) {
		kept = s.catalog.WithoutAdminOnly(kept)
	}
	if client != nil {
		kept = kept.Intersect(scopes.New(client.Scopes...))
	}
	return kept, acct, nil
}
