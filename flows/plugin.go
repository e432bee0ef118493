package flows

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/oauthkit/oauthkit/store"
)

// What a sign-in package (a RouteProvider) uses of the server it serves with.

// Config returns the server's configuration with every default filled in. The slices it
// holds are copies.
func (s *Server) Config() Config {
	c := s.cfg
	c.Policy.SignInRoles = slices.Clone(c.Policy.SignInRoles)
	c.Policy.PersonalTokenClients = slices.Clone(c.Policy.PersonalTokenClients)
	c.ClientIDMetadataDocuments = c.ClientIDMetadataDocuments.clone()
	return c
}

// Link returns the path by which a browser reaches path, a path of this server as
// [Server.Handler] sees it: the issuer's path (the prefix a router strips, if any)
// followed by path.
func (s *Server) Link(path string) string { return s.link(path) }

// MaySignIn reports whether acct holds a role that may sign in (Config.Policy.SignInRoles).
func (s *Server) MaySignIn(acct store.Account) bool { return s.maySignIn(acct) }

func (s *Server) maySignIn(acct store.Account) bool {
	if len(s.cfg.Policy.SignInRoles) == 0 {
		return true
	}
	for _, r := range s.cfg.Policy.SignInRoles {
		if acct.HasRole(r) {
			return true
		}
	}
	return false
}

// RevokeAccountTokens revokes every token of accountID: access, refresh and personal
// tokens, and the customer tokens minted with any of them (the account is signed out of
// every app). It returns how many tokens it revoked.
func (s *Server) RevokeAccountTokens(ctx context.Context, accountID string) (int, error) {
	if accountID == "" {
		return 0, errors.New("flows: RevokeAccountTokens needs an account id")
	}
	n, err := s.store.RevokeAccountTokens(ctx, accountID)
	if err != nil {
		return n, fmt.Errorf("flows: revoking the tokens of %s: %w", accountID, err)
	}
	return n, nil
}

// RequestingClient returns the client whose authorization request returnTo is (a path of
// the authorization endpoint with its query, as [Authenticator.SignIn] receives it), so
// that a sign-in page can say which app asked. redirectURI is the request's redirect URI
// when it is one of the client's registered ones, "" otherwise: a page whose form ends,
// through redirects, at the client allows that target in its form-action ([FormAction]).
// ok is false when returnTo is no authorization request of a known client. For a client
// identified by a client metadata document (Config.ClientIDMetadataDocuments), c.Name is
// the host of its client ID URL, not the name its document claims: a sign-in page shows
// what this server checked.
func (s *Server) RequestingClient(ctx context.Context, returnTo string) (c store.Client, redirectURI string, ok bool) {
	returnTo = SafeReturnTo(returnTo)
	if returnTo == "" {
		return store.Client{}, "", false
	}
	u, err := url.Parse(returnTo)
	if err != nil || !s.isAuthorizePath(u.Path) {
		return store.Client{}, "", false
	}
	id := u.Query().Get("client_id")
	if id == "" || len(id) > 200 || checkText("client_id", id) != nil {
		return store.Client{}, "", false
	}
	c, doc, err := s.client(ctx, id)
	if err != nil {
		return store.Client{}, "", false
	}
	if doc != nil {
		// The name is the client's own claim; its host is what was checked.
		c.Name = doc.Hostname
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err == nil && len(q["client_id"]) == 1 && len(q["redirect_uri"]) == 1 && s.matchClientRedirect(c, doc, q.Get("redirect_uri")) == nil {
		redirectURI = q.Get("redirect_uri")
	}
	return c, redirectURI, true
}
