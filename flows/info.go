package flows

import (
	"errors"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// InfoResponse is the answer of the LiveChat-style info endpoint (/v2/info).
type InfoResponse struct {
	// AccessToken is the access token the request presented.
	AccessToken string `json:"access_token"`
	// AccountID is the account the token acts for; absent for client_credentials tokens.
	AccountID string `json:"account_id,omitempty"`
	// ClientID is the client the token was issued to.
	ClientID string `json:"client_id"`
	// ExpiresIn is the token's remaining lifetime in whole seconds.
	ExpiresIn int64 `json:"expires_in"`
	// OrganizationID is the token's organization; absent when there is none.
	OrganizationID string `json:"organization_id,omitempty"`
	// Scope is comma-separated, as LiveChat-style clients expect.
	Scope string `json:"scope"`
	// TokenType is always "Bearer".
	TokenType string `json:"token_type"`
	// RefreshToken is present only for an access token issued by the refresh_token grant
	// to a confidential client, unless Config.Policy.InfoOmitsRefreshToken is set.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// InfoHandler returns the info endpoint: GET with "Authorization: Bearer
// <access token>" describes that token. Refresh, personal and customer tokens are not
// accepted here; an invalid, expired or revoked token gets 401 with an RFC 6750
// WWW-Authenticate challenge.
//
// As LiveChat-style servers do, an access token issued by the refresh_token grant also shows its
// refresh token, but only when its client is confidential, as checked at the time of the
// request: a confidential client's refresh token is useless without the client's secret,
// while a public client's works for anyone who holds it, and refresh tokens never go to
// resource servers (RFC 6749 §10.4, RFC 9700 §4.14). Config.Policy.InfoOmitsRefreshToken turns
// the field off entirely. The server stores no token secrets, so that refresh token is kept
// sealed (AES-GCM) under a key derived from the access token and the server key: only the
// access token's holder can get it back.
func (s *Server) InfoHandler() http.Handler {
	return s.jsonEndpoint("info endpoint", []string{http.MethodGet, http.MethodHead}, func(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
		return answer(s.info(r))
	})
}

func (s *Server) info(r *http.Request) (*InfoResponse, *Error) {
	t, secret, e := s.requireBearer(r)
	if e != nil {
		return nil, e
	}
	switch t.Kind {
	case store.KindAccess:
	case store.KindCustomer:
		return nil, bearerError(http.StatusUnauthorized, "invalid_token", "customer tokens are not accepted here")
	default:
		return nil, bearerError(http.StatusUnauthorized, "invalid_token", "the token is invalid, expired or revoked")
	}
	resp := &InfoResponse{
		AccessToken:    secret,
		AccountID:      t.AccountID,
		ClientID:       t.ClientID,
		ExpiresIn:      int64(t.ExpiresAt.Sub(s.now()) / time.Second),
		OrganizationID: t.OrganizationID,
		Scope:          scopes.New(t.Scopes...).String(),
		TokenType:      "Bearer",
	}
	if !t.FromRefresh || len(t.SealedRefresh) == 0 || s.cfg.Policy.InfoOmitsRefreshToken {
		return resp, nil
	}
	client, _, err := s.client(r.Context(), t.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return resp, nil // the client is gone: so are the uses of its refresh token
	case err != nil:
		return nil, TemporarilyUnavailable(err)
	}
	if !s.showsRefreshToken(client) {
		return resp, nil
	}
	if rt, err := s.hasher.Open(secret, t.SealedRefresh); err == nil {
		resp.RefreshToken = string(rt)
	}
	return resp, nil
}

// showsRefreshToken reports whether the info endpoint may show the refresh token of
// client's access tokens: only a confidential client's, unless
// Config.Policy.InfoOmitsRefreshToken.
func (s *Server) showsRefreshToken(client store.Client) bool {
	return !client.Public && !s.cfg.Policy.InfoOmitsRefreshToken
}
