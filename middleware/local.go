package middleware

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// LocalOptions configures [NewLocal]. The zero value means the documented defaults.
type LocalOptions struct {
	// Accounts and Catalog, which go together, let the validator accept personal access
	// tokens. A personal access token is accepted only while its account exists, still
	// belongs to the token's organization and holds one of SignInRoles (when set); it
	// carries its administrator-only scopes (those Catalog declares AdminOnly) only while
	// the account holds AdminRole, and is refused when it has no scope left without them.
	// A Basic user name may then also be the account's login (legacy v2 APIs).
	// These checks run on every call; behind [Cached] they run when the entry is fetched
	// again, so a deleted account or a lost role is seen within CacheOptions.MaxAge.
	// Nil: personal access tokens are refused, since nothing could tell whether their
	// account still holds the rights they were created with.
	Accounts store.Accounts
	// Catalog is the server's scope catalog, which says which scopes are
	// administrator-only; required with Accounts.
	Catalog *scopes.Catalog
	// AdminRole is the role that may hold administrator-only scopes: the authorization
	// server's flows.Config.Policy.AdminRole. Default "administrator". It needs Accounts.
	AdminRole string
	// SignInRoles, when set, are the roles that may sign in (the server's
	// flows.Config.Policy.SignInRoles): a personal access token whose account holds none of them
	// is refused. Nil: any account. They need Accounts.
	SignInRoles []string
	// JWT and TokenAdmin together make the validator accept JWT access tokens: a
	// token shaped like a JWT whose keyed hash is not stored is verified by JWT, and then
	// its jti must name a live access token record in TokenAdmin, so that revoking the
	// record revokes the JWT. Nil: JWTs are looked up by hash like any token.
	JWT        *JWT
	TokenAdmin store.TokenAdmin
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Local validates tokens against the authorization server's own storage: the resource
// server runs in the same process as package flows, or shares its database and hash key.
// Revocation is seen at once. It is safe for concurrent use.
type Local struct {
	tokens      store.Tokens
	accounts    store.Accounts
	catalog     *scopes.Catalog
	adminRole   string
	signInRoles []string
	admin       store.TokenAdmin
	jwt         *JWT
	hasher      *credentials.Hasher
	now         func() time.Time
}

// NewLocal returns a validator over tokens, which are looked up by their keyed hash under
// hasher: the same [credentials.Hasher] the authorization server is configured with, so
// that the key is given in one place.
func NewLocal(tokens store.Tokens, hasher *credentials.Hasher, opts LocalOptions) (*Local, error) {
	if tokens == nil {
		return nil, errors.New("middleware: NewLocal needs token storage")
	}
	if hasher == nil {
		return nil, errors.New("middleware: NewLocal needs the server's credentials.Hasher")
	}
	if (opts.JWT == nil) != (opts.TokenAdmin == nil) {
		return nil, errors.New("middleware: LocalOptions.JWT and TokenAdmin go together")
	}
	if (opts.Accounts == nil) != (opts.Catalog == nil) {
		return nil, errors.New("middleware: LocalOptions.Accounts and Catalog go together (the catalog says which scopes need AdminRole)")
	}
	if opts.Accounts == nil && (opts.AdminRole != "" || opts.SignInRoles != nil) {
		return nil, errors.New("middleware: LocalOptions.AdminRole and SignInRoles need Accounts")
	}
	l := &Local{tokens: tokens, accounts: opts.Accounts, catalog: opts.Catalog,
		adminRole: opts.AdminRole, signInRoles: slices.Clone(opts.SignInRoles),
		admin: opts.TokenAdmin, jwt: opts.JWT, hasher: hasher, now: opts.Now}
	if l.adminRole == "" {
		l.adminRole = "administrator"
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// Validate implements [Validator]. It accepts live access, personal and customer tokens,
// an access token without an account as [KindClient]; refresh tokens, rotated tokens and
// expired ones are invalid, and so are personal access tokens that fail the account checks
// of [LocalOptions.Accounts]. A Basic credential must be a personal access token whose
// AccountID, or whose account's login, equals the user name. Info.Audience is the record's
// Audience, a JWT's included.
func (l *Local) Validate(ctx context.Context, cred Credential) (Info, error) {
	now := l.now()
	t, err := l.tokens.Token(ctx, l.hasher.Hash(cred.Token), now)
	if errors.Is(err, store.ErrNotFound) && l.jwt != nil && !cred.Basic && looksLikeJWT(cred.Token) {
		return l.validateJWT(ctx, cred.Token, now)
	}
	if err != nil {
		return Info{}, storeErr(err)
	}
	if !t.Live(now) || (cred.Basic && t.Kind != store.KindPersonal) {
		return Info{}, ErrInvalidToken
	}
	return l.info(ctx, t, cred)
}

// info returns the Info of the live record t, presented as cred.
func (l *Local) info(ctx context.Context, t store.Token, cred Credential) (Info, error) {
	kind, ok := classify(t.Kind, t.AccountID, t.CustomerID)
	if !ok {
		return Info{}, ErrInvalidToken
	}
	info := Info{
		ID: t.ID, Kind: kind, ClientID: t.ClientID, AccountID: t.AccountID,
		OrganizationID: t.OrganizationID, CustomerID: t.CustomerID,
		Scopes: scopes.New(t.Scopes...), Audience: slices.Clone(t.Audience),
		IssuedAt: t.IssuedAt, ExpiresAt: t.ExpiresAt,
	}
	if kind == store.KindPersonal {
		return l.checkPersonal(ctx, info, cred)
	}
	return info, nil
}

// checkPersonal applies the account checks of [LocalOptions.Accounts] to a personal access
// token, and checks the Basic user name.
func (l *Local) checkPersonal(ctx context.Context, info Info, cred Credential) (Info, error) {
	if l.accounts == nil {
		return Info{}, ErrInvalidToken
	}
	acc, err := l.accounts.Account(ctx, info.AccountID)
	if err != nil {
		return Info{}, storeErr(err)
	}
	if acc.OrganizationID != info.OrganizationID ||
		(len(l.signInRoles) > 0 && !slices.ContainsFunc(l.signInRoles, acc.HasRole)) {
		return Info{}, ErrInvalidToken
	}
	if cred.Basic && !basicUserMatches(acc, cred.Username) {
		return Info{}, ErrInvalidToken
	}
	if !acc.HasRole(l.adminRole) {
		if admin := l.catalog.AdminOnly(info.Scopes); admin != nil {
			info.Scopes = info.Scopes.Minus(scopes.New(admin...))
			if info.Scopes.IsEmpty() {
				return Info{}, ErrInvalidToken
			}
		}
	}
	return info, nil
}

// basicUserMatches reports whether a Basic user name names acc: its ID, or its login,
// compared case-insensitively (logins are stored lowercased).
func basicUserMatches(acc store.Account, user string) bool {
	if subtle.ConstantTimeCompare([]byte(user), []byte(acc.ID)) == 1 {
		return true
	}
	return acc.Login != "" && subtle.ConstantTimeCompare([]byte(strings.ToLower(user)), []byte(acc.Login)) == 1
}

// validateJWT verifies a JWT access token and requires its record (ID = jti) to be live,
// which is how revoking a JWT works.
func (l *Local) validateJWT(ctx context.Context, token string, now time.Time) (Info, error) {
	claims, err := l.jwt.Validate(ctx, Credential{Token: token})
	if err != nil {
		return Info{}, err
	}
	t, err := l.admin.TokenByID(ctx, claims.ID, now)
	if err != nil {
		return Info{}, storeErr(err)
	}
	if !t.Live(now) || t.ClientID != claims.ClientID || t.AccountID != claims.AccountID {
		return Info{}, ErrInvalidToken
	}
	info, err := l.info(ctx, t, Credential{})
	if err != nil {
		return Info{}, err
	}
	if info.Kind != claims.Kind {
		return Info{}, ErrInvalidToken
	}
	return info, nil
}

// storeErr maps a storage error: not found is an invalid token, anything else leaves the
// question open (fail closed).
func storeErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidToken
	}
	return fmt.Errorf("%w: storage: %w", ErrUnavailable, err)
}

// looksLikeJWT reports whether s has the shape of a compact JWS: three non-empty
// dot-separated parts.
func looksLikeJWT(s string) bool {
	a, rest, ok := strings.Cut(s, ".")
	if !ok || a == "" {
		return false
	}
	b, c, ok := strings.Cut(rest, ".")
	return ok && b != "" && c != "" && !strings.Contains(c, ".")
}
