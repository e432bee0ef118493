package flows

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Readable markers after the token prefix, one per kind of secret.
const (
	markCode    = "ac_"
	markAccess  = "at_"
	markRefresh = "rt_"
	markCSRF    = "cs_"
)

// IssueRequest is what [Server.Issue] issues tokens for: the decision of a grant.
type IssueRequest struct {
	// Client is the client the tokens are issued to: the TokenRequest's client.
	Client store.Client
	// AccountID is the account the tokens act for. The account must exist and may still
	// sign in (Config.Policy.SignInRoles), and a private client (Client.OrganizationID) serves
	// only the accounts of its organization. The tokens carry the account's organization.
	// Empty issues tokens that act for the client itself, as client_credentials does: they
	// carry the client's organization and no administrator-only scope.
	AccountID string
	// Scopes are the scopes of the tokens. Each must be in the scope catalog and among
	// Client.Scopes ([PersonalTokensScope] only for Config.Policy.PersonalTokenClients), and
	// administrator-only scopes need an account that holds Config.Policy.AdminRole. Empty
	// issues a token without scope.
	Scopes scopes.Set
	// Refresh issues a refresh token besides the access token, which the refresh_token
	// grant ([Server.RefreshTokenGrant]) exchanges.
	Refresh bool
	// FamilyID is the grant the tokens belong to: revoking any access or refresh token of
	// a family (at the revocation endpoints, or with [Server.RevokeFamily]) revokes them
	// all. Empty starts a new family. A grant that derives tokens from another token passes
	// that token's FamilyID, so that revoking the original grant revokes them too.
	FamilyID string
	// GrantedAt is when the family's grant was made: no refresh token of the family
	// outlives it by more than Config.Lifetimes.Grant. Zero means Now.
	GrantedAt time.Time
	// NotAfter, when set, bounds the expiry of the tokens (expires_in is shortened to it):
	// a token derived from another should not outlive it.
	NotAfter time.Time
	// Now is the time of the issuance, normally TokenRequest.Now. Zero means the server's
	// clock.
	Now time.Time
}

// Issue issues tokens for a grant, as the built-in grants do: an access token (opaque with
// Config.TokenPrefix, or a signed JWT with Config.JWT) of Config.Lifetimes.AccessToken, and,
// when req.Refresh is set, a refresh token of Config.Lifetimes.RefreshToken, stored in one
// atomic step under their keyed hashes. Config.Limits.Tokens holds per (client, account), and
// Config.Limits.ClientTokens per client for tokens that act for no account: one token more
// revokes the oldest. The answer is what [Grant.Exchange] returns, and what the
// token endpoint sends as JSON.
//
// Issue is the way in for a grant type written outside this package (token exchange, a
// device flow, a custom assertion): its Exchange decides who gets which scopes and calls
// Issue, which enforces the rules of [IssueRequest] and refuses with an *Error
// (invalid_scope, invalid_grant, unauthorized_client) that Exchange returns as is; a
// storage failure is temporarily_unavailable. Issue asks nobody for consent: the grant
// establishes that the account agreed (a code it checked, a subject token, a device
// approval).
func (s *Server) Issue(ctx context.Context, req IssueRequest) (*TokenResponse, error) {
	return s.issueAllowed(ctx, req, s.clientScopes(req.Client))
}

// issueAllowed is Issue for a caller that has computed the client's scopes (clientScopes)
// already.
func (s *Server) issueAllowed(ctx context.Context, req IssueRequest, allowed scopes.Set) (*TokenResponse, error) {
	now := req.Now
	if now.IsZero() {
		now = s.now()
	}
	base, e := s.grantable(ctx, req, allowed)
	if e != nil {
		return nil, e
	}
	if base.GrantedAt.IsZero() {
		base.GrantedAt = now
	}
	return s.issue(ctx, now, issuance{base: base, refresh: req.Refresh, notAfter: req.NotAfter})
}

// grantable checks req against the rules of IssueRequest and returns the record skeleton
// of its tokens. allowed is clientScopes(req.Client).
func (s *Server) grantable(ctx context.Context, req IssueRequest, allowed scopes.Set) (store.Token, *Error) {
	c, want := req.Client, req.Scopes
	if c.ID == "" {
		return store.Token{}, ServerError(errors.New("flows: IssueRequest.Client has no ID"))
	}
	if !want.IsSubsetOf(allowed) {
		return store.Token{}, InvalidScope("the client may not request %s", want.Minus(allowed).String())
	}
	if unknown := s.catalog.Unknown(want); len(unknown) > 0 {
		return store.Token{}, InvalidScope("unknown scope %s", strings.Join(unknown, ","))
	}
	t := store.Token{
		ClientID: c.ID, OrganizationID: c.OrganizationID, Scopes: want.Names(),
		FamilyID: req.FamilyID, GrantedAt: req.GrantedAt,
	}
	if t.FamilyID == "" {
		t.FamilyID = credentials.NewID()
	}
	kept := s.catalog.WithoutAdminOnly(want) // what the client alone may hold
	if req.AccountID != "" {
		var acct store.Account
		var err error
		kept, acct, err = s.entitled(ctx, req.AccountID, "", nil, want)
		switch {
		case errors.Is(err, errNotEntitled):
			return store.Token{}, InvalidGrant("the account no longer exists or may no longer sign in")
		case err != nil:
			return store.Token{}, TemporarilyUnavailable(err)
		case c.OrganizationID != "" && c.OrganizationID != acct.OrganizationID:
			return store.Token{}, UnauthorizedClient("the app is private to another organization")
		}
		t.AccountID, t.OrganizationID = acct.ID, acct.OrganizationID
	}
	if !want.IsSubsetOf(kept) {
		return store.Token{}, InvalidScope("the scopes %s need an administrator", want.Minus(kept).String())
	}
	return t, nil
}

// clientScopes are the scopes client may request: its own, without PersonalTokensScope
// unless it is one of Config.Policy.PersonalTokenClients.
func (s *Server) clientScopes(c store.Client) scopes.Set {
	allowed := scopes.New(c.Scopes...)
	if !s.personalTokenClient(c.ID) {
		allowed = allowed.Minus(personalTokensSet)
	}
	return allowed
}

// personalTokensSet is the set of PersonalTokensScope alone.
var personalTokensSet = scopes.New(PersonalTokensScope)

// issuance is one atomic issuance of an access token, with a refresh token or not: the
// one path from a grant's decision to stored tokens and the token response.
type issuance struct {
	// base is who and what: ClientID, AccountID, OrganizationID, Scopes, FamilyID,
	// GrantedAt.
	base store.Token
	// refresh mints a refresh token too, with refreshScopes when not nil (a narrowed
	// refresh keeps the grant's scopes on the rotated refresh token).
	refresh       bool
	refreshScopes []string
	// notAfter, when set, bounds every expiry.
	notAfter time.Time

	// Set by the refresh_token grant: refreshedWith is the ID of the refresh token the
	// access token is issued with; repeat, the refresh token the answer repeats when it
	// does not rotate; seal keeps the answer's refresh token sealed in the access token for
	// the info endpoint.
	refreshedWith string
	repeat        string
	seal          bool

	// The atomic conditions of store.Issue.
	consumeCode         store.Hash
	rotateID, requireID string
}

// issue mints and stores the tokens of is and returns the token response. A storage
// failure is temporarily_unavailable wrapping the cause, so that a grant can tell
// store.ErrConflict and store.ErrNotFound apart with errors.Is.
func (s *Server) issue(ctx context.Context, now time.Time, is issuance) (*TokenResponse, error) {
	tokens := make([]store.Token, 0, 2)
	var refresh string
	var rt store.Token
	if is.refresh {
		rb := is.base
		if is.refreshScopes != nil {
			rb.Scopes = is.refreshScopes
		}
		var err error
		if refresh, rt, err = s.newTokenUntil(store.KindRefresh, rb, now, is.notAfter); err != nil {
			return nil, ServerError(err)
		}
	}
	access, at, err := s.newTokenUntil(store.KindAccess, is.base, now, is.notAfter)
	if err != nil {
		return nil, ServerError(err)
	}
	answer := refresh
	if is.refreshedWith != "" {
		at.FromRefresh, at.RefreshID = true, is.refreshedWith
		if !is.refresh {
			answer = is.repeat
		}
	}
	if is.refresh {
		at.RefreshID = rt.ID
	}
	if is.seal && answer != "" {
		at.SealedRefresh = s.hasher.Seal(access, []byte(answer))
	}
	tokens = append(tokens, at)
	if is.refresh {
		tokens = append(tokens, rt)
	}
	si := store.Issue{
		Tokens: tokens, Limits: s.limits.tokens, ClientLimits: s.limits.client,
		ConsumeCode: is.consumeCode, RotateID: is.rotateID, RequireID: is.requireID,
	}
	if is.rotateID != "" { // a rotation racing with this one is a repeat within the grace
		si.RotatedWithin, si.MaxRepeats = s.cfg.Policy.RefreshGrace, s.cfg.Policy.RefreshGraceRepeats
	}
	err = s.store.IssueTokens(ctx, now, si)
	if err != nil {
		return nil, TemporarilyUnavailable(err)
	}
	return s.tokenResponse(access, at, answer, now), nil
}

// mint returns a new secret of the given mark and its record skeleton.
func (s *Server) mint(mark string) (string, store.Hash) {
	secret := credentials.NewSecret(s.cfg.TokenPrefix + mark)
	return secret, s.hasher.Hash(secret)
}

// newToken returns a token string and its record, copied from base with identity, hash and
// times filled in. A refresh token never outlives its grant (grantEnd).
func (s *Server) newToken(kind store.TokenKind, base store.Token, now time.Time) (string, store.Token, error) {
	return s.newTokenUntil(kind, base, now, time.Time{})
}

// newTokenUntil is newToken whose token expires at notAfter at the latest, when it is set.
func (s *Server) newTokenUntil(kind store.TokenKind, base store.Token, now, notAfter time.Time) (string, store.Token, error) {
	mark, ttl := markAccess, s.cfg.Lifetimes.AccessToken
	if kind == store.KindRefresh {
		mark, ttl = markRefresh, s.cfg.Lifetimes.RefreshToken
	}
	secret, h := s.mint(mark)
	t := base
	t.Hash, t.ID, t.Kind = h, credentials.NewID(), kind
	t.IssuedAt, t.ExpiresAt = now, now.Add(ttl)
	if end, ok := s.grantEnd(t); ok && kind == store.KindRefresh && end.Before(t.ExpiresAt) {
		t.ExpiresAt = end
	}
	if !notAfter.IsZero() && notAfter.Before(t.ExpiresAt) {
		t.ExpiresAt = notAfter
	}
	t.RotatedAt = time.Time{}
	t.RefreshID, t.FromRefresh, t.SealedRefresh = "", false, nil
	if kind == store.KindAccess && s.keys != nil {
		// The token is a signed JWT whose jti is the record's ID; the record is kept under
		// the JWT's keyed hash like any other token.
		jwt, err := s.signAccess(t)
		if err != nil {
			return "", t, err
		}
		secret, t.Hash = jwt, s.hasher.Hash(jwt)
	}
	return secret, t, nil
}

// grantEnd is when the grant t descends from ends (Config.Lifetimes.Grant after
// it was made); ok is false for a token that descends from no grant.
func (s *Server) grantEnd(t store.Token) (end time.Time, ok bool) {
	if t.GrantedAt.IsZero() {
		return time.Time{}, false
	}
	return t.GrantedAt.Add(s.cfg.Lifetimes.Grant), true
}

// issueLimits are the limits of Config.Limits as store.Issue takes them, made once by New
// and shared, read-only, by every issuance.
type issueLimits struct {
	// tokens caps access and refresh tokens per (client, account); customer caps customer
	// tokens per (client, customer): Config.Limits.Tokens.
	tokens, customer map[store.TokenKind]int
	// client caps access tokens that act for no account per client:
	// Config.Limits.ClientTokens.
	client map[store.TokenKind]int
}

func newIssueLimits(l Limits) issueLimits {
	var il issueLimits
	if n := limit(l.Tokens); n > 0 {
		il.tokens = map[store.TokenKind]int{store.KindAccess: n, store.KindRefresh: n}
		il.customer = map[store.TokenKind]int{store.KindCustomer: n}
	}
	if n := limit(l.ClientTokens); n > 0 {
		il.client = map[store.TokenKind]int{store.KindAccess: n}
	}
	return il
}

// familyOf is the family that tokens minted with t join, so that revoking t's grant
// revokes them: t's FamilyID, or, for a token that heads no family (a personal access
// token or a client_credentials token from before every token carried one), its own ID.
func familyOf(t store.Token) string {
	if t.FamilyID != "" {
		return t.FamilyID
	}
	return t.ID
}

// tokenResponse builds the JSON answer for an access token (and optional refresh token).
func (s *Server) tokenResponse(access string, at store.Token, refresh string, now time.Time) *TokenResponse {
	return &TokenResponse{
		AccessToken:    access,
		TokenType:      "Bearer",
		ExpiresIn:      int64(at.ExpiresAt.Sub(now) / time.Second),
		RefreshToken:   refresh,
		Scope:          commaScopes(at.Scopes),
		AccountID:      at.AccountID,
		OrganizationID: at.OrganizationID,
	}
}

// commaScopes renders a token's scopes as its token response does: sorted and
// comma-separated. A record's scopes come from a Set, so they are usually sorted already
// and are joined as they are.
func commaScopes(names []string) string {
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			return scopes.New(names...).String()
		}
	}
	return strings.Join(names, ",")
}

// RevokeFamily revokes every token of the family familyID: every access and refresh token
// descended from one grant, rotated ones included, and the customer tokens minted with
// them. It logs a warning naming reason, a security event. A grant calls it when it sees a
// one-time credential presented twice, as the built-in grants do for a replayed code or a
// reused rotated refresh token (RFC 9700 §4.5, §4.14.2). A storage failure is logged and
// returned.
func (s *Server) RevokeFamily(ctx context.Context, familyID, reason string) error {
	if err := s.store.RevokeFamily(ctx, familyID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.ErrorContext(ctx, "oauthkit: revoking a token family failed", "family", familyID, "err", err)
		return err
	}
	s.log.WarnContext(ctx, "oauthkit: token family revoked", "family", familyID, "reason", reason)
	return nil
}
