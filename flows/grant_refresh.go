package flows

import (
	"context"
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// RefreshTokenGrant returns the grant_type=refresh_token handler (RFC 6749 §6, R-TOKEN-5).
//
// A confidential client's refresh token does not rotate: the response repeats it. A public
// client's refresh token rotates on every use (OAuth 2.1 §4.3.1); presenting a rotated one
// again is treated as theft and revokes the whole token family (RFC 9700 §4.14.2).
// The request may narrow the scope; asking for a scope that was not granted is
// access_denied, as the seed specifies.
//
// Every refresh re-checks the rights of today: the account must still exist and may still
// sign in, administrator-only scopes need the administrator role still, and the client must
// still allow each scope. Scopes lost since the grant are dropped from the new tokens; with
// none left the refresh is invalid_grant. No refresh token outlives its grant by more than
// Config.Lifetimes.Grant, however often it rotates.
func (s *Server) RefreshTokenGrant() Grant { return refreshGrant{s} }

type refreshGrant struct{ s *Server }

func (refreshGrant) GrantType() string { return "refresh_token" }

func (g refreshGrant) Exchange(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s, p := g.s, req.Params
	refresh := p["refresh_token"]
	if refresh == "" {
		return nil, invalidRequest("refresh_token is missing")
	}
	old, err := s.store.Token(ctx, s.hasher.Hash(refresh), req.Now)
	if errors.Is(err, store.ErrNotFound) || (err == nil && old.Kind != store.KindRefresh) {
		return nil, invalidGrant("the refresh token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, unavailable(err)
	}
	if old.ClientID != req.Client.ID {
		return nil, invalidGrant("the refresh token was issued to another client")
	}
	if !old.RotatedAt.IsZero() {
		s.revokeFamily(ctx, old.FamilyID, "rotated refresh token reused")
		return nil, invalidGrant("the refresh token has already been used")
	}

	if old.GrantedAt.IsZero() {
		// Stored before grants recorded their time: the grant is at least this old.
		old.GrantedAt = old.IssuedAt
	}
	if end, ok := s.grantEnd(old); ok && !req.Now.Before(end) {
		return nil, invalidGrant("the grant has reached its maximum lifetime; sign in again")
	}

	granted := scopes.New(old.Scopes...)
	want := granted
	if raw, ok := p["scope"]; ok {
		want, err = scopes.Parse(raw)
		if err != nil {
			return nil, invalidScope("the scope parameter is malformed")
		}
		if want.IsEmpty() {
			// Only separators: RFC 6749 §3.3 requires at least one scope-token.
			return nil, invalidScope("the scope parameter names no scope")
		}
		if !want.IsSubsetOf(granted) {
			return nil, oauthErr(ErrAccessDenied, http.StatusBadRequest, "the requested scopes include a scope that was not originally granted")
		}
	}
	if old.AccountID != "" {
		// The account's and the client's rights of today, not those of the grant's day.
		kept, _, err := s.entitled(ctx, old.AccountID, &req.Client, granted)
		switch {
		case errors.Is(err, errNotEntitled):
			return nil, invalidGrant("the account no longer exists or may no longer sign in")
		case err != nil:
			return nil, unavailable(err)
		}
		granted, want = kept, want.Intersect(kept)
		if want.IsEmpty() {
			return nil, invalidGrant("the account or the client no longer holds any of the granted scopes")
		}
	}

	base := old
	base.Scopes = want.Names()
	access, at, err := s.newToken(store.KindAccess, base, req.Now)
	if err != nil {
		return nil, internal(err)
	}
	at.FromRefresh, at.RefreshID = true, old.ID
	is := store.Issue{Limits: s.limits()}
	respRefresh := refresh
	var rotated []store.Token
	if req.Client.Public {
		// Rotation is conditional on the old token being live, in the same atomic step.
		nextBase := old
		nextBase.Scopes = granted.Names()
		next, rt, err := s.newToken(store.KindRefresh, nextBase, req.Now)
		if err != nil {
			return nil, internal(err)
		}
		at.RefreshID, is.RotateID, respRefresh = rt.ID, old.ID, next
		rotated = append(rotated, rt)
	} else {
		// Without rotation the new access token is issued only while the refresh token is
		// still live, atomically: it cannot escape a revocation racing with this request.
		is.RequireID = old.ID
	}
	if s.showsRefreshToken(req.Client) {
		// The info endpoint shows this access token's refresh token to its holder (R-INFO-1).
		at.SealedRefresh = s.hasher.Seal(access, []byte(respRefresh))
	}
	is.Tokens = append([]store.Token{at}, rotated...)
	switch err := s.store.IssueTokens(ctx, req.Now, is); {
	case errors.Is(err, store.ErrConflict) && is.RotateID != "":
		// Another request rotated this token first: one of the two is not the client.
		s.revokeFamily(ctx, old.FamilyID, "refresh token rotated concurrently")
		return nil, invalidGrant("the refresh token has already been used")
	case errors.Is(err, store.ErrNotFound):
		return nil, invalidGrant("the refresh token is invalid, expired or revoked")
	case err != nil:
		return nil, unavailable(err)
	}
	return s.tokenResponse(access, at, respRefresh, req.Now), nil
}
