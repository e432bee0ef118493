package flows

import (
	"context"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// ClientCredentialsGrant returns the grant_type=client_credentials handler (RFC 6749 §4.4,
// R-TOKEN-6). It is off unless mounted explicitly or enabled with Config.Policy.ClientCredentials,
// as the seed disables it. Only confidential clients may use it; the token's subject is the
// client itself, with no account, and no refresh token is issued (RFC 6749 §4.4.3).
// Administrator-only scopes are refused: no administrator takes part.
func (s *Server) ClientCredentialsGrant() Grant { return clientCredentialsGrant{s} }

type clientCredentialsGrant struct{ s *Server }

func (clientCredentialsGrant) GrantType() string { return "client_credentials" }

func (g clientCredentialsGrant) Exchange(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s, c := g.s, req.Client
	if c.Public {
		return nil, oauthErr(ErrUnauthorizedClient, http.StatusBadRequest, "a public client cannot use the client_credentials grant")
	}
	allowed := scopes.New(c.Scopes...)
	want := allowed.Minus(scopes.New(s.catalog.AdminOnly(allowed)...))
	if raw, ok := req.Params["scope"]; ok {
		var err error
		if want, err = scopes.Parse(raw); err != nil {
			return nil, invalidScope("the scope parameter is malformed")
		}
		if want.IsEmpty() {
			// Only separators: RFC 6749 §3.3 requires at least one scope-token.
			return nil, invalidScope("the scope parameter names no scope")
		}
		if !want.IsSubsetOf(allowed) {
			return nil, invalidScope("the client may not request %s", want.Minus(allowed).String())
		}
		if admin := s.catalog.AdminOnly(want); len(admin) > 0 {
			return nil, invalidScope("the scopes %s need an administrator", strings.Join(admin, ","))
		}
	}
	access, at, err := s.newToken(store.KindAccess, store.Token{
		ClientID: c.ID, OrganizationID: c.OrganizationID, Scopes: want.Names(),
	}, req.Now)
	if err != nil {
		return nil, internal(err)
	}
	if err := s.store.IssueTokens(ctx, req.Now, store.Issue{Tokens: []store.Token{at}, Limits: s.limits()}); err != nil {
		return nil, unavailable(err)
	}
	return s.tokenResponse(access, at, "", req.Now), nil
}
