package flows

import (
	"context"
	"errors"

	"github.com/oauthkit/oauthkit/store"
)

// AuthorizationCodeGrant returns the grant_type=authorization_code handler (RFC 6749 §4.1.3,
// RFC 7636 §4.5–4.6, R-TOKEN-3).
//
// The request is checked completely before the code is consumed: a replay whose client,
// redirect_uri or code_verifier is wrong is refused without revoking anything, so a thief
// cannot revoke the real client's tokens (R-SEC-1); a replay that passes every check
// revokes every token the code issued (RFC 9700 §4.5).
func (s *Server) AuthorizationCodeGrant() Grant { return codeGrant{s} }

type codeGrant struct{ s *Server }

func (codeGrant) GrantType() string { return "authorization_code" }

func (g codeGrant) Exchange(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s, p := g.s, req.Params
	code := p["code"]
	if code == "" {
		return nil, invalidRequest("code is missing")
	}
	if p["redirect_uri"] == "" {
		return nil, invalidRequest("redirect_uri is missing")
	}
	h := s.hasher.Hash(code)
	c, err := s.store.Code(ctx, h, req.Now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidGrant("the authorization code is invalid or expired")
	}
	if err != nil {
		return nil, unavailable(err)
	}
	// RFC 6749 §4.1.3: the code must have been issued to this client (R-SEC-2), for this
	// redirect_uri.
	if c.ClientID != req.Client.ID {
		return nil, invalidGrant("the authorization code was issued to another client")
	}
	if p["redirect_uri"] != c.RedirectURI {
		return nil, invalidGrant("redirect_uri does not match the authorization request")
	}
	verifier := p["code_verifier"]
	switch {
	case c.CodeChallenge == "" && verifier != "":
		// PKCE downgrade: the authorization request had no challenge (R-SEC-2).
		return nil, invalidGrant("code_verifier was sent but the authorization request had no code_challenge")
	case c.CodeChallenge != "" && verifier == "":
		return nil, invalidGrant("code_verifier is missing")
	case c.CodeChallenge != "" && !verifyPKCE(c.CodeChallengeMethod, c.CodeChallenge, verifier):
		return nil, invalidGrant("code_verifier does not match the code_challenge")
	}
	if !c.ConsumedAt.IsZero() {
		s.revokeFamily(ctx, c.FamilyID, "authorization code replayed")
		return nil, invalidGrant("the authorization code has already been used")
	}

	// Issue first, consume second. A concurrent redemption that loses the consume race
	// then revokes a family that already holds the winner's tokens (RFC 9700 §4.5); were
	// the code consumed first, a replay arriving before the winner's tokens exist would
	// revoke nothing. It also means a storage failure never burns the code: until the
	// code is consumed, the client may retry (R-STORE-4).
	base := store.Token{
		ClientID:       c.ClientID,
		AccountID:      c.AccountID,
		OrganizationID: c.OrganizationID,
		Scopes:         c.Scopes,
		FamilyID:       c.FamilyID,
	}
	refresh, rt, err := s.newToken(store.KindRefresh, base, req.Now)
	if err != nil {
		return nil, internal(err)
	}
	access, at, err := s.newToken(store.KindAccess, base, req.Now)
	if err != nil {
		return nil, internal(err)
	}
	at.RefreshID = rt.ID
	if err := s.store.IssueTokens(ctx, req.Now, store.Issue{Tokens: []store.Token{at, rt}, Limits: s.limits()}); err != nil {
		return nil, unavailable(err)
	}
	switch err := s.store.ConsumeCode(ctx, h, req.Now); {
	case err == nil:
		return s.tokenResponse(access, at, refresh, req.Now), nil
	case errors.Is(err, store.ErrConflict):
		s.revokeFamily(ctx, c.FamilyID, "authorization code replayed")
		return nil, invalidGrant("the authorization code has already been used")
	case errors.Is(err, store.ErrNotFound):
		s.revokeFamily(ctx, c.FamilyID, "authorization code expired during the exchange")
		return nil, invalidGrant("the authorization code is invalid or expired")
	default:
		// Unknown whether the code was consumed: the tokens just issued must not stay.
		s.revokeFamily(ctx, c.FamilyID, "consuming the authorization code failed")
		return nil, unavailable(err)
	}
}
