package store

import "context"

// What a developer console (package flows/console) needs beyond [Storage]: lists of the
// clients an account manages, of the grants it has given and of an organization's
// accounts (withdrawing a client's access is [TokenAdmin.RevokeClientTokens]). Each is an optional
// capability, discovered by type assertion or asked for by the console's own storage
// interface; packages memstore and sqlstore implement them all, and the conformance kit's
// storetest.RunDirectories checks a backend that does.
//
// The lists are pages in a fixed order: at most limit records (none when limit ≤ 0)
// whose key is greater than after, so that the next page starts after the last key of
// this one and "" starts at the beginning. An empty owner, organization or account has
// nothing to list.

// ClientDirectory lists clients by who manages them.
type ClientDirectory interface {
	// ClientsByOwner returns a page of the clients whose OwnerID is ownerID, by ID.
	ClientsByOwner(ctx context.Context, ownerID, after string, limit int) ([]Client, error)
	// ClientsByOrganization returns a page of the clients private to organizationID (their
	// OrganizationID), by ID.
	ClientsByOrganization(ctx context.Context, organizationID, after string, limit int) ([]Client, error)
}

// GrantDirectory lists the consents an account has given.
type GrantDirectory interface {
	// AccountGrants returns a page of the grants of accountID, by ClientID.
	AccountGrants(ctx context.Context, accountID, after string, limit int) ([]Grant, error)
}

// AccountDirectory lists the accounts of an organization.
type AccountDirectory interface {
	// OrganizationAccounts returns a page of the accounts whose OrganizationID is
	// organizationID, by ID.
	OrganizationAccounts(ctx context.Context, organizationID, after string, limit int) ([]Account, error)
}
