package storetest

import (
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// The Run function of each part checks the rules of that part alone, for a backend of some
// parts only. Like [Run], each calls its constructor for every subtest, to get a new,
// empty backend, and names its subtests "<Interface>/<Rule>", as Run does. It stores only
// records of the parts under test: the records those name (an account's organization, a
// token's client and account) are ids that no part under test holds, so a backend of some
// parts must not require them to exist.

// OrganizationsUnderTest is what [RunOrganizations] checks.
type OrganizationsUnderTest interface {
	store.Organizations
	store.OrganizationWriter
}

// RunOrganizations checks the rules of [store.Organizations] and [store.OrganizationWriter]
// on the backends newOrganizations returns, and that their lookups answer identifiers
// taken from requests with ErrNotFound.
func RunOrganizations(t *testing.T, newOrganizations func(t *testing.T) OrganizationsUnderTest) {
	t.Helper()
	run(t, []group{organizationGroup, lookupGroup}, func(t *testing.T) store.Parts {
		s := newOrganizations(t)
		return store.Parts{Organizations: s, OrganizationWriter: s}
	})
}

// AccountsUnderTest is what [RunAccounts] checks. The kit writes the accounts it then
// reads, so a backend over an application's users table implements [store.AccountWriter]
// for its tests, if the server never calls it.
type AccountsUnderTest interface {
	store.Accounts
	store.AccountWriter
}

// RunAccounts checks the rules of [store.Accounts] and [store.AccountWriter] on the backends
// newAccounts returns, and that their lookups answer identifiers taken from requests with
// ErrNotFound. The upstream identities that federated sign-in links accounts to are
// [RunAccountLinks]'s.
func RunAccounts(t *testing.T, newAccounts func(t *testing.T) AccountsUnderTest) {
	t.Helper()
	run(t, []group{accountGroup, lookupGroup}, func(t *testing.T) store.Parts {
		s := newAccounts(t)
		return store.Parts{Accounts: s, AccountWriter: s}
	})
}

// AccountLinksUnderTest is what [RunAccountLinks] checks.
type AccountLinksUnderTest interface {
	store.Accounts
	store.AccountWriter
	store.AccountLinks
}

// RunAccountLinks checks the rules of [store.AccountLinks], and of the upstream identities
// that [store.AccountWriter] stores, on the backends newAccounts returns. Its subtests are
// the "Accounts/…Subject…" ones of [Run].
func RunAccountLinks(t *testing.T, newAccounts func(t *testing.T) AccountLinksUnderTest) {
	t.Helper()
	run(t, []group{accountLinkGroup}, func(t *testing.T) store.Parts {
		s := newAccounts(t)
		return store.Parts{Accounts: s, AccountWriter: s, AccountLinks: s}
	})
}

// ClientsUnderTest is what [RunClients] checks. The kit writes the clients it then reads,
// so a backend over an application's own table of clients implements [store.ClientWriter]
// for its tests, if the server never calls it.
type ClientsUnderTest interface {
	store.Clients
	store.ClientWriter
}

// RunClients checks the rules of [store.Clients] and [store.ClientWriter] on the backends
// newClients returns, and that their lookups answer identifiers taken from requests with
// ErrNotFound.
func RunClients(t *testing.T, newClients func(t *testing.T) ClientsUnderTest) {
	t.Helper()
	run(t, []group{clientGroup, lookupGroup}, func(t *testing.T) store.Parts {
		s := newClients(t)
		return store.Parts{Clients: s, ClientWriter: s}
	})
}

// CodesUnderTest is what [RunCodes] checks: codes, and the tokens whose issuance redeems
// them ([store.Issue.ConsumeCode]).
type CodesUnderTest interface {
	store.Codes
	store.Tokens
}

// RunCodes checks the rules of [store.Codes] on the backends newCodes returns. A backend of
// codes is also one of tokens: run [RunTokens] on it too.
func RunCodes(t *testing.T, newCodes func(t *testing.T) CodesUnderTest) {
	t.Helper()
	run(t, []group{codeGroup}, func(t *testing.T) store.Parts {
		s := newCodes(t)
		return store.Parts{Codes: s, Tokens: s}
	})
}

// TokensUnderTest is what [RunTokens] checks: tokens, and the codes their issuance redeems
// ([store.Issue.ConsumeCode]).
type TokensUnderTest interface {
	store.Tokens
	store.Codes
}

// RunTokens checks the rules of [store.Tokens] on the backends newTokens returns: issuance,
// rotation, revocation, limits and caps, and the redemption of codes, including their
// concurrency rules. A backend of tokens is also one of codes: run [RunCodes] on it too,
// and [RunTokenAdmin] if it implements [store.TokenAdmin].
func RunTokens(t *testing.T, newTokens func(t *testing.T) TokensUnderTest) {
	t.Helper()
	run(t, []group{tokenGroup}, func(t *testing.T) store.Parts {
		s := newTokens(t)
		return store.Parts{Tokens: s, Codes: s}
	})
}

// TokenAdminUnderTest is what [RunTokenAdmin] checks: finding and revoking tokens by
// account and by ID, and the tokens it finds.
type TokenAdminUnderTest interface {
	store.Tokens
	store.TokenAdmin
}

// RunTokenAdmin checks the rules of [store.TokenAdmin] on the backends newTokens returns,
// and that TokenByID answers identifiers taken from requests with ErrNotFound.
func RunTokenAdmin(t *testing.T, newTokens func(t *testing.T) TokenAdminUnderTest) {
	t.Helper()
	run(t, []group{tokenAdminGroup, lookupGroup}, func(t *testing.T) store.Parts {
		s := newTokens(t)
		return store.Parts{Tokens: s, TokenAdmin: s}
	})
}

// RunGrants checks the rules of [store.Grants] on the backends newGrants returns, and that
// Grant answers identifiers taken from requests with ErrNotFound.
func RunGrants(t *testing.T, newGrants func(t *testing.T) store.Grants) {
	t.Helper()
	run(t, []group{grantGroup, lookupGroup}, func(t *testing.T) store.Parts {
		return store.Parts{Grants: newGrants(t)}
	})
}

// RunSessions checks the rules of [store.Sessions] on the backends newSessions returns.
func RunSessions(t *testing.T, newSessions func(t *testing.T) store.Sessions) {
	t.Helper()
	run(t, []group{sessionGroup}, func(t *testing.T) store.Parts {
		return store.Parts{Sessions: newSessions(t)}
	})
}

// RunCustomers checks the rules of [store.Customers] on the backends newCustomers returns,
// and that Customer answers identifiers taken from requests with ErrNotFound.
func RunCustomers(t *testing.T, newCustomers func(t *testing.T) store.Customers) {
	t.Helper()
	run(t, []group{customerGroup, lookupGroup}, func(t *testing.T) store.Parts {
		return store.Parts{Customers: newCustomers(t)}
	})
}
