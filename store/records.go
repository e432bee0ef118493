package store

import "time"

// Organization is a tenant (the seed's "license"). Accounts and private clients belong to one.
type Organization struct {
	ID   string
	Name string
}

// Account is a person who signs in: an agent or an administrator.
type Account struct {
	// ID is the account_id, a UUID.
	ID string
	// Login is the sign-in name (an email address), unique across accounts and compared
	// case-insensitively by the server (it stores it lowercased).
	Login          string
	OrganizationID string
	// Roles the account holds, e.g. "agent", "administrator".
	Roles []string
	// PasswordHash is the account's password as a memory-hard KDF string (argon2id, PHC
	// format); empty means the account cannot use password login.
	PasswordHash string
	// PasswordLoginDisabled is set once the account has signed in through a federated
	// provider: from then on password login is refused (credentials_login_disabled).
	PasswordLoginDisabled bool
	CreatedAt             time.Time
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
	ID   string
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
	CreatedAt   time.Time
	// UpdatedAt changes whenever the client's configuration changes; remembered grants
	// record the client's scopes so a change asks for consent again.
	UpdatedAt time.Time
}

// AuthorizationCode is an issued authorization code (RFC 6749 §4.1.2), bound to everything
// the token request must match.
type AuthorizationCode struct {
	// Hash is the keyed hash of the code; the code itself is never stored.
	Hash           Hash
	ClientID       string
	AccountID      string
	OrganizationID string
	// RedirectURI is the redirect_uri of the authorization request, exactly as sent.
	RedirectURI string
	Scopes      []string
	// CodeChallenge and CodeChallengeMethod ("S256" or "plain") are the PKCE challenge
	// (RFC 7636); empty when the request had none.
	CodeChallenge       string
	CodeChallengeMethod string
	// FamilyID is carried by every token issued from this code, so that a replay of the
	// code revokes them all (RFC 9700 §4.5).
	FamilyID  string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// ConsumedAt is set, once, by ConsumeCode.
	ConsumedAt time.Time
}

// TokenKind says what a token is for.
type TokenKind string

// The kinds of token.
const (
	KindAccess   TokenKind = "access"
	KindRefresh  TokenKind = "refresh"
	KindPersonal TokenKind = "personal" // personal access token (PAT)
	KindCustomer TokenKind = "customer" // customer access token
)

// Token is an issued access, refresh, personal or customer token.
type Token struct {
	// Hash is the keyed hash of the token string, its lookup key.
	Hash Hash
	// ID is a public, non-secret identifier (for listing, revoking by id, JWT jti, and
	// linking tokens). Unique.
	ID   string
	Kind TokenKind
	// Name labels a personal access token.
	Name           string
	ClientID       string
	AccountID      string
	OrganizationID string
	// CustomerID is set on customer tokens.
	CustomerID string
	Scopes     []string
	// FamilyID groups every token descended from one authorization code.
	FamilyID string
	// RefreshID links an access token to the refresh token it is paired with: the one
	// issued beside it, or the one it was refreshed with. Revoking either side of a pair
	// revokes the other.
	RefreshID string
	// FromRefresh marks an access token issued by the refresh_token grant.
	FromRefresh bool
	// SealedRefresh holds, on an access token issued by the refresh_token grant, its paired
	// refresh token encrypted under a key derived from the access token itself and the
	// server's key, so that the info endpoint can show it to the access token's holder
	// (R-INFO-1) while storage alone reveals nothing. Opaque to backends.
	SealedRefresh []byte
	IssuedAt      time.Time
	ExpiresAt     time.Time
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
	AccountID string
	ClientID  string
	// Scopes the account granted.
	Scopes []string
	// ClientScopes are the client's configured scopes when consent was given; when the
	// client's scopes differ later, the grant no longer stands (missing_grant).
	ClientScopes []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is a signed-in browser session.
type Session struct {
	// Hash is the keyed hash of the session id held in the cookie.
	Hash      Hash
	AccountID string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Customer is an end-user identity created through the customer flow, separate from
// accounts.
type Customer struct {
	ID             string
	OrganizationID string
	ClientID       string
	CreatedAt      time.Time
}
