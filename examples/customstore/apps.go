package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/oauthkit/oauthkit/store"
)

// What the server asks of the registered apps: find one by its client id. The application
// registers, changes and removes them (ClientWriter), e.g. from its admin pages.

func (a app) client() store.Client {
	return store.Client{
		ID: a.ID, Name: a.Name, Public: a.Public, SecretHash: a.SecretHash,
		RedirectURIs: slices.Clone(a.RedirectURIs), Scopes: slices.Clone(a.Scopes),
		OrganizationID: a.Team, AllowImplicit: a.AllowImplicit, RequirePKCE: a.RequirePKCE,
		CreatedAt: a.Created, UpdatedAt: a.Updated,
		RegistrationHash: a.RegistrationHash, RegistrationMetadata: slices.Clone(a.RegistrationMetadata),
		UnusedLifetime: a.UnusedLifetime, UsedAt: a.UsedAt,
	}
}

func appOf(c store.Client) app {
	return app{
		ID: c.ID, Name: c.Name, Public: c.Public, SecretHash: c.SecretHash,
		RedirectURIs: slices.Clone(c.RedirectURIs), Scopes: slices.Clone(c.Scopes),
		Team: c.OrganizationID, AllowImplicit: c.AllowImplicit, RequirePKCE: c.RequirePKCE,
		Created: c.CreatedAt, Updated: c.UpdatedAt,
		RegistrationHash: c.RegistrationHash, RegistrationMetadata: slices.Clone(c.RegistrationMetadata),
		UnusedLifetime: c.UnusedLifetime, UsedAt: c.UsedAt,
	}
}

// Client implements [store.Clients].
func (d *Directory) Client(_ context.Context, id string) (store.Client, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, a := range d.data.Apps {
		if a.ID == id {
			return a.client(), nil
		}
	}
	return store.Client{}, fmt.Errorf("directory: no such app: %w", store.ErrNotFound)
}

// PutClient implements [store.ClientWriter].
func (d *Directory) PutClient(_ context.Context, c store.Client) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	next := d.data
	next.Apps = withApp(d.data.Apps, appOf(c))
	return d.save(next)
}

// DeleteClient implements [store.ClientWriter].
func (d *Directory) DeleteClient(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.data.Apps, func(a app) bool { return a.ID == id })
	if i < 0 {
		return fmt.Errorf("directory: no such app: %w", store.ErrNotFound)
	}
	next := d.data
	next.Apps = slices.Delete(slices.Clone(d.data.Apps), i, i+1)
	return d.save(next)
}
