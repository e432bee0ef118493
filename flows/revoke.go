package flows

import (
	"context"
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/store"
)

// RevokeHandler returns the RFC 7009 revocation endpoint: POST with token (and
// an optional token_type_hint, which is not needed: every kind is found by its hash) and
// client authentication as at the token endpoint. A client can revoke only tokens issued to
// it; an unknown, already revoked or foreign token still gets 200, so the endpoint reveals
// nothing (RFC 7009 §2.2). Revoking any access or refresh token of a grant revokes every
// token of that grant (RFC 7009 §2.1).
func (s *Server) RevokeHandler() http.Handler {
	return s.jsonEndpoint("revocation endpoint", []string{http.MethodPost}, func(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
		return http.StatusOK, nil, s.revokeRFC7009(w, r) // RFC 7009 §2.2: an empty body
	})
}

func (s *Server) revokeRFC7009(w http.ResponseWriter, r *http.Request) *Error {
	p, e := readBodyParams(w, r)
	if e != nil {
		return e
	}
	client, e := s.authenticateClient(r.Context(), r, p)
	if e != nil {
		return e
	}
	if p["token"] == "" {
		return InvalidRequest("token is missing")
	}
	return s.revokeSecret(r.Context(), p["token"], client.ID)
}

// DeleteTokenHandler returns the LiveChat-style revocation endpoint: DELETE /v2/token
// with "Authorization: Bearer <access or refresh token>", or with the token in a code
// parameter (query or form body). Holding the token is the authorization. Revoking any
// access or refresh token of a grant revokes every token of that grant, as at the RFC 7009
// endpoint. It answers 200 {} whether or not the token was live.
func (s *Server) DeleteTokenHandler() http.Handler {
	return s.jsonEndpoint("revocation endpoint", []string{http.MethodDelete}, func(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
		return answer(struct{}{}, s.deleteToken(w, r))
	})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) *Error {
	secret, hasBearer, malformed := bearerToken(r)
	if malformed {
		return bearerError(http.StatusBadRequest, ErrInvalidRequest, "the Authorization header is malformed")
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return InvalidRequest("%s", paramErrorText(err))
	}
	code := q["code"]
	if r.ContentLength != 0 && r.Header.Get("Content-Type") != "" {
		p, e := readBodyParams(w, r)
		if e != nil {
			return e
		}
		if p["code"] != "" {
			if code != "" {
				return InvalidRequest("a parameter is included more than once")
			}
			code = p["code"]
		}
	}
	switch {
	case hasBearer && code != "" && code != secret:
		return InvalidRequest("the Bearer token and the code parameter differ")
	case hasBearer:
		code = secret
	case code == "":
		return InvalidRequest("send the token as a Bearer token or in the code parameter")
	}
	return s.revokeSecret(r.Context(), code, "")
}

// revokeSecret revokes the token whose secret is given, with its grant (RFC 7009 §2.1):
// every token of its family, that is every access and refresh token descended from the
// same authorization code, rotated ones included, and the customer tokens minted with them;
// a personal access token with the customer tokens minted with it. A customer token, or a
// token of no family (client_credentials), is revoked alone, with its refresh/access pair
// if it has one. When clientID is set the token must have been issued to that client, or
// nothing happens. Unknown tokens are not an error.
func (s *Server) revokeSecret(ctx context.Context, secret, clientID string) *Error {
	t, err := s.store.Token(ctx, s.hasher.Hash(secret), s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return TemporarilyUnavailable(err)
	case clientID != "" && t.ClientID != clientID:
		return nil
	}
	if t.Kind != store.KindCustomer && t.FamilyID != "" {
		if err := s.store.RevokeFamily(ctx, t.FamilyID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return TemporarilyUnavailable(err)
		}
		return nil
	}
	if err := s.store.RevokeToken(ctx, t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return TemporarilyUnavailable(err)
	}
	if t.Kind != store.KindCustomer {
		// The customer tokens minted with a token of no family joined the family named
		// by its ID (familyOf).
		if err := s.store.RevokeFamily(ctx, t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return TemporarilyUnavailable(err)
		}
	}
	return nil
}
