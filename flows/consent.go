package flows

import (
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// consentPageData is what the "consent" template receives.
type consentPageData struct {
	// ClientName names the app: a stored client's name (or, without one, its ID); for a
	// client identified by a client metadata document, the host of its client ID URL,
	// the one thing about it this server checked, so that a template that shows only
	// ClientName shows no name an app gave itself.
	ClientName string
	// Account is the signed-in account's login.
	Account string
	// Action, CSRF and Request are the form's target and hidden fields.
	Action, CSRF, Request string
	// Scopes are the requested scopes, with their catalog descriptions.
	Scopes []scopes.Scope

	// For a client identified by a client metadata document; zero for a stored client.

	// ClientIDURL is its client_id, the URL of its document.
	ClientIDURL string
	// ClaimedName is the client_name its document gives, "" when none: anyone may
	// publish any name, so show it as the app's claim, after ClientName.
	ClaimedName string
	// LocalOnly is set when the response goes to a program on this computer (a
	// loopback or native-app redirect URI, as every one of a loopback-only document's
	// is): any program can send anyone's client ID and receive the answer there.
	LocalOnly bool
}

// needsConsent decides whether the person must be asked: never for a private
// client of the account's own organization; otherwise unless a remembered grant covers the
// requested scopes and the client's scopes have not changed since, and prompt=consent does
// not force the question. A client identified by a metadata document whose answer goes to
// a program on this computer is asked every time.
func (s *Server) needsConsent(r *http.Request, acct store.Account, req *authzRequest) (bool, error) {
	if req.client.OrganizationID != "" && req.client.OrganizationID == acct.OrganizationID {
		return false, nil
	}
	if req.forceConsent {
		return true, nil
	}
	if req.doc != nil && localRedirect(req.redirectURI) {
		// RFC 8252 §8.6: a client whose identity cannot be assured is asked every time,
		// as if nothing had been allowed before. A document's host vouches for nothing
		// that listens on this computer.
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
// withdraws any consent remembered for the app (see authorize). A client identified by a
// metadata document is named by its host first, its claimed name second, with a warning
// when the answer goes to a program on this computer; its logo is never loaded.
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
	if req.doc != nil {
		d.ClientName, d.ClaimedName, d.ClientIDURL = req.doc.Hostname, req.doc.Name, req.doc.ID
		d.LocalOnly = req.doc.LoopbackOnly || localRedirect(req.redirectURI)
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
