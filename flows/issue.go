package flows

import (
	"context"
	"errors"
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
	markSession = "se_"
	markCSRF    = "cs_"
)

// mint returns a new secret of the given mark and its record skeleton.
func (s *Server) mint(mark string) (string, store.Hash) {
	secret := credentials.NewSecret(s.cfg.TokenPrefix + mark)
	return secret, s.hasher.Hash(secret)
}

// newToken returns a token string and its record, copied from base with identity, hash and
// times filled in. A refresh token never outlives its grant (grantEnd).
func (s *Server) newToken(kind store.TokenKind, base store.Token, now time.Time) (string, store.Token, error) {
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
	t.RotatedAt = time.Time{}
	t.RefreshID, t.FromRefresh, t.SealedRefresh = "", false, nil
	if kind == store.KindAccess && s.keys != nil {
		// R-JWT: the token is a signed JWT whose jti is the record's ID; the record is kept
		// under the JWT's keyed hash like any other token.
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

// limits returns the per-(client, account) caps for IssueTokens (R-TOKEN-7).
func (s *Server) limits() map[store.TokenKind]int {
	if s.cfg.Limits.Tokens < 0 {
		return nil
	}
	return map[store.TokenKind]int{store.KindAccess: s.cfg.Limits.Tokens, store.KindRefresh: s.cfg.Limits.Tokens}
}

// customerLimits returns the per-(client, customer) cap on live customer tokens for
// IssueTokens: Config.Limits.Tokens, as for the other kinds.
func (s *Server) customerLimits() map[store.TokenKind]int {
	if s.cfg.Limits.Tokens < 0 {
		return nil
	}
	return map[store.TokenKind]int{store.KindCustomer: s.cfg.Limits.Tokens}
}

// familyOf is the family that tokens minted with t join, so that revoking t's grant
// revokes them: t's FamilyID, or, for a token that heads no family (a personal access
// token from before personal tokens carried one, a client_credentials token), its own ID.
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
		Scope:          scopes.New(at.Scopes...).String(),
		AccountID:      at.AccountID,
		OrganizationID: at.OrganizationID,
	}
}

// revokeFamily revokes every token descended from one grant after a replay (RFC 9700 §4.5,
// R-TOKEN-3, R-TOKEN-5) and logs the event. A storage failure here is logged: the replay is
// refused either way.
func (s *Server) revokeFamily(ctx context.Context, familyID, why string) {
	if err := s.store.RevokeFamily(ctx, familyID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.ErrorContext(ctx, "oauthkit: revoking a token family failed", "family", familyID, "err", err)
		return
	}
	s.log.WarnContext(ctx, "oauthkit: token family revoked", "family", familyID, "reason", why)
}
