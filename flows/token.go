package flows

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// A Grant handles one grant_type at the token endpoint (RFC 6749 §4, §6). The endpoint
// parses and checks the request and authenticates the client; the Grant does the rest.
type Grant interface {
	// GrantType is the grant_type value this Grant handles.
	GrantType() string
	// Exchange answers an authenticated token request. A returned *Error is sent to the
	// client as is; any other error becomes server_error and is logged.
	Exchange(ctx context.Context, req *TokenRequest) (*TokenResponse, error)
}

// TokenRequest is a token-endpoint request after parsing and client authentication.
type TokenRequest struct {
	// Client is the authenticated client (for a public client: identified, not
	// authenticated).
	Client store.Client
	// Params are the body parameters, each present at most once; empty values are absent.
	Params map[string]string
	// Now is the time of the request by the server's clock.
	Now time.Time
}

// TokenResponse is a successful token response (RFC 6749 §5.1, R-TOKEN-4).
type TokenResponse struct {
	// AccessToken is the new access token: opaque, or a signed JWT with Config.JWT.
	AccessToken string `json:"access_token"`
	// TokenType is always "Bearer" (RFC 6750).
	TokenType string `json:"token_type"`
	// ExpiresIn is the access token's lifetime in seconds (Config.Lifetimes.AccessToken).
	ExpiresIn int64 `json:"expires_in"`
	// RefreshToken is the refresh token, if any: none for client_credentials; the same one
	// again for a confidential client's refresh, a new one for a public client's (rotation).
	RefreshToken string `json:"refresh_token,omitempty"`
	// Scope is comma-separated, as in the seed's examples.
	Scope string `json:"scope,omitempty"`
	// AccountID is the account the token acts for; absent for client_credentials.
	AccountID string `json:"account_id,omitempty"`
	// OrganizationID is the organization of the account (or, for client_credentials, of
	// the client); absent when there is none.
	OrganizationID string `json:"organization_id,omitempty"`
}

// TokenHandler returns the token endpoint. With no grants it accepts the
// authorization_code and refresh_token grants; otherwise exactly the grants given, for
// example:
//
//	s.TokenHandler(s.AuthorizationCodeGrant(), s.RefreshTokenGrant())
//
// Any other grant_type is unsupported_grant_type (R-TOKEN-6).
func (s *Server) TokenHandler(grants ...Grant) http.Handler {
	if len(grants) == 0 {
		grants = []Grant{s.AuthorizationCodeGrant(), s.RefreshTokenGrant()}
	}
	byType := make(map[string]Grant, len(grants))
	for _, g := range grants {
		byType[g.GrantType()] = g
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := s.token(w, r, byType)
		if err != nil {
			s.writeJSONError(w, r, err)
			return
		}
		writeNoStore(w)
		writeJSON(w, http.StatusOK, resp)
	})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, grants map[string]Grant) (*TokenResponse, *Error) {
	if r.Method != http.MethodPost {
		return nil, jsonMethodNotAllowed(w, http.MethodPost, "token endpoint")
	}
	p, e := readBodyParams(w, r)
	if e != nil {
		return nil, e
	}
	gt := p["grant_type"]
	if gt == "" {
		return nil, invalidRequest("grant_type is missing")
	}
	g, ok := grants[gt]
	if !ok {
		return nil, oauthErr(ErrUnsupportedGrantType, http.StatusBadRequest, "the grant type is not supported")
	}
	client, e := s.authenticateClient(r.Context(), r, p)
	if e != nil {
		return nil, e
	}
	resp, err := g.Exchange(r.Context(), &TokenRequest{Client: client, Params: p, Now: s.now()})
	if err != nil {
		return nil, asError(err)
	}
	return resp, nil
}

// jsonMethodNotAllowed refuses a request to a JSON endpoint made with another method than
// allow: 405 with Allow, and the body of an OAuth invalid_request (the seed: "wrong HTTP
// method").
func jsonMethodNotAllowed(w http.ResponseWriter, allow, endpoint string) *Error {
	w.Header().Set("Allow", allow)
	e := invalidRequest("the %s accepts only %s", endpoint, allow)
	e.Status = http.StatusMethodNotAllowed
	return e
}

// writeJSONError renders err as RFC 6749 §5.2 JSON (R-ERR-1). Internal causes are logged,
// never sent (R-ERR-5).
func (s *Server) writeJSONError(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.Err != nil {
		s.log.ErrorContext(r.Context(), "oauthkit: request failed", "path", r.URL.Path, "code", e.Code, "err", e.Err)
	}
	writeNoStore(w)
	if e.challenge != "" {
		w.Header().Set("WWW-Authenticate", e.challenge)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	body := struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, body)
}

// writeNoStore forbids caching of a response carrying or refusing credentials (RFC 6749
// §5.1, R-TOKEN-4, R-SEC-5).
func writeNoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
