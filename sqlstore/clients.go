package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

const clientColumns = `id, name, public, secret_hash, redirect_uris, scopes, organization_id,
	allow_implicit, require_pkce, created_at, updated_at,
	registration_hash, registration_metadata, unused_lifetime, used_at,
	owner_id, previous_secret_hash, previous_secret_expires_at`

func scanClient(r row) (store.Client, error) {
	var c store.Client
	var lifetime int64
	err := r.Scan(&c.ID, &c.Name, &c.Public, hashDest{&c.SecretHash}, listDest{&c.RedirectURIs},
		listDest{&c.Scopes}, &c.OrganizationID, &c.AllowImplicit, &c.RequirePKCE,
		timeDest{&c.CreatedAt}, timeDest{&c.UpdatedAt},
		hashDest{&c.RegistrationHash}, &c.RegistrationMetadata, &lifetime, timeDest{&c.UsedAt},
		&c.OwnerID, hashDest{&c.PreviousSecretHash}, timeDest{&c.PreviousSecretExpiresAt})
	c.UnusedLifetime = time.Duration(lifetime) * time.Microsecond
	if len(c.RegistrationMetadata) == 0 {
		c.RegistrationMetadata = nil
	}
	return c, err
}

// Client implements [store.Clients].
func (s *Store) Client(ctx context.Context, id string) (store.Client, error) {
	var c store.Client
	err := s.get(ctx, "reading a client",
		"SELECT "+clientColumns+" FROM oauthkit_clients WHERE id = $1", []any{id},
		func(r row) (err error) { c, err = scanClient(r); return err })
	return c, err
}

// PutClient implements [store.Clients].
func (s *Store) PutClient(ctx context.Context, c store.Client) error {
	_, err := s.exec(ctx, "storing a client",
		`INSERT INTO oauthkit_clients (`+clientColumns+`, unused_until)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		 ON CONFLICT (id) DO UPDATE SET name = excluded.name, public = excluded.public,
		   secret_hash = excluded.secret_hash, redirect_uris = excluded.redirect_uris,
		   scopes = excluded.scopes, organization_id = excluded.organization_id,
		   allow_implicit = excluded.allow_implicit, require_pkce = excluded.require_pkce,
		   created_at = excluded.created_at, updated_at = excluded.updated_at,
		   registration_hash = excluded.registration_hash,
		   registration_metadata = excluded.registration_metadata,
		   unused_lifetime = excluded.unused_lifetime, used_at = excluded.used_at,
		   unused_until = excluded.unused_until,
		   owner_id = excluded.owner_id, previous_secret_hash = excluded.previous_secret_hash,
		   previous_secret_expires_at = excluded.previous_secret_expires_at`,
		c.ID, c.Name, c.Public, nullHashArg(c.SecretHash), listArg(c.RedirectURIs), listArg(c.Scopes),
		c.OrganizationID, c.AllowImplicit, c.RequirePKCE, s.f.timeArg(c.CreatedAt), s.f.timeArg(c.UpdatedAt),
		nullHashArg(c.RegistrationHash), bytesArg(c.RegistrationMetadata), lifetimeArg(c.UnusedLifetime),
		s.f.nullTimeArg(c.UsedAt), c.OwnerID, nullHashArg(c.PreviousSecretHash),
		s.f.nullTimeArg(c.PreviousSecretExpiresAt), s.unusedUntil(c))
	return err
}

// lifetimeArg stores a client's UnusedLifetime in whole microseconds, like times; nothing
// below zero.
func lifetimeArg(d time.Duration) int64 { return max(0, d.Microseconds()) }

// unusedUntil is the unused_until column of c: when it may be removed unless it holds a
// code or token (see migration 0006); NULL for a client that does not expire.
func (s *Store) unusedUntil(c store.Client) any {
	if lifetimeArg(c.UnusedLifetime) == 0 {
		return nil
	}
	return s.f.timeArg(c.LastUsed().Add(c.UnusedLifetime))
}

// bytesArg stores an opaque value, empty as NULL. The slice is a copy.
func bytesArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return slices.Clone(b)
}

// DeleteClient implements [store.Clients]. The client's tokens, codes and grants stay
// until they expire or are revoked, as with every backend.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	res, err := s.exec(ctx, "deleting a client", "DELETE FROM oauthkit_clients WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.failure("deleting a client", err)
	} else if n == 0 {
		return notFound("deleting a client")
	}
	return nil
}
