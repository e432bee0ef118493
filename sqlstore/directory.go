package sqlstore

import (
	"context"
	"database/sql"

	"github.com/oauthkit/oauthkit/store"
)

// The listings and the revocation of a developer console (package flows/console). Each
// list is one query on an index of migration 0007 (or a primary key), a page at a time.

var (
	_ store.ClientDirectory  = (*Store)(nil)
	_ store.GrantDirectory   = (*Store)(nil)
	_ store.AccountDirectory = (*Store)(nil)
)

// list runs a page query on the read pool and scans each row with scan. Keys that no
// stored record can have (empty, not text PostgreSQL accepts) list nothing.
func list[T any](s *Store, ctx context.Context, op, query, key, after string, limit int, scan func(row) (T, error)) ([]T, error) {
	if key == "" || limit <= 0 || !textArgs([]any{key, after}) {
		return nil, nil
	}
	var out []T
	err := s.retry(ctx, func() error {
		out = nil
		rows, err := s.rd.QueryContext(ctx, query, key, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, s.failure(op, err)
}

// ClientsByOwner implements [store.ClientDirectory], through oauthkit_clients_owner.
func (s *Store) ClientsByOwner(ctx context.Context, ownerID, after string, limit int) ([]store.Client, error) {
	return list(s, ctx, "listing an owner's clients",
		"SELECT "+clientColumns+` FROM oauthkit_clients
		 WHERE owner_id = $1 AND owner_id <> '' AND id > $2 ORDER BY id LIMIT $3`,
		ownerID, after, limit, scanClient)
}

// ClientsByOrganization implements [store.ClientDirectory], through
// oauthkit_clients_organization.
func (s *Store) ClientsByOrganization(ctx context.Context, organizationID, after string, limit int) ([]store.Client, error) {
	return list(s, ctx, "listing an organization's clients",
		"SELECT "+clientColumns+` FROM oauthkit_clients
		 WHERE organization_id = $1 AND organization_id <> '' AND id > $2 ORDER BY id LIMIT $3`,
		organizationID, after, limit, scanClient)
}

// OrganizationAccounts implements [store.AccountDirectory], through
// oauthkit_accounts_organization.
func (s *Store) OrganizationAccounts(ctx context.Context, organizationID, after string, limit int) ([]store.Account, error) {
	return list(s, ctx, "listing an organization's accounts",
		"SELECT "+accountColumns+` FROM oauthkit_accounts
		 WHERE organization_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		organizationID, after, limit, scanAccount)
}

// AccountGrants implements [store.GrantDirectory], through the grants' primary key.
func (s *Store) AccountGrants(ctx context.Context, accountID, after string, limit int) ([]store.Grant, error) {
	return list(s, ctx, "listing an account's grants",
		`SELECT account_id, client_id, scopes, client_scopes, created_at, updated_at
		 FROM oauthkit_grants WHERE account_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3`,
		accountID, after, limit, func(r row) (store.Grant, error) {
			var g store.Grant
			err := r.Scan(&g.AccountID, &g.ClientID, listDest{&g.Scopes}, listDest{&g.ClientScopes},
				timeDest{&g.CreatedAt}, timeDest{&g.UpdatedAt})
			return g, err
		})
}

// The statements of RevokeClientTokens, for one account of a client (through
// oauthkit_tokens_owner and oauthkit_codes_client) and for all of them (through
// oauthkit_tokens_client, whose expression "client_id || ”" they spell, and
// oauthkit_codes_client).
const (
	clientAccountFamilies = `SELECT DISTINCT family_id FROM oauthkit_tokens
		WHERE account_id = $1 AND client_id = $2 AND family_id <> ''`
	clientAccountCodes  = "DELETE FROM oauthkit_codes WHERE account_id = $1 AND client_id = $2"
	clientAccountTokens = `DELETE FROM oauthkit_tokens WHERE account_id = $1 AND client_id = $2
		RETURNING id, family_id`
	clientFamilies = `SELECT DISTINCT family_id FROM oauthkit_tokens
		WHERE client_id || '' = $1 AND client_id <> '' AND family_id <> ''`
	clientCodes  = "DELETE FROM oauthkit_codes WHERE client_id = $1"
	clientTokens = `DELETE FROM oauthkit_tokens WHERE client_id || '' = $1 AND client_id <> ''
		RETURNING id, family_id`
)

// RevokeClientTokens implements [store.TokenAdmin] in one transaction, the way
// [Store.RevokeAccountTokens] does: it takes the advisory locks of the families it is
// about to delete (an issuance into one of them, a rotation or a customer token, waits and
// then finds its token gone), deletes the codes (a redemption racing with it either
// committed, and its tokens are among those deleted next, or finds its code gone), then the
// tokens, then the other members of their families, including families that appeared
// since they were read.
func (s *Store) RevokeClientTokens(ctx context.Context, clientID, accountID string) (int, error) {
	if clientID == "" || !textArgs([]any{clientID, accountID}) {
		return 0, nil
	}
	famQ, codesQ, tokensQ, args := clientFamilies, clientCodes, clientTokens, []any{clientID}
	if accountID != "" {
		famQ, codesQ, tokensQ = clientAccountFamilies, clientAccountCodes, clientAccountTokens
		args = []any{accountID, clientID}
	}
	var removed []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		removed = nil
		families, err := s.selectStrings(ctx, tx, famQ, args...)
		if err != nil {
			return err
		}
		if err := s.lockFamilies(ctx, tx, families); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, codesQ, args...); err != nil {
			return err
		}
		rows, err := s.txQuery(ctx, tx, tokensQ, args...)
		if err != nil {
			return err
		}
		removed, err = s.deleteWithFamilies(ctx, tx, rows, families)
		return err
	})
	if err != nil {
		return 0, s.failure("revoking a client's tokens", err)
	}
	s.subs.Publish(removed)
	return len(removed), nil
}

// selectStrings returns the single text column of query's rows, a statement of txQueries.
func (s *Store) selectStrings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := s.txQuery(ctx, tx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
