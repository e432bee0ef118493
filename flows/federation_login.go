package flows

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// upstreamExchangeTimeout bounds the callback's calls to the upstream (token, JWKS,
// UserInfo) together.
const upstreamExchangeTimeout = 20 * time.Second

// maxFedReturnTo keeps the sign-in state cookie under the 4096 bytes browsers store.
const maxFedReturnTo = 2500

// startFederated answers /login when federation is configured: it sends the person to the
// upstream's authorization endpoint (OIDC Core §3.1.2.1) with a fresh state, nonce and PKCE
// S256 challenge (RFC 7636), kept in a sealed cookie for the callback. The sign-in page is
// shown instead when it has something to say (an identity_exception, such as identity_lost
// after a session ended, or "you are signed out" right after signing out, rather than
// signing the person straight back in at the upstream), and to a person already signed in
// who is going nowhere in particular.
func (s *Server) startFederated(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	returnTo := safeReturnTo(q.Get("return_to"))
	if identityText[q.Get("identity_exception")] != "" || q.Has(signedOutParam) {
		s.showLogin(w, r)
		return
	}
	if returnTo == "" {
		if _, ok, _ := s.currentAccount(r); ok {
			s.showLogin(w, r)
			return
		}
	}
	d, err := s.fed.discovery.get(r.Context(), s.now())
	if err != nil {
		s.federationFailed(w, r, &fedError{outcome: fedConfig, err: err}, "")
		return
	}
	if len(returnTo) > maxFedReturnTo {
		// It would not fit in a cookie; the person lands on the sign-in page signed in.
		s.log.WarnContext(r.Context(), "oauthkit: federated sign-in: return_to too long to keep, dropped", "length", len(returnTo))
		returnTo = ""
	}
	st := s.newFedState(returnTo)
	s.setFedStateCookie(w, st)
	target := s.fed.oauth2Config(d).AuthCodeURL(st.State,
		oauth2.S256ChallengeOption(st.Verifier),
		oauth2.SetAuthURLParam("nonce", st.Nonce))
	http.Redirect(w, r, target, redirectStatus(r))
}

// oauth2Config is the upstream client for discovery document d.
func (f *federator) oauth2Config(d *oidcProvider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     f.cfg.ClientID,
		ClientSecret: f.cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   d.AuthorizationEndpoint,
			TokenURL:  d.TokenEndpoint,
			AuthStyle: d.authStyle(f.cfg.ClientSecret),
		},
		RedirectURL: f.redirect,
		Scopes:      f.cfg.Scopes,
	}
}

// LoginCallbackHandler returns the federated sign-in callback (Paths.LoginCallback,
// default "/login/callback"), where the upstream sends the person back with a code. It
// checks that the answer belongs to a sign-in this browser started (state, single use,
// within 10 minutes) and comes from the upstream (iss, RFC 9207), redeems the code with the
// PKCE verifier, verifies the ID token, maps organization and roles, and signs the person
// in with a new session (R-LOGIN-2, R-LOGIN-4). Each way it can fail has its own page or
// identity_exception; none is a 500, and upstream details go only to the log. Without
// Config.Federation it answers 404.
func (s *Server) LoginCallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		if s.fed == nil {
			http.NotFound(w, r)
			return
		}
		returnTo, err := s.federatedCallback(w, r)
		if err != nil {
			s.federationFailed(w, r, asFedError(err), returnTo)
			return
		}
		if returnTo == "" {
			returnTo = s.link(s.cfg.Paths.PasswordLogin) // shows "signed in as"
		}
		http.Redirect(w, r, returnTo, http.StatusFound)
	})
}

// federatedCallback does the callback's work and returns where to send the person next.
func (s *Server) federatedCallback(w http.ResponseWriter, r *http.Request) (string, error) {
	q := r.URL.Query()
	st, err := s.takeFedState(w, r, q.Get("state"))
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(r.Context(), upstreamExchangeTimeout)
	defer cancel()
	now := s.now()
	d, err := s.fed.discovery.get(ctx, now)
	if err != nil {
		return st.ReturnTo, err
	}
	// RFC 9207 §2.4: an authorization response (error or not) naming another issuer, or
	// none when the upstream says it names itself, is a mix-up attack or a misconfiguration.
	if iss, ok := q["iss"]; (ok && (len(iss) != 1 || iss[0] != d.Issuer)) || (!ok && d.ISSParameter) {
		return st.ReturnTo, fmt.Errorf("authorization response iss %q, want %q", q.Get("iss"), d.Issuer)
	}
	if code := q.Get("error"); code != "" {
		desc := trimmed(q.Get("error_description"), 200)
		switch code {
		case ErrAccessDenied, "login_required", "interaction_required", "consent_required", "account_selection_required":
			return st.ReturnTo, fedFail(fedAccessDenied, "upstream answered %s: %q", code, desc)
		}
		return st.ReturnTo, fmt.Errorf("upstream authorization error %q: %q", code, desc)
	}
	code := q.Get("code")
	if code == "" {
		return st.ReturnTo, fedFail(fedInvalidRequest, "callback without code or error")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.fed.client)
	tok, err := s.fed.oauth2Config(d).Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return st.ReturnTo, fmt.Errorf("upstream token endpoint: status %d, error %q: %q", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription)
		}
		return st.ReturnTo, fmt.Errorf("upstream token endpoint: %w", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return st.ReturnTo, errors.New("upstream token response has no id_token (is the openid scope granted?)")
	}
	claims, err := s.fed.verifyIDToken(ctx, d, rawID, st.Nonce, now)
	if err != nil {
		return st.ReturnTo, err
	}
	if err := s.fed.completeClaims(ctx, d, tok.AccessToken, claims); err != nil {
		return st.ReturnTo, err
	}
	p, fe := s.fed.person(claims)
	if fe != nil {
		return st.ReturnTo, fe
	}
	acct, fe := s.federatedAccount(r.Context(), p)
	if fe != nil {
		return st.ReturnTo, fe
	}
	if err := s.startSession(r.Context(), w, r, acct); err != nil {
		return st.ReturnTo, &fedError{outcome: fedServerError, err: err}
	}
	s.log.InfoContext(r.Context(), "oauthkit: federated sign-in", "account_id", acct.ID, "upstream_sub", p.sub)
	return st.ReturnTo, nil
}

// federationFailed shows the outcome of a failed federated sign-in: one of the three error
// pages of R-LOGIN-2, or the sign-in page with an identity_exception (R-ERR-3). The cause
// goes to the log only.
func (s *Server) federationFailed(w http.ResponseWriter, r *http.Request, fe *fedError, returnTo string) {
	ctx := r.Context()
	name := s.fed.cfg.Name
	toLogin := func(code string) {
		q := url.Values{"identity_exception": {code}}
		if returnTo != "" {
			q.Set("return_to", returnTo)
		}
		http.Redirect(w, r, s.link(s.cfg.Paths.Login)+"?"+q.Encode(), redirectStatus(r))
	}
	switch fe.outcome {
	case fedInvalidRequest:
		s.log.WarnContext(ctx, "oauthkit: federated sign-in callback refused", "err", fe.err)
		toLogin(IdentityInvalidRequest)
	case fedAccessDenied:
		s.log.InfoContext(ctx, "oauthkit: federated sign-in not completed at the upstream", "err", fe.err)
		toLogin(IdentityAccessDenied)
	case fedServerError:
		s.log.ErrorContext(ctx, "oauthkit: federated sign-in: storage failed", "err", fe.err)
		toLogin(IdentityServerError)
	case fedOrgNotFound:
		s.log.WarnContext(ctx, "oauthkit: federated sign-in refused: organization not mapped", "upstream_organization", fe.org, "err", fe.err)
		org := trimmed(fe.org, 200)
		s.render(w, r, http.StatusForbidden, "error", errorPageData{
			Title:   "Your organization was not found",
			Message: "The user organization ", MessageID: org, MessageEnd: " was not found in the system.",
			DetailMessage: "Your organization at " + name + " has not been set up here yet. " +
				"Ask your administrator to connect it.",
			Code: ErrAccessDenied, Detail: DetailOrganizationNotFound,
		})
	case fedNotAuthorised:
		s.log.WarnContext(ctx, "oauthkit: federated sign-in refused: not authorised", "err", fe.err)
		s.render(w, r, http.StatusForbidden, "error", errorPageData{
			Title:         "You are not authorised",
			Message:       "The user is not authorised to access the system.",
			DetailMessage: cmp.Or(fe.hint, detailText[DetailNotAuthorised]),
			Code:          ErrAccessDenied, Detail: DetailNotAuthorised,
		})
	default:
		s.log.ErrorContext(ctx, "oauthkit: federated sign-in failed: upstream OAuth configuration", "upstream", s.fed.cfg.Issuer, "err", fe.err)
		s.render(w, r, http.StatusBadGateway, "error", errorPageData{
			Title:         "Something is wrong with the OAuth configuration",
			Message:       "Signing in through " + name + " could not be completed.",
			DetailMessage: detailText[DetailOAuthConfiguration],
			Code:          ErrServerError, Detail: DetailOAuthConfiguration,
		})
	}
}

// federatedLoginURL is the link on the sign-in page that starts a federated sign-in.
func (s *Server) federatedLoginURL(returnTo string) string {
	if returnTo == "" {
		return s.link(s.cfg.Paths.Login)
	}
	return s.link(s.cfg.Paths.Login) + "?" + url.Values{"return_to": {returnTo}}.Encode()
}

// trimmed shortens s to at most n bytes and a mark.
func trimmed(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
