package flows

import (
	"context"

	"github.com/oauthkit/oauthkit/scopes"
)

// grantClientCredentials is the grant_type of the client_credentials grant.
const grantClientCredentials = "client_credentials"

// ClientCredentialsGrant returns the grant_type=client_credentials handler (RFC 6749 §4.4).
// It is off unless Config.Policy.ClientCredentials is set, as LiveChat-style servers disable
// it: then the token endpoint of Handler accepts it, and so does TokenHandler() with
// no arguments; [Server.TokenHandler] refuses it while the switch is off. Only confidential clients may use it; the token's
// subject is the client itself, with no account, and no refresh token is issued (RFC 6749
// §4.4.3). Without a scope parameter the token holds the client's scopes except the
// administrator-only ones; asking for an administrator-only scope is invalid_scope, since
// no administrator takes part. resource parameters (RFC 8707) bind the token to resources
// the client may ask for ([Config.Resources], [Policy.AllowResource]), else
// invalid_target; without one the token is for [Config.DefaultResource], or has no
// audience.
func (s *Server) ClientCredentialsGrant() Grant { return clientCredentialsGrant{s} }

type clientCredentialsGrant struct{ s *Server }

func (clientCredentialsGrant) GrantType() string { return grantClientCredentials }

func (g clientCredentialsGrant) Exchange(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s, c := g.s, req.Client
	if c.Public {
		return nil, UnauthorizedClient("a public client cannot use the client_credentials grant")
	}
	want, asked, err := req.RequestedScopes()
	if err != nil {
		return nil, err
	}
	allowed := s.clientScopes(c)
	if !asked {
		want = s.catalog.WithoutAdminOnly(allowed).Minus(scopes.New(s.catalog.Unknown(allowed)...))
	}
	return s.issueAllowed(ctx, IssueRequest{Client: c, Scopes: want, Audience: req.Resources, Now: req.Now}, allowed)
}
