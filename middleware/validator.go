package middleware

import (
	"context"
	"errors"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// Credential is what a request presented: a bearer token (RFC 6750), or HTTP Basic
// credentials whose password is a personal access token.
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
// value; Scopes is immutable and Audience is never written to once a validator returned
// it ([TokenFromContext] hands out a copy of it), so copies never alias anything that
// changes.
type Info struct {
	// ID is the token's public identifier: the store record ID, or the JWT's jti. Caches
	// forget tokens by it when they are revoked.
	ID string
	// Kind is what the token is: store.KindAccess (an OAuth access token acting for an
	// account), store.KindPersonal, store.KindCustomer, or [KindClient] (an access token
	// acting for no account). Never store.KindRefresh.
	Kind store.TokenKind
	// ClientID is the OAuth client the token was issued to.
	ClientID string
	// AccountID and OrganizationID are the account the token acts for and its tenant.
	AccountID      string
	OrganizationID string
	// CustomerID is set on customer tokens.
	CustomerID string
	// Scopes are the scopes the token carries; a personal access token checked by [Local]
	// with LocalOptions.Accounts carries its administrator-only scopes only while its
	// account holds LocalOptions.AdminRole.
	Scopes scopes.Set
	// Audience are the resource servers the token is for, as the validator found them: the
	// record's store.Token.Audience ([Local]), the introspection answer's "aud" member, a
	// string or an array ([Introspection]), or the JWT's "aud" claim ([JWT]). Resource
	// identifiers (RFC 8707) are absolute URIs, compared canonically ([CanonicalResource]).
	// Empty when the token names no audience; [Options.Resource] then refuses it.
	Audience []string
	// IssuedAt is when the token was issued; zero when the validator does not know (an
	// introspection answer without iat).
	IssuedAt time.Time
	// ExpiresAt is when the validator stops accepting the token: the record's or the
	// introspection answer's exp, or a JWT's exp plus the validator's leeway. Zero when the
	// validator does not know (an introspection answer without exp); caches then bound the
	// entry by their maximum age only.
	ExpiresAt time.Time
}

// KindClient is the [Info.Kind] of a token that acts for no account: an access token of the
// client_credentials grant (RFC 6749 §4.4), which stands for the OAuth client itself. Such a
// token has no account, and no organization unless its client belongs to one, so a handler
// that keys data by them must not see it: [AgentOnly] refuses it, [Authenticate] accepts it
// only when [Options.Kinds] lists it, and [ClientOnly] (or [RequireKind]) opens a route to it.
// Storage has no such kind: the record is a store.KindAccess token with an empty AccountID,
// and the validators report it as KindClient.
const KindClient store.TokenKind = "client"

// Validator checks a credential. Implementations must be safe for concurrent use.
//
// The kind checks rely on the Info's Kind: a Validator reports an access token without
// an account as [KindClient], never as store.KindAccess; [Local], [Introspection] and [JWT]
// do, and refuse a personal access token without an account and a customer token without
// a customer.
//
// Validate returns the token's Info, or an error wrapping [ErrInvalidToken] when the
// credential is unknown, expired, revoked, of a kind it cannot accept (a refresh token, a
// non-personal token sent as Basic), or otherwise unusable, or an error wrapping
// [ErrUnavailable] when it cannot tell (storage down, introspection endpoint unreachable).
// Any other error is treated like ErrUnavailable: the request fails closed.
type Validator interface {
	// Validate checks cred and returns what the token is; see the type documentation.
	Validate(ctx context.Context, cred Credential) (Info, error)
}

// sharingValidator is the optional interface of a validator that keeps the Infos it
// returns, as [Cache] does. validateShared has the contract of Validate but returns the
// kept Info itself, which nobody may write through, and the entry it belongs to (for the
// scope memo of [RequireScopes]; nil if none). [Authenticate] uses it to pass a request on
// without copying the Info; it decides exactly as with Validate.
type sharingValidator interface {
	Validator
	validateShared(ctx context.Context, cred Credential) (*Info, *posEntry, error)
}

// ValidatorFunc adapts a function to [Validator].
type ValidatorFunc func(ctx context.Context, cred Credential) (Info, error)

// Validate calls f.
func (f ValidatorFunc) Validate(ctx context.Context, cred Credential) (Info, error) {
	return f(ctx, cred)
}

// classify returns the Kind a validator reports for a token of kind k (as stored, or as the
// token claims) acting for accountID and customerID, and false when such a token is not
// usable here: a refresh token, a kind we do not know, a personal access token without an
// account, a customer token without a customer, or a client token naming an account.
func classify(k store.TokenKind, accountID, customerID string) (store.TokenKind, bool) {
	switch k {
	case store.KindAccess:
		if accountID == "" {
			return KindClient, true
		}
		return k, true
	case KindClient:
		return k, accountID == ""
	case store.KindPersonal:
		return k, accountID != ""
	case store.KindCustomer:
		return k, customerID != ""
	}
	return "", false
}

// Sentinel errors of validators; test with errors.Is. Their text is for logs only.
var (
	// ErrInvalidToken: the credential is not a valid token. Answered 401 invalid_token.
	ErrInvalidToken = errors.New("middleware: invalid token")
	// ErrUnavailable: the validator could not decide. Answered 503; the request never
	// passes.
	ErrUnavailable = errors.New("middleware: token validation unavailable")
)
