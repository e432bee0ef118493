package flows

import (
	"context"
	"errors"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// AuthorizationCodeGrant returns the grant_type=authorization_code handler (RFC 6749 §4.1.3,
// RFC 7636 §4.5–4.6).
//
// The request is checked completely before the code is consumed: a replay whose client,
// redirect_uri or code_verifier is wrong is refused without revoking anything, so a thief
// cannot revoke the real client's tokens; a replay that passes every check
// revokes every token the code issued (RFC 9700 §4.5). The code is consumed in the same
// atomic step that stores the tokens ([store.Issue.ConsumeCode]), so it is redeemed at most
// once, even across crashes and lost responses.
func (s *Server) AuthorizationCodeGrant() Grant { return codeGrant{s} }

type codeGrant struct{ s *Server }

func (codeGrant) GrantType() string { return "authorization_code" }

func (g codeGrant) Exchange(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s, p := g.s, req.Params
	code := p["code"]
	if code == "" {
		return nil, InvalidRequest("code is missing")
	}
	if p["redirect_uri"] == "" {
		return nil, InvalidRequest("redirect_uri is missing")
	}
	h := s.hasher.Hash(code)
	c, err := s.store.Code(ctx, h, req.Now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, InvalidGrant("the authorization code is invalid or expired")
	}
	if err != nil {
		return nil, TemporarilyUnavailable(err)
	}
	// RFC 6749 §4.1.3: the code must have been issued to this client, for this redirect_uri.
	if c.ClientID != req.Client.ID {
		return nil, InvalidGrant("the authorization code was issued to another client")
	}
	if p["redirect_uri"] != c.RedirectURI {
		return nil, InvalidGrant("redirect_uri does not match the authorization request")
	}
	verifier := p["code_verifier"]
	switch {
	case c.CodeChallenge == "" && verifier != "":
		// PKCE downgrade: the authorization request had no challenge.
		return nil, InvalidGrant("code_verifier was sent but the authorization request had no code_challenge")
	case c.CodeChallenge != "" && verifier == "":
		return nil, InvalidGrant("code_verifier is missing")
	case c.CodeChallenge != "" && !verifyPKCE(c.CodeChallengeMethod, c.CodeChallenge, verifier):
		return nil, InvalidGrant("code_verifier does not match the code_challenge")
	}
	if !c.ConsumedAt.IsZero() {
		_ = s.RevokeFamily(ctx, c.FamilyID, "authorization code replayed")
		return nil, InvalidGrant("the authorization code has already been used")
	}

	// Issuing the tokens and consuming the code are one atomic step: whatever fails (the
	// process, the connection, the database), the code is redeemed at most once. A failure
	// that wrote nothing leaves the code redeemable; one whose answer was lost after the
	// commit makes the client's retry a valid replay, which revokes what was issued.
	// The account as it is now: one deleted, barred or moved since it authorized the
	// request gets nothing, and scopes it lost meanwhile are dropped.
	kept, _, err := s.entitled(ctx, c.AccountID, c.OrganizationID, &req.Client, scopes.New(c.Scopes...))
	switch {
	case errors.Is(err, errNotEntitled):
		return nil, InvalidGrant("the account no longer exists, may no longer sign in, or moved to another organization")
	case err != nil:
		return nil, TemporarilyUnavailable(err)
	case kept.IsEmpty():
		return nil, InvalidGrant("the account or the client no longer holds any of the granted scopes")
	}
	resp, err := s.issue(ctx, req.Now, issuance{base: store.Token{
		ClientID:       c.ClientID,
		AccountID:      c.AccountID,
		OrganizationID: c.OrganizationID,
		Scopes:         kept.Names(),
		FamilyID:       c.FamilyID,
		GrantedAt:      req.Now,
	}, refresh: req.refreshAllowed(), consumeCode: h})
	switch {
	case err == nil:
		return resp, nil
	case errors.Is(err, store.ErrConflict):
		// Another redemption consumed the code after it was read above: that one is a
		// replay too, and its tokens exist now (RFC 9700 §4.5).
		_ = s.RevokeFamily(ctx, c.FamilyID, "authorization code replayed")
		return nil, InvalidGrant("the authorization code has already been used")
	case errors.Is(err, store.ErrNotFound):
		return nil, InvalidGrant("the authorization code is invalid or expired")
	default:
		return nil, err
	}
}
