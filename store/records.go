package store

import "time"

// Organization is a tenant (a "license" in the LiveChat-style API). Accounts and private
// clients belong to one.
type Organization struct {
	// ID identifies the organization; other records name it as their OrganizationID.
	ID string
	// Name is the organization's display name.
	Name string
}

// Account is a person who signs in: an agent or an administrator.
type Account struct {
	// ID is the account_id, a UUID.
	ID string
	// Login is the sign-in name (an email address), unique across accounts and compared
	// case-insensitively by the server (it stores it lowercased).
	Login string
	// OrganizationID is the ID of the organization the account belongs to.
	OrganizationID string
	// Roles the account holds, e.g. "agent", "administrator".
	Roles []string
	// PasswordHash is the account's password as a memory-hard KDF string (argon2id, PHC
	// format); empty means the account cannot use password login.
	PasswordHash string
	// PasswordLoginDisabled is set once the account has signed in through a federated
	// provider: from then on password login is refused (credentials_login_disabled).
	PasswordLoginDisabled bool
	// UpstreamIssuer and UpstreamSubject are the issuer and subject (the ID token's iss and
	// sub) of the upstream identity that this account is linked to by federated sign-in;
	// both empty until its first federated sign-in. An upstream identity is linked to at
	// most one account.
	UpstreamIssuer  string
	UpstreamSubject string
	// CreatedAt is when the account was created.
	CreatedAt time.Time
}

// HasRole reports whether the account holds role.
func (a Account) HasRole(role string) bool {
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Client is an OAuth client (an "app").
type Client struct {
	// ID is the client_id (RFC 6749 §2.2).
	ID string
	// Name is the app's name shown on the consent page; empty shows the ID instead.
	Name string
	// Public marks a public client (browser or native app): it has no secret, must use
	// PKCE, and its refresh tokens rotate. A confidential client authenticates with its
	// secret.
	Public bool
	// SecretHash is the keyed hash of a confidential client's secret.
	SecretHash Hash
	// RedirectURIs are the registered redirect URIs (package redirecturi decides matches).
	RedirectURIs []string
	// Scopes are the scopes the client may request.
	Scopes []string
	// OrganizationID, when set, makes the client private to that organization: only its
	// accounts may use it, and they are not asked for consent.
	OrganizationID string
	// AllowImplicit lets the client use response_type=token (off by default; OAuth 2.1
	// removes the implicit grant).
	AllowImplicit bool
	// RequirePKCE makes PKCE mandatory for a confidential client too (it always is for
	// public clients).
	RequirePKCE bool
	// CreatedAt is when the client was registered.
	CreatedAt time.Time
	// UpdatedAt changes whenever the client's configuration changes; remembered grants
	// record the client's scopes so a change asks for consent again.
	UpdatedAt time.Time

	// What dynamic client registration (RFC 7591, RFC 7592; package flows/registration)
	// keeps of a client it registered. Every field is zero for clients provisioned
	// otherwise.

	// RegistrationHash is the keyed hash of the client's registration access token (RFC
	// 7592), whose bearer may read, change and delete the registration. Zero: the
	// registration cannot be managed that way.
	RegistrationHash Hash
	// RegistrationMetadata is the client metadata (RFC 7591 §2) the registration endpoint
	// registered, a JSON object it returns as it stored it. Opaque to backends, which
	// store and return it byte for byte; nil or empty means none.
	RegistrationMetadata []byte
	// UnusedLifetime, when positive, makes the client expire when unused: housekeeping
	// ([ExpiredDeleter]) removes it once it has gone that long without a code or token.
	UnusedLifetime time.Duration
	// UsedAt is when the client was last known to be in use, for UnusedLifetime; zero
	// until housekeeping moves it forward (see [ExpiredDeleter]).
	UsedAt time.Time

	// OwnerID is the account that manages the client in the developer console (package
	// flows/console): the one that created it. Empty for clients provisioned otherwise.
	OwnerID string
	// PreviousSecretHash is the keyed hash of a confidential client's secret before its
	// last rotation, which authenticates the client too until PreviousSecretExpiresAt, so
	// that its deployments can change secrets without downtime. Zero when there is none.
	PreviousSecretHash Hash
	// PreviousSecretExpiresAt is when PreviousSecretHash stops authenticating the client.
	PreviousSecretExpiresAt time.Time
}

// LastUsed is when c was last known to be in use, as far as its record tells: the latest
// of CreatedAt, UpdatedAt and UsedAt. Housekeeping also counts the expiry of the client's
// stored codes and tokens (see [ExpiredDeleter]).
func (c Client) LastUsed() time.Time {
	last := c.CreatedAt
	for _, t := range []time.Time{c.UpdatedAt, c.UsedAt} {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// AuthorizationCode is an issued authorization code (RFC 6749 §4.1.2), bound to everything
// the token request must match.
type AuthorizationCode struct {
	// Hash is the keyed hash of the code; the code itself is never stored.
	Hash Hash
	// ClientID is the client the code was issued to; only it may redeem the code.
	ClientID string
	// AccountID is the account that authorized the request.
	AccountID string
	// OrganizationID is the account's organization, copied to the tokens issued.
	OrganizationID string
	// RedirectURI is the redirect_uri of the authorization request, exactly as sent.
	RedirectURI string
	// Scopes are the scopes granted, which the tokens issued for the code carry.
	Scopes []string
	// Resources are the resources the authorization request named (RFC 8707 resource
	// identifiers, absolute URIs, as the server wrote them): the tokens issued for the code
	// are for these, or for fewer when the token request names some. Empty means the
	// request named none.
	Resources []string
	// CodeChallenge and CodeChallengeMethod ("S256" or "plain") are the PKCE challenge
	// (RFC 7636); empty when the request had none.
	CodeChallenge       string
	CodeChallengeMethod string
	// FamilyID is carried by every token issued from this code, so that a replay of the
	// code revokes them all (RFC 9700 §4.5).
	FamilyID string
	// IssuedAt is when the code was issued.
	IssuedAt time.Time
	// ExpiresAt is when the code stops being valid (IssuedAt plus the server's code
	// lifetime, 5 minutes by default); from then on storage no longer returns it.
	ExpiresAt time.Time
	// ConsumedAt is set, once, by the issuance that redeems the code ([Issue.ConsumeCode]).
	ConsumedAt time.Time
}

// TokenKind says what a token is for.
type TokenKind string

// The kinds of token.
const (
	KindAccess   TokenKind = "access"   // OAuth access token
	KindRefresh  TokenKind = "refresh"  // OAuth refresh token
	KindPersonal TokenKind = "personal" // personal access token (PAT)
	KindCustomer TokenKind = "customer" // customer access token
)

// Token is an issued access, refresh, personal or customer token.
type Token struct {
	// Hash is the keyed hash of the token string, its lookup key.
	Hash Hash
	// ID is a public, non-secret identifier (for listing, revoking by id, JWT jti, and
	// linking tokens). Unique.
	ID string
	// Kind is what the token is for; each endpoint accepts only the kinds it expects.
	Kind TokenKind
	// Name labels a personal access token.
	Name string
	// ClientID is the client the token was issued to; empty for personal access tokens.
	ClientID string
	// AccountID is the account the token acts for; empty for client_credentials and
	// customer tokens.
	AccountID string
	// OrganizationID is the organization of the account, customer or (client_credentials)
	// client; empty when there is none.
	OrganizationID string
	// CustomerID is set on customer tokens.
	CustomerID string
	// Scopes are the scopes the token grants.
	Scopes []string
	// Audience are the resource servers the token is for: RFC 8707 resource identifiers
	// (absolute URIs). Empty means unrestricted: the token is for any resource server that
	// does not require an audience. A refresh token's audience is that of its grant, which
	// the access tokens refreshed with it may narrow.
	Audience []string
	// FamilyID groups every token descended from one authorization code, and the customer
	// tokens minted with one of them, so that revoking the grant revokes them all. A
	// personal access token is a family of its own (its FamilyID is its ID), which the
	// customer tokens minted with it join.
	FamilyID string
	// GrantedAt is when the grant this token descends from was made: the redemption of the
	// authorization code, kept by every refresh and rotation. It bounds a rotating refresh
	// token family's total lifetime. Zero on tokens that descend from no grant.
	GrantedAt time.Time
	// RefreshID links an access token to the refresh token it is paired with: the one
	// issued beside it, or the one it was refreshed with. Revoking either side of a pair
	// revokes the other.
	RefreshID string
	// FromRefresh marks an access token issued by the refresh_token grant.
	FromRefresh bool
	// SealedRefresh holds, on an access token issued by the refresh_token grant, its paired
	// refresh token encrypted under a key derived from the access token itself and the
	// server's key, so that the info endpoint can show it to the access token's holder
	// while storage alone reveals nothing. Opaque to backends.
	SealedRefresh []byte
	// IssuedAt is when the token was issued; token limits evict the oldest first.
	IssuedAt time.Time
	// ExpiresAt is when the token stops being valid; from then on storage no longer
	// returns it.
	ExpiresAt time.Time
	// RotatedAt is set on a refresh token that has been exchanged under rotation. The
	// record is kept until it expires, so that its reuse can be detected.
	RotatedAt time.Time
}

// Live reports whether t is usable at now: not expired and not rotated away.
func (t Token) Live(now time.Time) bool {
	return now.Before(t.ExpiresAt) && t.RotatedAt.IsZero()
}

// Grant is an account's remembered consent for a client.
type Grant struct {
	// AccountID is the account that gave consent.
	AccountID string
	// ClientID is the client the consent was given to.
	ClientID string
	// Scopes the account granted.
	Scopes []string
	// ClientScopes are the client's configured scopes when consent was given; when the
	// client's scopes differ later, the grant no longer stands (missing_grant).
	ClientScopes []string
	// CreatedAt is when consent was first given under the client's current scopes; it is
	// reset when consent is given again after the client's scopes changed.
	CreatedAt time.Time
	// UpdatedAt is when consent was last given.
	UpdatedAt time.Time
}

// Session is a signed-in browser session.
type Session struct {
	// Hash is the keyed hash of the session id held in the cookie.
	Hash Hash
	// AccountID is the signed-in account.
	AccountID string
	// CreatedAt is when the person signed in.
	CreatedAt time.Time
	// ExpiresAt is when the session ends (CreatedAt plus the server's session lifetime,
	// 12 hours by default); sessions are not extended by use.
	ExpiresAt time.Time
}

// Customer is an end-user identity created through the customer flow, separate from
// accounts.
type Customer struct {
	// ID is the customer's id, the entity_id of the customer endpoint.
	ID string
	// OrganizationID is the organization the customer belongs to: that of the token that
	// created it. Only tokens of that organization can get customer tokens for it.
	OrganizationID string
	// ClientID is the client through which the customer was created.
	ClientID string
	// CreatedAt is when the customer was created.
	CreatedAt time.Time
}
