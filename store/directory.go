package store

import "context"

// What a developer console (package flows/console) needs beyond [Storage]: lists of the
// clients an account manages, of the grants it has given and of an organization's
// accounts, and the withdrawal of a client's access in one step. Each is an optional
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

// ClientRevoker withdraws what a client holds, at once.
type ClientRevoker interface {
	// RevokeClientTokens removes what clientID holds for accountID, or for every account
	// (and for none: its client_credentials tokens) when accountID is "": its tokens of
	// every kind, rotated and expired ones included, customer tokens too when accountID is
	// ""; every token that shares a non-empty FamilyID with one of them (the customer
	// tokens minted with them); and its authorization codes, consumed or not, so that none
	// is redeemed afterwards. It returns how many tokens it removed. An issuance racing
	// with it that redeems one of those codes, or rotates or requires one of those tokens,
	// either commits first, and its tokens are removed too, or fails. An empty clientID
	// removes nothing. The removed tokens are published like those of RevokeFamily, by a backend
	// that is a [RevocationPublisher].
	RevokeClientTokens(ctx context.Context, clientID, accountID string) (int, error)
}
