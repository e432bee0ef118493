package flows

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// markPersonal marks personal access tokens.
const markPersonal = "pat_"

// maxPersonalTokens caps the live personal access tokens of one account.
const maxPersonalTokens = 100

// PersonalTokensScope is the scope an access token of one of Config.Policy.PersonalTokenClients
// needs to use the personal access token API. The scope catalog declares it when those
// clients are configured; no other client may request it, and no personal access token
// holds it.
const PersonalTokensScope = "personal_tokens:manage"

// PersonalToken describes a personal access token. Token, the secret, is set only
// in the answer that creates it: it is never stored and never shown again.
type PersonalToken struct {
	// ID is the token's public, non-secret ID, used to revoke it (DELETE {base}/{id}).
	ID string `json:"id"`
	// Name is the label given at creation, 1 to 100 characters.
	Name string `json:"name"`
	// Scopes are the token's scopes, fixed at creation.
	Scopes []string `json:"scopes"`
	// CreatedAt is when the token was issued.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the token expires: CreatedAt plus Config.Lifetimes.PersonalToken.
	ExpiresAt time.Time `json:"expires_at"`
	// Token is the secret, set only in the answer that creates the token.
	Token string `json:"token,omitempty"`
}

// ErrPersonalTokenNotFound is returned by [Server.RevokePersonalToken] when the account has
// no such token.
var ErrPersonalTokenNotFound = errors.New("flows: no such personal access token")

// CreatePersonalToken creates a personal access token for accountID with a name and fixed
// scopes. It is the application's own way in, for its developer console: it trusts the
// caller to have established that the person asked. The name must be plain text (no
// control characters). The scopes must be known and within the account's rights
// (administrator-only scopes need the administrator role); they cannot change later, and
// [PersonalTokensScope] is never one of them. At most 100 live tokens per account, however
// many requests race. The returned PersonalToken carries the secret, the only time it exists
// outside the caller. Errors are *Error values (invalid_request, invalid_scope) or storage
// failures.
func (s *Server) CreatePersonalToken(ctx context.Context, accountID, name string, want scopes.Set) (PersonalToken, error) {
	return s.createPersonalToken(ctx, accountID, name, want, "")
}

// createPersonalToken is CreatePersonalToken on behalf of the token with id requireID, when
// set: the new token is issued only while that one is live, in the same atomic step, so it
// cannot escape a revocation of the token that asked for it.
func (s *Server) createPersonalToken(ctx context.Context, accountID, name string, want scopes.Set, requireID string) (PersonalToken, error) {
	if e := checkText("name", name); e != nil {
		return PersonalToken{}, e
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return PersonalToken{}, InvalidRequest("name must be 1 to 100 characters")
	}
	if want.IsEmpty() {
		return PersonalToken{}, InvalidScope("at least one scope is required")
	}
	if unknown := s.catalog.Unknown(want); len(unknown) > 0 {
		return PersonalToken{}, InvalidScope("unknown scope %s", strings.Join(unknown, ","))
	}
	if want.Has(PersonalTokensScope) {
		// A personal access token never manages personal access tokens.
		return PersonalToken{}, InvalidScope("a personal access token cannot hold %s", PersonalTokensScope)
	}
	acct, err := s.store.Account(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return PersonalToken{}, InvalidRequest("no such account")
	}
	if err != nil {
		return PersonalToken{}, TemporarilyUnavailable(err)
	}
	if !s.maySignIn(acct) {
		return PersonalToken{}, AccessDenied("this account may not sign in")
	}
	if admin := s.catalog.AdminOnly(want); len(admin) > 0 && !acct.HasRole(s.cfg.Policy.AdminRole) {
		return PersonalToken{}, InvalidScope("the scopes %s need an administrator", strings.Join(admin, ","))
	}
	now := s.now()
	// A fast path only: the cap itself is enforced by the atomic issuance below.
	live, err := s.store.AccountTokens(ctx, accountID, store.KindPersonal, now)
	if err != nil {
		return PersonalToken{}, TemporarilyUnavailable(err)
	}
	if len(live) >= maxPersonalTokens {
		return PersonalToken{}, errTooManyPersonalTokens()
	}
	secret, h := s.mint(markPersonal)
	id := credentials.NewID()
	t := store.Token{
		Hash: h, ID: id, Kind: store.KindPersonal, Name: name,
		AccountID: acct.ID, OrganizationID: acct.OrganizationID, Scopes: want.Names(),
		FamilyID: id, // a personal access token is a family of its own
		IssuedAt: now, ExpiresAt: now.Add(s.cfg.Lifetimes.PersonalToken),
	}
	err = s.store.IssueTokens(ctx, now, store.Issue{
		Tokens:    []store.Token{t},
		Caps:      map[store.TokenKind]int{store.KindPersonal: maxPersonalTokens},
		RequireID: requireID,
	})
	if errors.Is(err, store.ErrLimitReached) {
		return PersonalToken{}, errTooManyPersonalTokens()
	}
	if errors.Is(err, store.ErrNotFound) {
		return PersonalToken{}, bearerError(http.StatusUnauthorized, "invalid_token", "the token is invalid, expired or revoked")
	}
	if err != nil {
		return PersonalToken{}, TemporarilyUnavailable(err)
	}
	pt := personalToken(t)
	pt.Token = secret
	return pt, nil
}

func errTooManyPersonalTokens() *Error {
	return InvalidRequest("the account already has %d personal access tokens; revoke one first", maxPersonalTokens)
}

// PersonalTokens lists the live personal access tokens of accountID, oldest first, without
// their secrets.
func (s *Server) PersonalTokens(ctx context.Context, accountID string) ([]PersonalToken, error) {
	ts, err := s.store.AccountTokens(ctx, accountID, store.KindPersonal, s.now())
	if err != nil {
		return nil, TemporarilyUnavailable(err)
	}
	out := make([]PersonalToken, len(ts))
	for i, t := range ts {
		out[i] = personalToken(t)
	}
	return out, nil
}

// RevokePersonalToken revokes the personal access token id of accountID. It returns
// ErrPersonalTokenNotFound when accountID has no such live token.
func (s *Server) RevokePersonalToken(ctx context.Context, accountID, id string) error {
	if checkText("id", id) != nil {
		return ErrPersonalTokenNotFound // no ID is anything but plain text
	}
	t, err := s.store.TokenByID(ctx, id, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrPersonalTokenNotFound
	case err != nil:
		return TemporarilyUnavailable(err)
	case t.Kind != store.KindPersonal || t.AccountID != accountID:
		return ErrPersonalTokenNotFound
	}
	if err := s.store.RevokeToken(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return TemporarilyUnavailable(err)
	}
	return nil
}

func personalToken(t store.Token) PersonalToken {
	return PersonalToken{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.IssuedAt, ExpiresAt: t.ExpiresAt}
}
