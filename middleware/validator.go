package middleware

import (
	"context"
	"errors"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// Credential is what a request presented: a bearer token (RFC 6750), or HTTP Basic
// credentials whose password is a personal access token (R-PAT-2).
type Credential struct {
	// Token is the bearer token, or the Basic password.
	Token string
	// Username is the Basic user name: the account ID, or the account's login for legacy
	// v2 APIs. Empty for a bearer token.
	Username string
	// Basic reports whether the credential came as HTTP Basic.
	Basic bool
}

// Info describes a valid token: what handlers learn from [TokenFromContext]. It is a plain
// value; Scopes is immutable, so copies never alias anything mutable.
type Info struct {
	// ID is the token's public identifier: the store record ID, or the JWT's jti. Caches
	// forget tokens by it when they are revoked.
	ID   string
	Kind store.TokenKind
	// ClientID is the OAuth client the token was issued to.
	ClientID string
	// AccountID and OrganizationID are the account the token acts for and its tenant.
	AccountID      string
	OrganizationID string
	// CustomerID is set on customer tokens.
	CustomerID string
	Scopes     scopes.Set
	IssuedAt   time.Time
	// ExpiresAt is when the validator stops accepting the token: the record's or the
	// introspection answer's exp, or a JWT's exp plus the validator's leeway. Zero when the
	// validator does not know (an introspection answer without exp); caches then bound the
	// entry by their maximum age only.
	ExpiresAt time.Time
}

// Validator checks a credential. Implementations must be safe for concurrent use.
//
// Validate returns the token's Info, or an error wrapping [ErrInvalidToken] when the
// credential is unknown, expired, revoked, of a kind it cannot accept (a refresh token, a
// non-personal token sent as Basic), or otherwise unusable, or an error wrapping
// [ErrUnavailable] when it cannot tell (storage down, introspection endpoint unreachable).
// Any other error is treated like ErrUnavailable: the request fails closed.
type Validator interface {
	Validate(ctx context.Context, cred Credential) (Info, error)
}

// ValidatorFunc adapts a function to [Validator].
type ValidatorFunc func(ctx context.Context, cred Credential) (Info, error)

// Validate calls f.
func (f ValidatorFunc) Validate(ctx context.Context, cred Credential) (Info, error) {
	return f(ctx, cred)
}

// Sentinel errors of validators; test with errors.Is. Their text is for logs only.
var (
	// ErrInvalidToken: the credential is not a valid token. Answered 401 invalid_token.
	ErrInvalidToken = errors.New("middleware: invalid token")
	// ErrUnavailable: the validator could not decide. Answered 503; the request never
	// passes.
	ErrUnavailable = errors.New("middleware: token validation unavailable")
)
