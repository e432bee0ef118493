package flows

import (
	"context"
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/internal/httpauth"

	"github.com/oauthkit/oauthkit/store"
)

// bearerToken extracts the token of an RFC 6750 §2.1 "Authorization: Bearer" header. Only
// the header is accepted: tokens in queries or forms leak into logs and histories. ok is
// false when the header is absent or uses another scheme; malformed is true when it claims
// Bearer but carries no single token.
func bearerToken(r *http.Request) (token string, ok, malformed bool) {
	tok, claimed, err := httpauth.Bearer(r.Header.Get("Authorization"))
	return tok, claimed && err == nil, claimed && err != nil
}

// bearerError is an RFC 6750 §3 error: its challenge names the realm and, for a presented
// but unusable token, the error code.
func bearerError(status int, code, desc string) *Error {
	e := &Error{Code: code, Description: desc, Status: status}
	e.challenge = httpauth.Refusal{Status: status, Code: code}.Challenge("oauthkit", false)
	return e
}

// errNoToken answers a request to a Bearer-protected endpoint that carries no token.
func errNoToken() *Error {
	e := bearerError(http.StatusUnauthorized, ErrInvalidRequest, "a Bearer access token is required")
	e.challenge = httpauth.Refusal{Status: http.StatusUnauthorized, NoCredential: true}.Challenge("oauthkit", false)
	return e
}

// liveToken looks up a presented token with LookupToken; a token that is not live or not
// of one of kinds is invalid_token (401).
func (s *Server) liveToken(ctx context.Context, secret string, kinds ...store.TokenKind) (store.Token, *Error) {
	t, err := s.LookupToken(ctx, secret, kinds...)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Token{}, bearerError(http.StatusUnauthorized, "invalid_token", "the token is invalid, expired or revoked")
	case err != nil:
		return store.Token{}, TemporarilyUnavailable(err)
	}
	return t, nil
}

// requireBearer authenticates a request by its Bearer token, which must be live and of one
// of kinds.
func (s *Server) requireBearer(r *http.Request, kinds ...store.TokenKind) (store.Token, string, *Error) {
	secret, ok, malformed := bearerToken(r)
	switch {
	case malformed:
		return store.Token{}, "", bearerError(http.StatusBadRequest, ErrInvalidRequest, "the Authorization header is malformed")
	case !ok:
		return store.Token{}, "", errNoToken()
	}
	t, e := s.liveToken(r.Context(), secret, kinds...)
	return t, secret, e
}
