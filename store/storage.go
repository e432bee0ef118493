package store

import (
	"context"
	"time"
)

// Organizations finds tenants.
type Organizations interface {
	// Organization returns the organization with id, or ErrNotFound.
	Organization(ctx context.Context, id string) (Organization, error)
}

// OrganizationWriter provisions tenants.
type OrganizationWriter interface {
	// PutOrganization creates or replaces the organization with o.ID.
	PutOrganization(ctx context.Context, o Organization) error
}

// Accounts finds the people who sign in. An application with a users table of its own
// implements it over that table.
type Accounts interface {
	// Account returns the account with id, or ErrNotFound.
	Account(ctx context.Context, id string) (Account, error)
	// AccountByLogin returns the account whose Login equals login exactly, or ErrNotFound.
	AccountByLogin(ctx context.Context, login string) (Account, error)
}

// AccountWriter creates and changes accounts: provisioning, password changes, and the
// accounts that federated sign-in creates and links.
type AccountWriter interface {
	// PutAccount creates or replaces the account with a.ID. It returns ErrConflict when
	// another account already has a.Login, or the same non-empty (UpstreamIssuer,
	// UpstreamSubject).
	PutAccount(ctx context.Context, a Account) error
}

// AccountLinks finds accounts by the upstream identity that federated sign-in linked them
// to.
type AccountLinks interface {
	// AccountBySubject returns the account linked to the upstream identity (issuer,
	// subject) of federated sign-in, or ErrNotFound. Empty arguments find nothing.
	AccountBySubject(ctx context.Context, issuer, subject string) (Account, error)
}

// Clients finds OAuth clients.
type Clients interface {
	// Client returns the client with id, or ErrNotFound.
	Client(ctx context.Context, id string) (Client, error)
}

// ClientWriter provisions OAuth clients.
type ClientWriter interface {
	// PutClient creates or replaces the client with c.ID.
	PutClient(ctx context.Context, c Client) error
	// DeleteClient removes the client with id, or returns ErrNotFound.
	DeleteClient(ctx context.Context, id string) error
}

// Codes stores authorization codes. A code is redeemed by the issuance of its tokens
// ([Issue.ConsumeCode]), so a backend of Codes is also the backend of [Tokens].
type Codes interface {
	// CreateCode stores c. It returns ErrConflict when a code with c.Hash exists.
	CreateCode(ctx context.Context, c AuthorizationCode) error
	// Code returns the code with hash, consumed or not, or ErrNotFound when there is none
	// or it has expired at now.
	Code(ctx context.Context, hash Hash, now time.Time) (AuthorizationCode, error)
}

// Issue is one atomic token issuance for [Tokens.IssueTokens].
//
// Limits and caps count the live tokens of a group. An account group, (Kind, ClientID,
// AccountID), holds the tokens of a kind that a client holds for one account (a non-empty
// AccountID). Customer tokens (KindCustomer) go by customer instead: a customer group is
// (Kind, ClientID, CustomerID), for a non-empty CustomerID. Limits and Caps count, evict and
// refuse in these groups only. A client group, (Kind, ClientID), holds the tokens with
// neither an AccountID nor a CustomerID, such as client_credentials access tokens, which act
// for their client alone; only ClientLimits counts them, so that the instances of an
// application sharing one client do not evict each other's tokens unless asked to.
type Issue struct {
	// Tokens to insert. Their hashes and IDs must be new (ErrConflict otherwise).
	Tokens []Token
	// Limits caps the live tokens of a kind per account or customer group: after the
	// insert, in each such group that an inserted token belongs to, the oldest live tokens
	// stored before this issuance (by IssuedAt; ties as [CompareEviction] orders them,
	// refresh groups first as [CompareEvictionKind] says) beyond the limit are evicted. The
	// tokens this issuance inserts are never evicted by it, however late it commits. A kind
	// that is absent, or a limit ≤ 0, is unlimited. Evicting a refresh token also removes the
	// access tokens paired with it; evicting an access token removes only it. Tokens of no
	// account and no customer are neither counted nor evicted by Limits.
	Limits map[TokenKind]int
	// ClientLimits caps, by the same rules as Limits, the live tokens of a kind per client
	// group: tokens with neither an AccountID nor a CustomerID, per (Kind, ClientID). After
	// the insert, in each client group that an inserted token belongs to, the oldest live
	// tokens stored before this issuance beyond the limit are evicted, in the order of
	// [CompareEviction], never the tokens this issuance inserts, and exactly under concurrent
	// issuances. A kind that is absent, or a limit ≤ 0, is unlimited.
	ClientLimits map[TokenKind]int
	// Caps refuses the issuance instead of evicting: when, after the insert, an account or
	// customer group that an inserted token belongs to would hold more live tokens of a
	// kind than Caps names (the refresh token RotateID names no longer counts: it is
	// rotated), IssueTokens fails with ErrLimitReached and nothing is written. Under
	// concurrent issuances the cap holds exactly. A kind that is absent, or a cap ≤ 0, is
	// uncapped. Tokens of no account and no customer are never counted by Caps.
	Caps map[TokenKind]int
	// ConsumeCode, when not zero, is the hash of an authorization code that this issuance
	// redeems: the code must exist, not be expired at now and not be consumed, and it is
	// marked consumed at now in the same atomic step. A code already consumed fails the
	// issuance with ErrConflict; a missing or expired one with ErrNotFound; in both cases
	// nothing is written. Whatever fails (the process, the connection, the database), a
	// code is redeemed at most once, however many issuances race for it. The consumed code
	// is kept until it expires, so that a replay can be recognised.
	ConsumeCode Hash
	// RotateID, when set, names a refresh token that must be live at now; it is marked
	// rotated in the same operation. If it has already been rotated, the issuance fails
	// with ErrConflict and nothing is written; if it is missing or expired, ErrNotFound.
	RotateID string
	// RotatedWithin, when positive, is the grace window of a rotation: RotateID may then
	// also name a refresh token that was rotated less than RotatedWithin before now (and
	// has not expired), provided fewer than MaxRepeats issuances have already been granted
	// this way with it. Such an issuance counts one repeat of the token in the same atomic
	// step, keeps its RotatedAt (the window runs from the first rotation and never moves),
	// and leaves the tokens issued by the earlier rotation and repeats live. Beyond the
	// window, or once MaxRepeats repeats have been granted, it fails with ErrConflict as
	// without a window. However many issuances race, at most MaxRepeats repeats of one
	// token succeed. Zero (the default) grants no repeat.
	RotatedWithin time.Duration
	// MaxRepeats bounds the repeats that RotatedWithin grants per rotated refresh token;
	// ≤ 0 grants none.
	MaxRepeats int
	// RequireID, when set, names a token that must exist and be live at now (not expired,
	// not rotated) for the issuance to happen; otherwise it fails with ErrNotFound and
	// nothing is written. The check and the insert are one atomic step, so a token issued
	// on the strength of another (an access token from a refresh token that is not rotated)
	// cannot escape a revocation of that other token racing with it.
	RequireID string
}

// Tokens stores issued tokens.
type Tokens interface {
	// IssueTokens performs is atomically: the code named by is.ConsumeCode is consumed,
	// the refresh token named by is.RotateID is rotated, every token is inserted and
	// limits are enforced, or (a failed check, a cap reached) nothing changes. Under
	// concurrent calls the live count of a group limited by Limits or ClientLimits never
	// exceeds its limit (unless a single issuance inserts more tokens into a group than its
	// limit: they are all kept), nor that of a capped group its cap.
	IssueTokens(ctx context.Context, now time.Time, is Issue) error
	// Token returns the token with hash, or ErrNotFound when there is none (revoked tokens
	// are removed) or it has expired at now. A rotated refresh token is returned, with
	// RotatedAt set, so that its reuse can be detected.
	Token(ctx context.Context, hash Hash, now time.Time) (Token, error)
	// RevokeToken removes the token with id and its pair: for an access token, the refresh
	// token it names and every access token paired with that; for a refresh token, every
	// access token paired with it. ErrNotFound when no token has id.
	RevokeToken(ctx context.Context, id string) error
	// RevokeFamily removes every token whose FamilyID is familyID, rotated ones included.
	// Revoking a family with no tokens is not an error; an empty familyID revokes nothing.
	RevokeFamily(ctx context.Context, familyID string) error
}

// TokenAdmin finds and revokes tokens by something other than their secret: listing an
// account's personal access tokens, checking a JWT's jti, signing an account out
// everywhere.
type TokenAdmin interface {
	// TokenByID returns the token with id, or ErrNotFound when there is none or it has
	// expired at now. Rotated refresh tokens are returned with RotatedAt set.
	TokenByID(ctx context.Context, id string, now time.Time) (Token, error)
	// AccountTokens returns the live tokens (not expired at now, not rotated) of accountID,
	// of the given kind ("" for every kind), oldest first (by IssuedAt, then ID).
	AccountTokens(ctx context.Context, accountID string, kind TokenKind, now time.Time) ([]Token, error)
	// RevokeAccountTokens removes every token of accountID, of every kind, rotated and
	// expired ones included, and every token that shares a non-empty FamilyID with one of
	// them (the customer tokens they minted), and returns how many it removed.
	RevokeAccountTokens(ctx context.Context, accountID string) (int, error)
	// RevokeClientTokens removes what clientID holds for accountID (withdrawn access), or for every account
	// (and for none: its client_credentials tokens) when accountID is "": its tokens of
	// every kind, rotated and expired ones included, customer tokens too when accountID is
	// ""; every token that shares a non-empty FamilyID with one of them (the customer
	// tokens minted with them); and its authorization codes, consumed or not, so that none
	// is redeemed afterwards. It returns how many tokens it removed. An issuance racing
	// with it that redeems one of those codes, or rotates or requires one of those tokens,
	// either commits first, and its tokens are removed too, or fails. An empty clientID
	// removes nothing. The removed tokens are published like those of RevokeFamily, by a backend that is a
	// [RevocationPublisher]. Clients.DeleteClient leaves a client's tokens, codes and
	// grants: whoever deletes a client calls this with accountID "" too, so that no token
	// or code it was given outlives it.
	RevokeClientTokens(ctx context.Context, clientID, accountID string) (int, error)
}

// Grants stores remembered consent.
type Grants interface {
	// Grant returns the grant of accountID to clientID, or ErrNotFound.
	Grant(ctx context.Context, accountID, clientID string) (Grant, error)
	// PutGrant creates or replaces the grant for (g.AccountID, g.ClientID).
	PutGrant(ctx context.Context, g Grant) error
	// DeleteGrant removes the grant of accountID to clientID; removing none is not an error.
	DeleteGrant(ctx context.Context, accountID, clientID string) error
}

// Sessions stores signed-in browser sessions.
type Sessions interface {
	// CreateSession stores s. It returns ErrConflict when a session with s.Hash exists.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with hash, or ErrNotFound when there is none or it has
	// expired at now.
	Session(ctx context.Context, hash Hash, now time.Time) (Session, error)
	// DeleteSession ends the session with hash; ending none is not an error.
	DeleteSession(ctx context.Context, hash Hash) error
	// DeleteAccountSessions ends every session of accountID (logout everywhere, password
	// reset).
	DeleteAccountSessions(ctx context.Context, accountID string) error
}

// Customers stores customer identities.
type Customers interface {
	// CreateCustomer stores c. It returns ErrConflict when a customer with c.ID exists.
	CreateCustomer(ctx context.Context, c Customer) error
	// Customer returns the customer with id, or ErrNotFound.
	Customer(ctx context.Context, id string) (Customer, error)
}

// ExpiredDeleter is an optional capability of a backend, discovered by type assertion: it
// removes every code, token and session that has expired at now, and every client that has
// gone unused for its UnusedLifetime, and returns how many. A server calls it periodically;
// without it, expired records are never returned as valid but stay stored, and clients
// that expire when unused stay too.
//
// A client whose UnusedLifetime is positive counts as used until the latest of its
// [Client.LastUsed] and the ExpiresAt of each of its codes and tokens (by ClientID) stored
// at the call: while it holds an unexpired code or token it is in use. Once now is not
// before that instant plus UnusedLifetime, DeleteExpired removes the client and its grants.
// It may move the UsedAt of a client it keeps forward, never beyond the latest ExpiresAt of
// the client's codes and tokens, and does so when it removes expired codes or tokens of the
// client: to the latest of their ExpiresAt, so that removing them does not shorten the
// client's life. A token revoked before it expires leaves no trace: it no longer counts.
// Only the codes and tokens this backend stores count: in a composition that keeps a
// backend's clients but another's tokens, a client that expires when unused may be removed
// while tokens of it live on elsewhere.
type ExpiredDeleter interface {
	// DeleteExpired removes the codes, tokens and sessions that have expired at now
	// (ExpiresAt not after now) and the clients that have gone unused for their
	// UnusedLifetime, with their grants, and returns how many records it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
}

// RevocationPublisher is an optional capability of a backend, discovered by type
// assertion: it tells subscribers in this process which tokens were removed, so that caches
// of validated tokens (package middleware) can forget them at once. fn is called after the
// removal is done, outside any lock, with the IDs of the tokens removed by RevokeToken,
// RevokeFamily, RevokeAccountTokens and limit evictions of IssueTokens (not with expired
// tokens deleted by housekeeping). Revocations made by other processes are not seen; caches
// bound those by their maximum age.
type RevocationPublisher interface {
	// SubscribeRevocations registers fn and returns a function that unregisters it.
	SubscribeRevocations(fn func(tokenIDs []string)) (cancel func())
}

// Storage is every part above: what a complete backend (memstore, sqlstore) implements and
// what the conformance kit's Run checks. The server and the sign-in packages each ask only
// for the parts they use; [Parts] composes them from several backends.
type Storage interface {
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
