package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
)

// upstreamExchangeTimeout bounds the callback's calls to the upstream (token, JWKS,
// UserInfo) together.
const upstreamExchangeTimeout = 20 * time.Second

// maxFedReturnTo keeps the sign-in state cookie under the 4096 bytes browsers store.
const maxFedReturnTo = 2500

// Start answers r by sending the person to the upstream's authorization endpoint (OIDC
// Core §3.1.2.1) with a fresh state, nonce and PKCE S256 challenge (RFC 7636), kept in a
// sealed cookie for the callback, which returns the person to returnTo (a path of this
// server, as flows.Authenticator.SignIn receives it) once signed in. An unreachable or
// misconfigured upstream gets the error page.
func (u *Upstream) Start(w http.ResponseWriter, r *http.Request, returnTo string) {
	b := u.bound.Load()
	if b == nil {
		unbound(w, r)
		return
	}
	returnTo = flows.SafeReturnTo(returnTo)
	d, err := u.discovery.get(r.Context(), b.cfg.Now())
	if err != nil {
		u.failed(w, r, b, &fedError{outcome: fedConfig, err: err}, "")
		return
	}
	if len(returnTo) > maxFedReturnTo {
		// It would not fit in a cookie; the person lands on the done page signed in.
		b.cfg.Logger.WarnContext(r.Context(), "oauthkit: federated sign-in: return_to too long to keep, dropped", "length", len(returnTo))
		returnTo = ""
	}
	st := b.newFedState(returnTo)
	b.setFedStateCookie(w, st)
	target := u.oauth2Config(b, d).AuthCodeURL(st.State,
		oauth2.S256ChallengeOption(st.Verifier),
		oauth2.SetAuthURLParam("nonce", st.Nonce))
	http.Redirect(w, r, target, flows.RedirectStatus(r))
}

// startHandler serves Config.StartPath: Start with the return_to of the query.
func (u *Upstream) startHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
			u.Start(w, r, r.URL.Query().Get("return_to"))
		default:
			flows.MethodNotAllowed(w, "GET, HEAD, POST")
		}
	})
}

// oauth2Config is the upstream client for discovery document d.
func (u *Upstream) oauth2Config(b *server, d *oidcProvider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     u.cfg.ClientID,
		ClientSecret: u.cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   d.AuthorizationEndpoint,
			TokenURL:  d.TokenEndpoint,
			AuthStyle: d.authStyle(u.cfg.ClientSecret),
		},
		RedirectURL: b.redirect,
		Scopes:      u.cfg.Scopes,
	}
}

// callbackHandler serves the callback (Config.CallbackPath, default "/login/callback"),
// where the upstream sends the person back with a code. It checks that the answer belongs
// to a sign-in this browser started (state, single use, within 10 minutes) and comes from
// the upstream (iss, RFC 9207), redeems the code with the PKCE verifier, verifies the ID
// token, maps organization and roles, and hands the account to Config.SignedIn. Each way it
// can fail has its own page or identity_exception; none is a 500, and upstream details go
// only to the log.
func (u *Upstream) callbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			flows.MethodNotAllowed(w, "GET")
			return
		}
		b := u.bound.Load()
		returnTo, err := u.callback(w, r, b)
		if err != nil {
			u.failed(w, r, b, asFedError(err), returnTo)
			return
		}
		if returnTo == "" {
			returnTo = b.page(u.cfg.DonePage)
		}
		http.Redirect(w, r, returnTo, http.StatusFound)
	})
}

// callback does the callback's work and returns where to send the person next.
func (u *Upstream) callback(w http.ResponseWriter, r *http.Request, b *server) (string, error) {
	q := r.URL.Query()
	st, err := u.takeFedState(w, r, b, q.Get("state"))
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(r.Context(), upstreamExchangeTimeout)
	defer cancel()
	now := b.cfg.Now()
	d, err := u.discovery.get(ctx, now)
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
		case flows.ErrAccessDenied, "login_required", "interaction_required", "consent_required", "account_selection_required":
			return st.ReturnTo, fedFail(fedAccessDenied, "upstream answered %s: %q", code, desc)
		}
		return st.ReturnTo, fmt.Errorf("upstream authorization error %q: %q", code, desc)
	}
	code := q.Get("code")
	if code == "" {
		return st.ReturnTo, fedFail(fedInvalidRequest, "callback without code or error")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, u.client)
	tok, err := u.oauth2Config(b, d).Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
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
	claims, err := u.verifyIDToken(ctx, d, rawID, st.Nonce, now)
	if err != nil {
		return st.ReturnTo, err
	}
	if err := u.completeClaims(ctx, d, tok.AccessToken, claims); err != nil {
		return st.ReturnTo, err
	}
	p, fe := u.person(claims)
	if fe != nil {
		return st.ReturnTo, fe
	}
	acct, fe := u.federatedAccount(r.Context(), b, p)
	if fe != nil {
		return st.ReturnTo, fe
	}
	if err := u.cfg.SignedIn(w, r, acct); err != nil {
		return st.ReturnTo, &fedError{outcome: fedServerError, err: err}
	}
	b.cfg.Logger.InfoContext(r.Context(), "oauthkit: federated sign-in", "account_id", acct.ID, "upstream_sub", p.sub)
	return st.ReturnTo, nil
}

// unbound answers a request to an Upstream that no server has bound: a wiring mistake,
// logged (to the default logger: without a server there is no other) and answered 500.
func unbound(w http.ResponseWriter, r *http.Request) {
	slog.ErrorContext(r.Context(), "oauthkit: federated sign-in", "err", errNotBound)
	http.Error(w, "server_error", http.StatusInternalServerError)
}

// failed shows the outcome of a failed federated sign-in: one of the three error pages of
// federated sign-in, or the sign-in page with an identity_exception. The cause goes to the
// log only.
func (u *Upstream) failed(w http.ResponseWriter, r *http.Request, b *server, fe *fedError, returnTo string) {
	if b == nil {
		unbound(w, r)
		return
	}
	ctx, log := r.Context(), b.cfg.Logger
	name := u.cfg.Name
	toSignIn := func(code string) {
		q := url.Values{"identity_exception": {code}}
		if returnTo != "" {
			q.Set("return_to", returnTo)
		}
		http.Redirect(w, r, b.page(u.cfg.SignInPage)+"?"+q.Encode(), flows.RedirectStatus(r))
	}
	switch fe.outcome {
	case fedInvalidRequest:
		log.WarnContext(ctx, "oauthkit: federated sign-in callback refused", "err", fe.err)
		toSignIn(flows.IdentityInvalidRequest)
	case fedAccessDenied:
		log.InfoContext(ctx, "oauthkit: federated sign-in not completed at the upstream", "err", fe.err)
		toSignIn(flows.IdentityAccessDenied)
	case fedServerError:
		log.ErrorContext(ctx, "oauthkit: federated sign-in: storage failed", "err", fe.err)
		toSignIn(flows.IdentityServerError)
	case fedOrgNotFound:
		log.WarnContext(ctx, "oauthkit: federated sign-in refused: organization not mapped", "upstream_organization", fe.org, "err", fe.err)
		org := trimmed(fe.org, 200)
		b.RenderErrorPage(w, r, http.StatusForbidden, flows.ErrorPage{
			Title:   "Your organization was not found",
			Message: "The user organization ", MessageID: org, MessageEnd: " was not found in the system.",
			DetailMessage: "Your organization at " + name + " has not been set up here yet. " +
				"Ask your administrator to connect it.",
			Code: flows.ErrAccessDenied, Detail: flows.DetailOrganizationNotFound,
		})
	case fedNotAuthorised:
		log.WarnContext(ctx, "oauthkit: federated sign-in refused: not authorised", "err", fe.err)
		b.RenderErrorPage(w, r, http.StatusForbidden, flows.ErrorPage{
			Title:         "You are not authorised",
			Message:       "The user is not authorised to access the system.",
			DetailMessage: fe.hint,
			Code:          flows.ErrAccessDenied, Detail: flows.DetailNotAuthorised,
		})
	default:
		log.ErrorContext(ctx, "oauthkit: federated sign-in failed: upstream OAuth configuration", "upstream", u.cfg.Issuer, "err", fe.err)
		b.RenderErrorPage(w, r, http.StatusBadGateway, flows.ErrorPage{
			Title:   "Something is wrong with the OAuth configuration",
			Message: "Signing in through " + name + " could not be completed.",
			Code:    flows.ErrServerError, Detail: flows.DetailOAuthConfiguration,
		})
	}
}

// trimmed shortens s to at most n bytes and a mark.
func trimmed(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
