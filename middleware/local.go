package middleware

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/secrets"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// LocalOptions configures [NewLocal]. The zero value means the documented defaults.
type LocalOptions struct {
	// Accounts lets a personal access token sent as Basic name its account by login
	// (legacy v2 APIs, R-PAT-2). Nil: only the account ID is accepted as user name.
	Accounts store.Accounts
	// JWT and TokenAdmin together make the validator accept JWT access tokens (R-JWT): a
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
	tokens   store.Tokens
	accounts store.Accounts
	admin    store.TokenAdmin
	jwt      *JWT
	hasher   *secrets.Hasher
	now      func() time.Time
}

// NewLocal returns a validator over tokens, which are stored under their HMAC-SHA256 keyed
// with hashKey (the server's flows.Config.HashKey, at least 32 bytes).
func NewLocal(tokens store.Tokens, hashKey []byte, opts LocalOptions) (*Local, error) {
	if tokens == nil {
		return nil, errors.New("middleware: NewLocal needs token storage")
	}
	if (opts.JWT == nil) != (opts.TokenAdmin == nil) {
		return nil, errors.New("middleware: LocalOptions.JWT and TokenAdmin go together")
	}
	h, err := secrets.NewHasher(hashKey)
	if err != nil {
		return nil, fmt.Errorf("middleware: %w", err)
	}
	l := &Local{tokens: tokens, accounts: opts.Accounts, admin: opts.TokenAdmin, jwt: opts.JWT, hasher: h, now: opts.Now}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// Validate implements [Validator]. It accepts live access, personal and customer tokens;
// refresh tokens, rotated tokens and expired ones are invalid. A Basic credential must be
// a personal access token whose AccountID, or whose account's login, equals the user name.
func (l *Local) Validate(ctx context.Context, cred Credential) (Info, error) {
	now := l.now()
	t, err := l.tokens.Token(ctx, l.hasher.Hash(cred.Token), now)
	if errors.Is(err, store.ErrNotFound) && l.jwt != nil && !cred.Basic && looksLikeJWT(cred.Token) {
		return l.validateJWT(ctx, cred.Token, now)
	}
	if err != nil {
		return Info{}, storeErr(err)
	}
	if !t.Live(now) || t.Kind == store.KindRefresh || t.Kind == "" {
		return Info{}, ErrInvalidToken
	}
	if cred.Basic {
		if err := l.checkBasicUser(ctx, t, cred.Username); err != nil {
			return Info{}, err
		}
	}
	return infoFromToken(t), nil
}

// checkBasicUser checks the Basic user name of a personal access token (R-PAT-2).
func (l *Local) checkBasicUser(ctx context.Context, t store.Token, user string) error {
	if t.Kind != store.KindPersonal {
		return ErrInvalidToken
	}
	if subtle.ConstantTimeCompare([]byte(user), []byte(t.AccountID)) == 1 {
		return nil
	}
	if l.accounts == nil {
		return ErrInvalidToken
	}
	acc, err := l.accounts.Account(ctx, t.AccountID)
	if err != nil {
		return storeErr(err)
	}
	// Logins are stored lowercased and compared case-insensitively.
	if acc.Login == "" || subtle.ConstantTimeCompare([]byte(strings.ToLower(user)), []byte(acc.Login)) != 1 {
		return ErrInvalidToken
	}
	return nil
}

// validateJWT verifies a JWT access token and requires its record (ID = jti) to be live,
// which is how revoking a JWT works (R-JWT).
func (l *Local) validateJWT(ctx context.Context, token string, now time.Time) (Info, error) {
	claims, err := l.jwt.Validate(ctx, Credential{Token: token})
	if err != nil {
		return Info{}, err
	}
	t, err := l.admin.TokenByID(ctx, claims.ID, now)
	if err != nil {
		return Info{}, storeErr(err)
	}
	if !t.Live(now) || t.Kind != claims.Kind || t.ClientID != claims.ClientID ||
		t.AccountID != claims.AccountID {
		return Info{}, ErrInvalidToken
	}
	return infoFromToken(t), nil
}

func infoFromToken(t store.Token) Info {
	return Info{
		ID: t.ID, Kind: t.Kind, ClientID: t.ClientID, AccountID: t.AccountID,
		OrganizationID: t.OrganizationID, CustomerID: t.CustomerID,
		Scopes: scopes.New(t.Scopes...), IssuedAt: t.IssuedAt, ExpiresAt: t.ExpiresAt,
	}
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
