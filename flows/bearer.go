package flows

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/store"
)

// bearerToken extracts the token of an RFC 6750 §2.1 "Authorization: Bearer" header. Only
// the header is accepted: tokens in queries or forms leak into logs and histories. ok is
// false when the header is absent or uses another scheme; malformed is true when it claims
// Bearer but carries no single token.
func bearerToken(r *http.Request) (token string, ok, malformed bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 6 || !strings.EqualFold(h[:6], "bearer") {
		return "", false, false
	}
	if len(h) > 6 && h[6] != ' ' && h[6] != '\t' {
		return "", false, false // another scheme whose name starts with "Bearer"
	}
	if len(h) == 6 || h[6] != ' ' {
		return "", false, true
	}
	tok := strings.TrimLeft(h[7:], " ")
	if tok == "" || strings.ContainsAny(tok, " \t") || len(tok) > 4096 {
		return "", false, true
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < 0x21 || tok[i] > 0x7e {
			return "", false, true
		}
	}
	return tok, true, false
}

// bearerError is an RFC 6750 §3 error: its challenge names the realm and, for a presented
// but unusable token, the error code.
func bearerError(status int, code, desc string) *Error {
	e := &Error{Code: code, Description: desc, Status: status}
	e.challenge = `Bearer realm="oauthkit"`
	if code != "" && status != http.StatusServiceUnavailable {
		e.challenge += `, error="` + code + `"`
	}
	return e
}

// errNoToken answers a request to a Bearer-protected endpoint that carries no token
// (RFC 6750 §3.1: no error code in the challenge).
func errNoToken() *Error {
	e := bearerError(http.StatusUnauthorized, ErrInvalidRequest, "a Bearer access token is required")
	e.challenge = `Bearer realm="oauthkit"`
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
