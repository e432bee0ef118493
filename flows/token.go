package flows

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/scopes"
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

	doc *clientmeta.Document // the client's metadata document; nil for a stored client
}

// RequestedScopes parses the request's scope parameter (RFC 6749 §3.3; scopes separated
// by spaces or commas). asked is false when the request has none. A malformed parameter,
// or one that names no scope, is invalid_scope.
func (r *TokenRequest) RequestedScopes() (want scopes.Set, asked bool, err error) {
	raw, ok := r.Params["scope"]
	if !ok {
		return scopes.Set{}, false, nil
	}
	want, perr := scopes.Parse(raw)
	if perr != nil {
		return scopes.Set{}, true, InvalidScope("the scope parameter is malformed")
	}
	if want.IsEmpty() {
		// Only separators: RFC 6749 §3.3 requires at least one scope-token.
		return scopes.Set{}, true, InvalidScope("the scope parameter names no scope")
	}
	return want, true, nil
}

// TokenResponse is a successful token response (RFC 6749 §5.1), as [Server.Issue] makes it.
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
	// Scope is comma-separated, as LiveChat-style clients expect.
	Scope string `json:"scope,omitempty"`
	// AccountID is the account the token acts for; absent for client_credentials.
	AccountID string `json:"account_id,omitempty"`
	// OrganizationID is the organization of the account (or, for client_credentials, of
	// the client); absent when there is none.
	OrganizationID string `json:"organization_id,omitempty"`
	// IssuedTokenType is the RFC 8693 §2.2.1 issued_token_type, which a token exchange
	// grant sets (urn:ietf:params:oauth:token-type:access_token); absent otherwise.
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// TokenHandler returns the token endpoint. With no grants it accepts the grants of the token
// endpoint that [Server.Handler] serves: authorization_code and refresh_token, and
// client_credentials when Config.Policy.ClientCredentials is set. Otherwise it accepts exactly
// the grants given, built-in or written outside this package, for example:
//
//	s.TokenHandler(s.AuthorizationCodeGrant(), s.RefreshTokenGrant(), myTokenExchange)
//
// Any other grant_type is unsupported_grant_type.
//
// Config.Policy.ClientCredentials is the one switch of the client_credentials grant, so that the
// metadata ([Server.Metadata]) tells the truth: TokenHandler panics when given a grant of
// that type while it is off, as it does for two grants of one type or a grant without a
// type. These are wiring mistakes, caught when the handler is built, as http.ServeMux
// catches conflicting patterns.
func (s *Server) TokenHandler(grants ...Grant) http.Handler {
	if len(grants) == 0 {
		grants = s.defaultGrants()
	}
	byType := make(map[string]Grant, len(grants))
	for _, g := range grants {
		gt := g.GrantType()
		switch _, dup := byType[gt]; {
		case gt == "":
			panic("flows: TokenHandler was given a grant whose GrantType is empty")
		case dup:
			panic("flows: TokenHandler was given two grants of type " + gt)
		case gt == grantClientCredentials && !s.cfg.Policy.ClientCredentials:
			panic("flows: TokenHandler was given the client_credentials grant, but Config.Policy.ClientCredentials is off")
		}
		byType[gt] = g
	}
	return s.jsonEndpoint("token endpoint", []string{http.MethodPost}, func(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
		return answer(s.token(w, r, byType))
	})
}

// defaultGrants are the grants of the token endpoint that [Server.Handler] serves, and that
// the metadata lists.
func (s *Server) defaultGrants() []Grant {
	grants := []Grant{s.AuthorizationCodeGrant(), s.RefreshTokenGrant()}
	if s.cfg.Policy.ClientCredentials {
		grants = append(grants, s.ClientCredentialsGrant())
	}
	return grants
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, grants map[string]Grant) (*TokenResponse, *Error) {
	p, e := readBodyParams(w, r)
	if e != nil {
		return nil, e
	}
	gt := p["grant_type"]
	if gt == "" {
		return nil, InvalidRequest("grant_type is missing")
	}
	g, ok := grants[gt]
	if !ok {
		return nil, NewError(ErrUnsupportedGrantType, http.StatusBadRequest, "the grant type is not supported")
	}
	client, doc, e := s.authenticate(r.Context(), r, p)
	if e != nil {
		return nil, e
	}
	if doc != nil && !slices.Contains(doc.GrantTypes, gt) {
		// RFC 7591 §2: grant_types are the grant types the client may use.
		return nil, UnauthorizedClient("the client's metadata document does not list the grant type %s", gt)
	}
	resp, err := g.Exchange(r.Context(), &TokenRequest{Client: client, Params: p, Now: s.now(), doc: doc})
	switch {
	case err != nil:
		return nil, asError(err)
	case resp == nil:
		return nil, ServerError(fmt.Errorf("flows: the %s grant answered nothing", gt))
	}
	return resp, nil
}
