package flows

import (
	"context"
	"errors"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// RefreshTokenGrant returns the grant_type=refresh_token handler (RFC 6749 §6).
//
// A confidential client's refresh token does not rotate: the response repeats it. A public
// client's refresh token rotates on every use (OAuth 2.1 §4.3.1); presenting a rotated one
// again is treated as theft and revokes the whole token family (RFC 9700 §4.14.2), except
// as a repeat within Config.Policy.RefreshGrace, which the storage counts and bounds.
// The request may narrow the scope; asking for a scope that was not granted is
// access_denied, as LiveChat-style servers answer.
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
		return nil, InvalidRequest("refresh_token is missing")
	}
	old, err := s.store.Token(ctx, s.hasher.Hash(refresh), req.Now)
	if errors.Is(err, store.ErrNotFound) || (err == nil && old.Kind != store.KindRefresh) {
		return nil, InvalidGrant("the refresh token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, TemporarilyUnavailable(err)
	}
	if old.ClientID != req.Client.ID {
		return nil, InvalidGrant("the refresh token was issued to another client")
	}
	if !old.RotatedAt.IsZero() && !s.inRefreshGrace(old, req) {
		_ = s.RevokeFamily(ctx, old.FamilyID, "rotated refresh token reused")
		return nil, InvalidGrant("the refresh token has already been used")
	}

	if old.GrantedAt.IsZero() {
		// Stored before grants recorded their time: the grant is at least this old.
		old.GrantedAt = old.IssuedAt
	}
	if end, ok := s.grantEnd(old); ok && !req.Now.Before(end) {
		return nil, InvalidGrant("the grant has reached its maximum lifetime; sign in again")
	}

	granted := scopes.New(old.Scopes...)
	want, asked, err := req.RequestedScopes()
	switch {
	case err != nil:
		return nil, err
	case !asked:
		want = granted
	case !want.IsSubsetOf(granted):
		return nil, AccessDenied("the requested scopes include a scope that was not originally granted")
	}
	// The account's and the client's rights of today, not those of the grant's day.
	var kept scopes.Set
	if old.AccountID != "" {
		kept, _, err = s.entitled(ctx, old.AccountID, old.OrganizationID, &req.Client, granted)
		switch {
		case errors.Is(err, errNotEntitled):
			return nil, InvalidGrant("the account no longer exists, may no longer sign in, or moved to another organization")
		case err != nil:
			return nil, TemporarilyUnavailable(err)
		}
	} else {
		kept = granted.Intersect(scopes.New(req.Client.Scopes...)) // a token for the client alone
	}
	granted, want = kept, want.Intersect(kept)
	if want.IsEmpty() {
		return nil, InvalidGrant("the account or the client no longer holds any of the granted scopes")
	}

	// A confidential client's refresh token does not rotate: the new access token is
	// issued only while it is still live, atomically, so that it cannot escape a
	// revocation racing with this request. A public client's rotates, on the condition
	// that it is live, in the same atomic step.
	base := old
	base.Scopes = want.Names()
	is := issuance{base: base, refreshedWith: old.ID, seal: s.showsRefreshToken(req.Client)}
	if req.Client.Public {
		is.refresh, is.refreshScopes, is.rotateID = true, granted.Names(), old.ID
	} else {
		is.repeat, is.requireID = refresh, old.ID
	}
	resp, err := s.issue(ctx, req.Now, is)
	switch {
	case errors.Is(err, store.ErrConflict) && is.rotateID != "":
		// Another request rotated this token first: one of the two is not the client.
		_ = s.RevokeFamily(ctx, old.FamilyID, "refresh token rotated concurrently")
		return nil, InvalidGrant("the refresh token has already been used")
	case errors.Is(err, store.ErrNotFound):
		return nil, InvalidGrant("the refresh token is invalid, expired or revoked")
	case err != nil:
		return nil, err
	}
	return resp, nil
}

// inRefreshGrace reports whether the rotated refresh token old may be presented again by
// req's client under Config.Policy.RefreshGrace. The storage counts the repeat, and refuses
// one beyond the window or RefreshGraceRepeats (ErrConflict: reuse).
func (s *Server) inRefreshGrace(old store.Token, req *TokenRequest) bool {
	grace := s.cfg.Policy.RefreshGrace
	return grace > 0 && req.Client.Public && req.Now.Before(old.RotatedAt.Add(grace))
}
