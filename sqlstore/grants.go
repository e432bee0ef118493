package sqlstore

import (
	"context"

	"github.com/oauthkit/oauthkit/store"
)

// Grant implements [store.Grants].
func (s *Store) Grant(ctx context.Context, accountID, clientID string) (store.Grant, error) {
	var g store.Grant
	err := s.get(ctx, "reading a grant",
		`SELECT account_id, client_id, scopes, client_scopes, created_at, updated_at
		 FROM oauthkit_grants WHERE account_id = $1 AND client_id = $2`, []any{accountID, clientID},
		func(r row) error {
			return r.Scan(&g.AccountID, &g.ClientID, listDest{&g.Scopes}, listDest{&g.ClientScopes},
				timeDest{&g.CreatedAt}, timeDest{&g.UpdatedAt})
		})
	return g, err
}

// PutGrant implements [store.Grants].
func (s *Store) PutGrant(ctx context.Context, g store.Grant) error {
	_, err := s.exec(ctx, "storing a grant",
		`INSERT INTO oauthkit_grants (account_id, client_id, scopes, client_scopes, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = excluded.scopes,
		   client_scopes = excluded.client_scopes, created_at = excluded.created_at,
		   updated_at = excluded.updated_at`,
		g.AccountID, g.ClientID, listArg(g.Scopes), listArg(g.ClientScopes),
		s.f.timeArg(g.CreatedAt), s.f.timeArg(g.UpdatedAt))
	return err
}

// DeleteGrant implements [store.Grants].
func (s *Store) DeleteGrant(ctx context.Context, accountID, clientID string) error {
	_, err := s.exec(ctx, "deleting a grant",
		"DELETE FROM oauthkit_grants WHERE account_id = $1 AND client_id = $2", accountID, clientID)
	return err
}
