package store

import (
	"strconv"
	"strings"
)

// Parts is a storage composed of parts, each of which may come from another backend, or be
// left out: a program can keep tokens, codes and grants in sqlstore, take accounts from its
// own users table and have no sessions at all.
//
//	db, _ := sqlite.Open(ctx, "oauthkit.db")
//	parts := store.Parts{
//		Clients: db, Codes: db, Tokens: db, TokenAdmin: db, Grants: db, // from sqlstore
//		Accounts: users, // the application's own users table
//	}
//	if err := parts.Check(store.PartClients, store.PartAccounts, store.PartTokens); err != nil {
//		return err // names the parts that are missing
//	}
//
// Every field is one interface of the contract, embedded, so a Parts is also a [Storage]:
// its methods are those of its parts. A method of a part left nil panics, so whoever takes a
// Parts checks the parts it needs with [Parts.Check] once, at construction (the server
// does), and [Parts.Storage] checks that every part is set. Start from [PartsOf] to take
// every part from one backend and replace some.
//
// Parts of one kind of record belong together: Codes and Tokens must be the same backend,
// because [Tokens.IssueTokens] redeems the codes that Codes stores in the same atomic step;
// TokenAdmin finds the tokens of Tokens; AccountWriter and AccountLinks write and find the
// accounts of Accounts. Nothing checks this, since two parts may be different values over
// one database.
type Parts struct {
	Organizations
	OrganizationWriter
	Accounts
	AccountWriter
	AccountLinks
	Clients
	ClientWriter
	Codes
	Tokens
	TokenAdmin
	Grants
	Sessions
	Customers
}

// PartsOf returns the Parts of a complete backend: every part is s.
func PartsOf(s Storage) Parts {
	return Parts{
		Organizations: s, OrganizationWriter: s,
		Accounts: s, AccountWriter: s, AccountLinks: s,
		Clients: s, ClientWriter: s,
		Codes: s, Tokens: s, TokenAdmin: s,
		Grants: s, Sessions: s, Customers: s,
	}
}

// Part names one interface of the storage contract, for [Parts.Check].
type Part uint8

// The parts of the contract, one per field of [Parts].
const (
	PartOrganizations Part = iota + 1
	PartOrganizationWriter
	PartAccounts
	PartAccountWriter
	PartAccountLinks
	PartClients
	PartClientWriter
	PartCodes
	PartTokens
	PartTokenAdmin
	PartGrants
	PartSessions
	PartCustomers
)

// partNames are the interface names of the parts, indexed by Part.
var partNames = [...]string{
	PartOrganizations:      "Organizations",
	PartOrganizationWriter: "OrganizationWriter",
	PartAccounts:           "Accounts",
	PartAccountWriter:      "AccountWriter",
	PartAccountLinks:       "AccountLinks",
	PartClients:            "Clients",
	PartClientWriter:       "ClientWriter",
	PartCodes:              "Codes",
	PartTokens:             "Tokens",
	PartTokenAdmin:         "TokenAdmin",
	PartGrants:             "Grants",
	PartSessions:           "Sessions",
	PartCustomers:          "Customers",
}

// String returns the name of the part's interface, e.g. "Tokens".
func (p Part) String() string {
	if p == 0 || int(p) >= len(partNames) {
		return "Part(" + strconv.Itoa(int(p)) + ")"
	}
	return partNames[p]
}

// AllParts returns every part, in the order of the fields of [Parts].
func AllParts() []Part {
	all := make([]Part, 0, len(partNames)-1)
	for p := PartOrganizations; int(p) < len(partNames); p++ {
		all = append(all, p)
	}
	return all
}

// Has reports whether part is set in p.
func (p Parts) Has(part Part) bool {
	switch part {
	case PartOrganizations:
		return p.Organizations != nil
	case PartOrganizationWriter:
		return p.OrganizationWriter != nil
	case PartAccounts:
		return p.Accounts != nil
	case PartAccountWriter:
		return p.AccountWriter != nil
	case PartAccountLinks:
		return p.AccountLinks != nil
	case PartClients:
		return p.Clients != nil
	case PartClientWriter:
		return p.ClientWriter != nil
	case PartCodes:
		return p.Codes != nil
	case PartTokens:
		return p.Tokens != nil
	case PartTokenAdmin:
		return p.TokenAdmin != nil
	case PartGrants:
		return p.Grants != nil
	case PartSessions:
		return p.Sessions != nil
	case PartCustomers:
		return p.Customers != nil
	default:
		return false
	}
}

// Check returns nil when every part of need is set in p, and otherwise a
// [*MissingPartsError] naming those that are not.
func (p Parts) Check(need ...Part) error {
	var missing []Part
	for _, part := range need {
		if !p.Has(part) {
			missing = append(missing, part)
		}
	}
	if len(missing) > 0 {
		return &MissingPartsError{Missing: missing}
	}
	return nil
}

// PartChecker is what a composition that may lack parts ([Parts]) offers its consumers: the
// server and the sign-in packages call Check at construction with the parts they need, so
// that a missing part fails there rather than as a nil call at the first request, and with
// an optional part to learn whether to serve what needs it. A complete backend has every
// part and need not implement it.
type PartChecker interface {
	// Check returns nil when every part of need is set, and otherwise an error naming
	// those that are not (a [*MissingPartsError]).
	Check(need ...Part) error
}

var _ PartChecker = Parts{}

// Storage returns p as a [Storage] when every part is set, and otherwise the error of
// [Parts.Check] naming the parts that are missing.
func (p Parts) Storage() (Storage, error) {
	if err := p.Check(AllParts()...); err != nil {
		return nil, err
	}
	return p, nil
}

// MissingPartsError is the error of [Parts.Check]: parts that a consumer needs are not set.
type MissingPartsError struct {
	// Missing are the parts needed and not set, in the order they were asked for.
	Missing []Part
}

// Error names the missing parts, e.g. "store: missing storage parts: Accounts, Tokens".
func (e *MissingPartsError) Error() string {
	names := make([]string, len(e.Missing))
	for i, p := range e.Missing {
		names[i] = p.String()
	}
	return "store: missing storage parts: " + strings.Join(names, ", ")
}
