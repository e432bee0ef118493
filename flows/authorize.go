package flows

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// authzRequest is an authorization request whose client and redirect URI have been
// validated, so errors may go back to the client.
type authzRequest struct {
	raw          string // the original query, replayed after sign-in and consent
	client       store.Client
	doc          *clientmeta.Document // the client's metadata document; nil for a stored client
	redirectURI  string
	responseType string
	state        string
	scopes       scopes.Set
	challenge    string
	method       string
	forceConsent bool
	promptNone   bool // OpenID Connect prompt=none: answer without any page
	// defaultScopes: the request named no scope and asks for what the client may have;
	// administrator-only scopes are dropped for an account without the role.
	defaultScopes bool
}

// AuthorizeHandler returns the authorization endpoint (RFC 6749 §3.1). GET
// receives the client's request; POST receives the consent form, which carries the original
// request back together with the person's decision and a CSRF token.
func (s *Server) AuthorizeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			s.authorize(w, r, r.URL.RawQuery, "")
		case http.MethodPost:
			s.postConsent(w, r)
		default:
			// Not even HEAD: an authorization request has effects (codes, tokens).
			MethodNotAllowed(w, "GET, POST")
		}
	})
}

// authorize runs an authorization request. decision is "" for a fresh request, or the
// consent form's "allow" or "deny".
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, raw, decision string) {
	req, e := s.parseAuthz(r, raw)
	if e != nil {
		if req == nil {
			s.toErrorPage(w, r, e)
		} else {
			s.authzError(w, r, req, e)
		}
		return
	}
	acct, ok, err := s.auth.Account(r)
	if err != nil {
		s.authzError(w, r, req, unavailable(err))
		return
	}
	if !ok {
		if req.promptNone {
			s.authzError(w, r, req, oauthErr("login_required", http.StatusBadRequest, "prompt=none was sent but nobody is signed in"))
			return
		}
		// Sign in, then come back to this very request.
		s.auth.SignIn(w, r, s.link(s.cfg.Paths.Authorize)+"?"+raw)
		return
	}
	// A session outlives a change of roles: an account that may no longer sign in gets
	// nothing new from it.
	if !s.maySignIn(acct) {
		s.authzError(w, r, req, AccessDenied("this account may not sign in"))
		return
	}
	// A client sending the same person here again and again is looping.
	if decision == "" && !s.redirects.allow(req.client.ID+"\x00"+acct.ID, s.now()) {
		s.toErrorPage(w, r, &Error{Code: ErrAccessDenied, Detail: DetailTooManyRedirects, Status: http.StatusTooManyRequests,
			Description: "too many authorization requests from this app in a short time"})
		return
	}
	if req.client.OrganizationID != "" && req.client.OrganizationID != acct.OrganizationID {
		s.authzError(w, r, req, oauthErr(ErrUnauthorizedClient, http.StatusBadRequest, "the app is private to another organization"))
		return
	}
	// Administrator-only scopes need the administrator role. A request that named none gets
	// the client's scopes that this account may hold, so that generic clients (which send no
	// scope) work for every account.
	if admin := s.catalog.AdminOnly(req.scopes); len(admin) > 0 && !acct.HasRole(s.cfg.Policy.AdminRole) {
		if !req.defaultScopes {
			s.authzError(w, r, req, invalidScope("the scopes %s need an administrator", strings.Join(admin, ",")))
			return
		}
		if req.scopes = req.scopes.Minus(scopes.New(admin...)); req.scopes.IsEmpty() {
			s.authzError(w, r, req, invalidScope("every scope of the app needs an administrator"))
			return
		}
	}
	switch decision {
	case "deny":
		// A refusal withdraws the consent remembered for the app: prompt=none gets
		// missing_grant from now on, until the person allows it again.
		if err := s.store.DeleteGrant(r.Context(), acct.ID, req.client.ID); err != nil {
			s.authzError(w, r, req, unavailable(err))
			return
		}
		s.authzError(w, r, req, oauthErr(ErrAccessDenied, http.StatusBadRequest, "the user denied the request"))
		return
	case "allow":
		if err := s.rememberGrant(r, acct, req); err != nil {
			s.authzError(w, r, req, unavailable(err))
			return
		}
	default:
		need, err := s.needsConsent(r, acct, req)
		if err != nil {
			s.authzError(w, r, req, unavailable(err))
			return
		}
		if need && req.promptNone {
			s.authzError(w, r, req, oauthErr(ErrMissingGrant, http.StatusBadRequest, "the app needs consent that was never given, was refused or has changed"))
			return
		}
		if need {
			s.showConsent(w, r, acct, req)
			return
		}
	}
	if req.responseType == "token" {
		s.issueImplicit(w, r, acct, req)
		return
	}
	s.issueCode(w, r, acct, req)
}

// parseAuthz validates an authorization request. It checks client_id and redirect_uri
// first; until both are trusted it returns a nil request, and the error must go
// to the error page, never to the redirect URI.
func (s *Server) parseAuthz(r *http.Request, raw string) (*authzRequest, *Error) {
	vs, err := url.ParseQuery(raw)
	if err != nil || len(vs["client_id"]) > 1 || len(vs["redirect_uri"]) > 1 {
		return nil, invalidRequest("the request parameters are malformed or repeated")
	}
	clientID, redirect := vs.Get("client_id"), vs.Get("redirect_uri")
	if clientID == "" {
		return nil, detailErr(ErrUnauthorizedClient, DetailClientIDNotFound, "client_id is missing")
	}
	if e := checkText("client_id", clientID); e != nil {
		return nil, e
	}
	// A client_id that storage does not know may be the URL of a client metadata
	// document (Config.ClientIDMetadataDocuments): one that cannot be used is an unknown
	// client, on the error page like any other.
	client, doc, err := s.client(r.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, detailErr(ErrUnauthorizedClient, DetailClientIDNotFound, unknownClientText(err))
	}
	if err != nil {
		return nil, clientUnavailable(err)
	}
	if len(client.RedirectURIs) == 0 {
		return nil, detailErr(ErrUnauthorizedClient, DetailRedirectURINotSet, "the client has no redirect URI")
	}
	if redirect == "" || s.matchClientRedirect(client, doc, redirect) != nil {
		return nil, detailErr(ErrUnauthorizedClient, DetailInvalidRedirectURI, "redirect_uri is not registered for the client")
	}

	req := &authzRequest{raw: raw, client: client, doc: doc, redirectURI: redirect}
	// RFC 6749 §4.1.2.1: an error response carries the request's state, even when another
	// parameter is repeated; a repeated state has no value to echo.
	if st := vs["state"]; len(st) == 1 {
		req.state = st[0]
	}
	if rt := vs["response_type"]; len(rt) == 1 {
		req.responseType = rt[0] // so that even early errors use the right response mode
	}
	p, err := parseQuery(raw)
	if err != nil {
		return req, invalidRequest("%s", paramErrorText(err))
	}
	req.responseType = p["response_type"]
	switch req.responseType {
	case "code":
	case "token":
		// The implicit grant (removed in OAuth 2.1) only for clients that enable it.
		if !client.AllowImplicit {
			return req, oauthErr(ErrUnauthorizedClient, http.StatusBadRequest, "the client may not use response_type=token")
		}
	case "":
		return req, invalidRequest("response_type is missing")
	default:
		return req, oauthErr(ErrUnsupportedResponseType, http.StatusBadRequest, "response_type must be code or token")
	}

	// The request may narrow the client's scopes, never widen them; no scope
	// parameter means those of them that the account may hold (see authorize).
	allowed := s.clientScopes(client)
	req.scopes = allowed
	if rawScope, ok := p["scope"]; ok {
		if req.scopes, err = scopes.Parse(rawScope); err != nil {
			return req, invalidScope("the scope parameter is malformed")
		}
	} else {
		req.defaultScopes = true
	}
	if unknown := s.catalog.Unknown(req.scopes); len(unknown) > 0 {
		return req, invalidScope("unknown scope %s", strings.Join(unknown, ","))
	}
	if !req.scopes.IsSubsetOf(allowed) {
		return req, invalidScope("the client may not request %s", req.scopes.Minus(allowed).String())
	}
	if req.scopes.IsEmpty() {
		return req, invalidScope("no scope requested")
	}

	// PKCE (RFC 7636).
	req.challenge = p["code_challenge"]
	method, ok := pkceMethod(p["code_challenge_method"])
	switch {
	case !ok:
		return req, invalidRequest("code_challenge_method must be S256 or plain")
	case req.challenge == "" && p["code_challenge_method"] != "":
		return req, invalidRequest("code_challenge_method was sent without code_challenge")
	case req.challenge == "" && req.responseType == "code" && (client.Public || client.RequirePKCE):
		return req, invalidRequest("this client must use PKCE: code_challenge is missing")
	case req.challenge != "" && !validPKCEString(req.challenge):
		return req, invalidRequest("code_challenge must be 43 to 128 characters from [A-Za-z0-9-._~]")
	case req.challenge != "" && (s.cfg.Policy.RequireS256 || doc != nil) && method != PKCEMethodS256:
		// A client identified by a metadata document is public and new to this server:
		// it gets no plain PKCE, whatever the policy.
		return req, invalidRequest("code_challenge_method must be S256")
	}
	if req.challenge != "" {
		req.method = method
	}
	prompt := strings.Fields(p["prompt"])
	req.forceConsent = slices.Contains(prompt, "consent")
	req.promptNone = slices.Contains(prompt, "none")
	if req.promptNone && len(prompt) > 1 {
		return req, invalidRequest("prompt=none cannot be combined with other values")
	}
	return req, nil
}

// matchRedirect checks a requested redirect URI against the client's registrations. The
// RFC 8252 §7.3 loopback rule (any port), and with Policy.LocalhostAnyPort its extension
// to localhost, is for native apps: it applies only to public clients; a confidential
// client's loopback URI must match its registered port.
func (s *Server) matchRedirect(c store.Client, uri string) error {
	if c.Public {
		return redirecturi.MatchWith(c.RedirectURIs, uri, redirecturi.Options{
			LoopbackAnyPort:  true,
			LocalhostAnyPort: s.cfg.Policy.LocalhostAnyPort,
		})
	}
	return redirecturi.MatchExactPort(c.RedirectURIs, uri)
}

// personalTokenClient reports whether clientID is one of Config.Policy.PersonalTokenClients, the
// only clients that may hold PersonalTokensScope.
func (s *Server) personalTokenClient(clientID string) bool {
	return slices.Contains(s.cfg.Policy.PersonalTokenClients, clientID)
}

func detailErr(code, detail, desc string) *Error {
	return &Error{Code: code, Detail: detail, Description: desc, Status: http.StatusBadRequest}
}

// authzError reports e for a request whose client and redirect URI are trusted: back to the
// client with error, error_description, state and iss (RFC 6749 §4.1.2.1, RFC 9207), or to
// the error page in error-page mode (Config.Policy.ErrorPageMode).
func (s *Server) authzError(w http.ResponseWriter, r *http.Request, req *authzRequest, e *Error) {
	if s.cfg.Policy.ErrorPageMode {
		s.toErrorPage(w, r, e)
		return
	}
	if e.Err != nil {
		s.log.ErrorContext(r.Context(), "oauthkit: authorization failed", "code", e.Code, "err", e.Err)
	}
	q := url.Values{"error": {e.Code}, "iss": {s.cfg.Issuer}}
	if e.Description != "" {
		q.Set("error_description", e.Description)
	}
	if req.state != "" {
		q.Set("state", req.state)
	}
	s.toClient(w, r, req, q)
}

// toClient redirects to the client's redirect URI with q: in the query for the code flow,
// in the fragment for the implicit flow (RFC 6749 §4.2.2), so a token never reaches a
// server's logs.
func (s *Server) toClient(w http.ResponseWriter, r *http.Request, req *authzRequest, q url.Values) {
	sep := "?"
	if req.responseType == "token" {
		sep = "#"
	}
	http.Redirect(w, r, req.redirectURI+sep+q.Encode(), RedirectStatus(r))
}

// issueCode stores a new authorization code for the request and redirects to the client
// with code, state and iss.
func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, acct store.Account, req *authzRequest) {
	code, h := s.mint(markCode)
	now := s.now()
	c := store.AuthorizationCode{
		Hash:                h,
		ClientID:            req.client.ID,
		AccountID:           acct.ID,
		OrganizationID:      acct.OrganizationID,
		RedirectURI:         req.redirectURI,
		Scopes:              req.scopes.Names(),
		CodeChallenge:       req.challenge,
		CodeChallengeMethod: req.method,
		FamilyID:            credentials.NewID(),
		IssuedAt:            now,
		ExpiresAt:           now.Add(s.cfg.Lifetimes.Code),
	}
	if err := s.store.CreateCode(r.Context(), c); err != nil {
		s.authzError(w, r, req, unavailable(err))
		return
	}
	q := url.Values{"code": {code}, "iss": {s.cfg.Issuer}}
	if req.state != "" {
		q.Set("state", req.state)
	}
	s.toClient(w, r, req, q)
}

// issueImplicit issues an access token straight from the authorization endpoint and sends
// it in the fragment with token_type, expires_in, scope, state and iss. There
// is no refresh token.
func (s *Server) issueImplicit(w http.ResponseWriter, r *http.Request, acct store.Account, req *authzRequest) {
	now := s.now()
	access, at, err := s.newToken(store.KindAccess, store.Token{
		ClientID: req.client.ID, AccountID: acct.ID, OrganizationID: acct.OrganizationID,
		Scopes: req.scopes.Names(), FamilyID: credentials.NewID(),
	}, now)
	if err != nil {
		s.authzError(w, r, req, internal(err))
		return
	}
	if err := s.store.IssueTokens(r.Context(), now, store.Issue{Tokens: []store.Token{at}, Limits: s.limits.tokens}); err != nil {
		s.authzError(w, r, req, unavailable(err))
		return
	}
	resp := s.tokenResponse(access, at, "", now)
	q := url.Values{
		"access_token": {resp.AccessToken},
		"token_type":   {resp.TokenType},
		"expires_in":   {strconv.FormatInt(resp.ExpiresIn, 10)},
		"scope":        {resp.Scope},
		"iss":          {s.cfg.Issuer},
	}
	if req.state != "" {
		q.Set("state", req.state)
	}
	s.toClient(w, r, req, q)
}
