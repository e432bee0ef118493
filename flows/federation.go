package flows

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Federation configures sign-in through an upstream OpenID Connect provider (R-LOGIN-2):
// /login sends the person there (authorization code with PKCE S256, state and nonce), the
// callback at Paths.LoginCallback verifies the ID token against the upstream's JWKS, maps
// the upstream organization and roles to local ones, and signs the person in locally.
//
// A local account is bound to one upstream identity, the ID token's (iss, sub), stored on
// the account (store.Account.UpstreamIssuer, UpstreamSubject) at its first federated
// sign-in and matched by from then on. That first sign-in creates the account, or links
// the account that already has the email as its login (a password account, or one linked
// by email before subjects were stored), whose password sign-in is disabled from then on
// (R-LOGIN-3). The email must be vouched for: email_verified true (see
// AllowMissingEmailVerified), and an account already bound to another upstream identity
// is never taken over: that sign-in is refused as not authorised. A bound person whose
// email changed upstream signs in to their account, whose login follows the new email when
// it is verified and no other account has it (otherwise the login is kept).
//
// Changing Issuer unbinds nobody: accounts bound to the old issuer's subjects are refused
// until their upstream identity is cleared (UpstreamIssuer and UpstreamSubject set empty
// with the store's PutAccount), after which their next sign-in links them by email.
//
// The upstream is discovered lazily (OpenID Connect Discovery 1.0), on the first sign-in
// and again after an hour, so the server starts while the upstream is down; a sign-in that
// meets an unreachable or misconfigured upstream gets the "OAuth configuration" error page,
// with the details only in the log.
type Federation struct {
	// Issuer is the upstream's issuer identifier. Its discovery document is read from
	// Issuer + "/.well-known/openid-configuration" and must name exactly this issuer, as
	// must every ID token. It must be https, or http on a loopback host (for development).
	Issuer string
	// Name is the upstream's name on the sign-in page ("Sign in with Name"). Default: the
	// issuer's host.
	Name string
	// ClientID and ClientSecret are this server's client registration at the upstream. The
	// secret is sent as the upstream's discovery document prefers (client_secret_basic
	// unless only client_secret_post is offered); an empty secret makes a public client.
	ClientID string
	// ClientSecret is the secret the upstream issued for ClientID; empty for a public
	// client, which relies on PKCE alone.
	ClientSecret string
	// RedirectURL is the callback URL registered at the upstream. Default: Config.Issuer
	// followed by Paths.LoginCallback.
	RedirectURL string
	// Scopes are requested from the upstream. Default "openid", "email", "profile"; they
	// must include "openid". Add the scopes that release the organization and roles claims.
	Scopes []string
	// OrganizationClaim, RolesClaim and EmailClaim name the upstream claims that carry the
	// person's organization id (a string or number), roles (an array of strings, or one
	// string of space- or comma-separated roles) and email. Defaults "org_id", "roles",
	// "email". A name that is not a top-level claim is read as a dotted path into nested
	// objects ("realm_access.roles"). Claims missing from the ID token are completed from
	// the upstream's UserInfo endpoint (OIDC Core §5.3), where providers that follow OIDC
	// Core §5.4 put the claims of requested scopes.
	OrganizationClaim string
	// RolesClaim names the claim holding the person's upstream roles, matched against
	// SignInRoles and AdminRoles. Default "roles".
	RolesClaim string
	// EmailClaim names the claim holding the email, which becomes the local login
	// (lowercased); sign-in fails without it. Default "email".
	EmailClaim string
	// Organizations maps upstream organization ids to local organization ids. An upstream
	// organization that is not a key here cannot sign in ("organization `id` was not
	// found"). Required.
	Organizations map[string]string
	// SignInRoles are the upstream roles that may sign in; AdminRoles may too, and make the
	// local account an administrator (Config.Policy.AdminRole). A person with none of them is "not
	// authorised". At least one role is required. The local account's roles are set on
	// every sign-in: the upstream sign-in roles it holds, plus Config.Policy.AdminRole for an
	// administrator.
	SignInRoles []string
	// AdminRoles are the upstream roles that make the local account an administrator;
	// holding one is enough to sign in.
	AdminRoles []string
	// AllowMissingEmailVerified accepts an upstream person whose claims carry no
	// email_verified claim as if the upstream had asserted it: their email may then create
	// an account, and link the existing account with that login. Set it only for an
	// upstream that releases nothing but verified emails without saying so (Microsoft Entra
	// ID, for one, sends no email_verified): with any other, whoever can set an email there
	// without proving it could take over the local account that has it. By default such a
	// person is refused (not authorised), unless already bound to an account. An
	// email_verified of false never creates or links an account.
	AllowMissingEmailVerified bool
	// HTTPClient makes the requests to the upstream (discovery, JWKS, token, UserInfo).
	// Default: a client with a 10-second timeout.
	HTTPClient *http.Client
}

// Exception details of the federated sign-in error pages (R-LOGIN-2).
const (
	// DetailOrganizationNotFound: the upstream organization is not mapped to a local one.
	DetailOrganizationNotFound = "organization_not_found"
	// DetailNotAuthorised: the upstream person holds no role that may sign in.
	DetailNotAuthorised = "not_authorised"
	// DetailOAuthConfiguration: the upstream is unreachable or misconfigured, or its
	// answer could not be trusted (bad client credentials, invalid ID token).
	DetailOAuthConfiguration = "oauth_configuration"
)

// Defaults of Federation.
const (
	defaultOrganizationClaim = "org_id"
	defaultRolesClaim        = "roles"
	defaultEmailClaim        = "email"
	upstreamTimeout          = 10 * time.Second
)

// federator is a validated Federation with its caches: the discovery document, the JWKS
// and the states already used.
type federator struct {
	cfg      Federation // normalized copy
	redirect string
	client   *http.Client
	signIn   map[string]bool
	admin    map[string]bool

	discovery *discoveryCache
	keys      *jwksCache
	used      *usedStates
}

// newFederator validates f against the server configuration and returns its federator.
func newFederator(f Federation, cfg Config) (*federator, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("flows: Config.Federation: "+format, args...)
	}
	if cfg.Authenticator != nil {
		return nil, bad("federated sign-in needs the built-in sessions; leave Config.Authenticator nil")
	}
	iss, err := url.Parse(f.Issuer)
	if err != nil || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" || iss.User != nil {
		return nil, bad("Issuer must be an absolute URL without query, fragment or userinfo")
	}
	if iss.Scheme != "https" && (iss.Scheme != "http" || !isLoopback(iss.Hostname())) {
		return nil, bad("Issuer must be https (http only on a loopback host)")
	}
	if f.ClientID == "" {
		return nil, bad("ClientID is required")
	}
	setDefault(&f.Name, iss.Host)
	setDefault(&f.OrganizationClaim, defaultOrganizationClaim)
	setDefault(&f.RolesClaim, defaultRolesClaim)
	setDefault(&f.EmailClaim, defaultEmailClaim)
	if f.RedirectURL == "" {
		f.RedirectURL = strings.TrimSuffix(cfg.Issuer, "/") + cfg.Paths.LoginCallback
	}
	if u, err := url.Parse(f.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		return nil, bad("RedirectURL must be an absolute http(s) URL without fragment")
	}
	if len(f.Scopes) == 0 {
		f.Scopes = []string{"openid", "email", "profile"}
	}
	f.Scopes = slices.Clone(f.Scopes)
	if !slices.Contains(f.Scopes, "openid") {
		return nil, bad(`Scopes must include "openid"`)
	}
	if len(f.Organizations) == 0 {
		return nil, bad("Organizations must map at least one upstream organization")
	}
	orgs := make(map[string]string, len(f.Organizations))
	for up, local := range f.Organizations {
		if up == "" || local == "" {
			return nil, bad("Organizations has an empty id (%q → %q)", up, local)
		}
		orgs[up] = local
	}
	f.Organizations = orgs
	if len(f.SignInRoles)+len(f.AdminRoles) == 0 {
		return nil, bad("SignInRoles or AdminRoles must name at least one role")
	}
	fd := &federator{
		redirect: f.RedirectURL,
		client:   f.HTTPClient,
		signIn:   make(map[string]bool),
		admin:    make(map[string]bool),
		used:     newUsedStates(maxUsedStates),
	}
	for _, r := range f.SignInRoles {
		if r == "" {
			return nil, bad("SignInRoles has an empty role")
		}
		fd.signIn[r] = true
	}
	for _, r := range f.AdminRoles {
		if r == "" {
			return nil, bad("AdminRoles has an empty role")
		}
		fd.admin[r] = true
	}
	f.SignInRoles, f.AdminRoles = slices.Clone(f.SignInRoles), slices.Clone(f.AdminRoles)
	if fd.client == nil {
		fd.client = &http.Client{Timeout: upstreamTimeout}
	}
	fd.cfg = f
	fd.discovery = &discoveryCache{issuer: f.Issuer, client: fd.client}
	fd.keys = &jwksCache{client: fd.client}
	return fd, nil
}

// isLoopback reports whether host is a loopback name or address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// initFederation sets up federated sign-in when Config.Federation is set.
func (s *Server) initFederation() error {
	if s.cfg.Federation == nil {
		return nil
	}
	fd, err := newFederator(*s.cfg.Federation, s.cfg)
	if err != nil {
		return err
	}
	s.fed = fd
	return nil
}

// fedOutcome is how a federated sign-in failed, which decides what the person sees.
type fedOutcome int

const (
	// fedConfig: the upstream is unreachable or misconfigured, or its answer is not to be
	// trusted. Error page "something is wrong with the OAuth configuration".
	fedConfig fedOutcome = iota
	// fedOrgNotFound: error page "organization `id` was not found".
	fedOrgNotFound
	// fedNotAuthorised: error page "not authorised".
	fedNotAuthorised
	// fedInvalidRequest: the callback does not belong to a sign-in started in this
	// browser (state missing, forged, expired or replayed): back to sign-in with
	// identity_exception=invalid_request.
	fedInvalidRequest
	// fedAccessDenied: the person cancelled at the upstream: identity_exception=access_denied.
	fedAccessDenied
	// fedServerError: local storage failed: identity_exception=server_error.
	fedServerError
)

// fedError is a failed federated sign-in: its outcome, the upstream organization for
// fedOrgNotFound, what the person can do about it when it is not the outcome's usual
// explanation, and the cause for the log.
type fedError struct {
	outcome fedOutcome
	org     string
	hint    string
	err     error
}

func (e *fedError) Error() string { return e.err.Error() }
func (e *fedError) Unwrap() error { return e.err }

func fedFail(outcome fedOutcome, format string, args ...any) *fedError {
	return &fedError{outcome: outcome, err: fmt.Errorf(format, args...)}
}

// asFedError classifies err; anything unclassified is an upstream configuration failure.
func asFedError(err error) *fedError {
	var fe *fedError
	if errors.As(err, &fe) {
		return fe
	}
	return &fedError{outcome: fedConfig, err: err}
}
