package flows

import (
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// consentPageData is what the "consent" template receives.
type consentPageData struct {
	ClientName, Account, Action, CSRF, Request string
	Scopes                                     []scopes.Scope
}

// needsConsent decides whether the person must be asked: never for a private
// client of the account's own organization; otherwise unless a remembered grant covers the
// requested scopes and the client's scopes have not changed since, and prompt=consent does
// not force the question.
func (s *Server) needsConsent(r *http.Request, acct store.Account, req *authzRequest) (bool, error) {
	if req.client.OrganizationID != "" && req.client.OrganizationID == acct.OrganizationID {
		return false, nil
	}
	if req.forceConsent {
		return true, nil
	}
	g, err := s.store.Grant(r.Context(), acct.ID, req.client.ID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if !scopes.New(g.ClientScopes...).Equal(scopes.New(req.client.Scopes...)) {
		return true, nil
	}
	return !req.scopes.IsSubsetOf(scopes.New(g.Scopes...)), nil
}

// rememberGrant records that acct allowed req's scopes for the client, adding to what an
// earlier grant under the same client configuration allowed.
func (s *Server) rememberGrant(r *http.Request, acct store.Account, req *authzRequest) error {
	ctx, now := r.Context(), s.now()
	granted := req.scopes
	g, err := s.store.Grant(ctx, acct.ID, req.client.ID)
	switch {
	case err == nil && scopes.New(g.ClientScopes...).Equal(scopes.New(req.client.Scopes...)):
		granted = granted.Union(scopes.New(g.Scopes...))
	case err == nil:
		g.CreatedAt = now // the client changed: this is a new grant
	case errors.Is(err, store.ErrNotFound):
		g.CreatedAt = now
	default:
		return err
	}
	return s.store.PutGrant(ctx, store.Grant{
		AccountID:    acct.ID,
		ClientID:     req.client.ID,
		Scopes:       granted.Names(),
		ClientScopes: req.client.Scopes,
		CreatedAt:    g.CreatedAt,
		UpdatedAt:    now,
	})
}

// showConsent renders the consent page: the app's name and each requested scope with its
// catalog description, and Allow/Deny buttons that post back to this endpoint. Deny
// withdraws any consent remembered for the app (see authorize).
func (s *Server) showConsent(w http.ResponseWriter, r *http.Request, acct store.Account, req *authzRequest) {
	d := consentPageData{
		ClientName: req.client.Name,
		Account:    acct.Login,
		Action:     s.link(r.URL.Path),
		CSRF:       s.csrfToken(w, r),
		Request:    req.raw,
	}
	if d.ClientName == "" {
		d.ClientName = req.client.ID
	}
	// In the catalog's declaration order, which the application chose for reading.
	for _, sc := range s.catalog.Scopes() {
		if !req.scopes.Has(sc.Name) {
			continue
		}
		if sc.Description == "" {
			sc.Description = sc.Name
		}
		d.Scopes = append(d.Scopes, sc)
	}
	// Allow and Deny both end in a redirect to the client, which form-action must allow.
	s.renderPage(w, r, http.StatusOK, "consent", d, FormAction(req.redirectURI))
}

// postConsent handles the consent form: a CSRF-checked decision on the original request,
// which is validated again from scratch.
func (s *Server) postConsent(w http.ResponseWriter, r *http.Request) {
	p, e := readFormParams(w, r)
	if e != nil {
		s.toErrorPage(w, r, e)
		return
	}
	if !s.checkCSRF(r, p[csrfField]) {
		s.toErrorPage(w, r, invalidRequest("the form has expired or did not come from this site"))
		return
	}
	decision := p["decision"]
	if decision != "allow" && decision != "deny" {
		s.toErrorPage(w, r, invalidRequest("decision must be allow or deny"))
		return
	}
	s.authorize(w, r, p["request"], decision)
}
