package flows

import "github.com/oauthkit/oauthkit/store"

// Storage is the part of the storage contract the authorization server uses: the clients,
// the accounts tokens act for (their rights are checked again when long-lived tokens are
// used), authorization codes, tokens and their administration, and remembered consent. A
// complete backend (store.Storage) has it all; an application with its own users composes
// one from parts (its users table behind store.Accounts, the rest from a backend). Sessions
// are no part of it: they are the sign-in's.
//
// The customer endpoint needs one more part: it is served only when the Storage is also a
// store.Customers (discovered by type assertion). Without, [Server.Handler] does not serve
// Paths.Customer, [Server.CustomerHandler] answers 404, and the metadata names no
// customer endpoint.
//
// A composition that may lack parts ([store.Parts], any [store.PartChecker]) is checked at
// [New]: a missing part is an error there, and the customers part counts only when set.
type Storage interface {
	store.Clients
	store.Accounts
	store.Codes
	store.Tokens
	store.TokenAdmin
	store.Grants
}

// storageParts are the parts of [Storage], for a [store.PartChecker].
var storageParts = []store.Part{store.PartClients, store.PartAccounts, store.PartCodes,
	store.PartTokens, store.PartTokenAdmin, store.PartGrants}
