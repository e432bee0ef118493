// Package federation signs people in through an upstream OpenID Connect provider, for the
// authorization server of package flows: the person is sent to the upstream (authorization
// code with PKCE S256, state and nonce), and its callback verifies the ID token against
// the upstream's JWKS, maps the upstream organization and roles to local ones, finds,
// links or creates the local account, and hands it to a hook that starts a session.
//
// With the built-in sign-in, give a [Config] to signin.Config.Federation: its sessions
// start, and its sign-in page offers "Sign in with ...". With the application's own
// sessions, build an [Upstream] and tell it how to start one:
//
//	up, err := federation.New(federation.Config{
//		Issuer: "https://idp.example", ClientID: "...", ClientSecret: "...",
//		Organizations: map[string]string{"idp-org": "org-1"}, SignInRoles: []string{"agent"},
//		Storage:    st,
//		SignInPage: "/signin", // the app's page, where a failed sign-in returns
//		SignedIn: func(w http.ResponseWriter, r *http.Request, acct store.Account) error {
//			return sessions.Start(w, r, acct.ID) // the app's own session
//		},
//	})
//
// and have the application's flows.Authenticator send people there (its SignIn calls
// up.Start) and serve the callback (its Routes returns up.Routes(s)).
//
// A local account is bound to one upstream identity, the ID token's (iss, sub), stored on
// the account (store.Account.UpstreamIssuer, UpstreamSubject) at its first federated
// sign-in and matched by from then on. That first sign-in creates the account, or links
// the account that already has the email as its login (a password account, or one linked
// by email before subjects were stored), whose password sign-in is disabled from then on.
// The email must be vouched for: email_verified true (see AllowMissingEmailVerified), and
// an account already bound to another upstream identity is never taken over: that sign-in
// is refused as not authorised. A bound person whose email changed upstream signs in to
// their account, whose login follows the new email when it is verified and no other
// account has it (otherwise the login is kept).
//
// Changing Issuer unbinds nobody: accounts bound to the old issuer's subjects are refused
// until their upstream identity is cleared (UpstreamIssuer and UpstreamSubject set empty
// with the store's PutAccount), after which their next sign-in links them by email.
//
// The upstream is discovered lazily (OpenID Connect Discovery 1.0), on the first sign-in
// and again after an hour, so the server starts while the upstream is down; a sign-in that
// meets an unreachable or misconfigured upstream gets the "OAuth configuration" error page,
// with the details only in the log.
package federation

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/store"
)

// Storage is what federated sign-in reads and writes: the accounts it finds by login or
// by upstream identity, creates and links, and the organizations they belong to.
type Storage interface {
	store.Accounts
	store.AccountWriter
	store.AccountLinks
	store.Organizations
}

// StorageParts are the parts of [Storage], for a [store.PartChecker] such as store.Parts:
// New refuses a composition that lacks one of them.
func StorageParts() []store.Part {
	return []store.Part{store.PartAccounts, store.PartAccountWriter, store.PartAccountLinks, store.PartOrganizations}
}

// Config configures federated sign-in. Issuer, ClientID, Organizations, a role, Storage,
// SignedIn and SignInPage are required (package signin sets the last two); every other
// zero field means the documented default.
type Config struct {
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
	// RedirectURL is the callback URL registered at the upstream. Default: the server's
	// issuer followed by CallbackPath.
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
	// local account an administrator (the server's Config.Policy.AdminRole). A person with none of them is "not
	// authorised". At least one role is required. The local account's roles are set on
	// every sign-in: the upstream sign-in roles it holds, plus the server's AdminRole for an
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
	// Default: a client with a 10-second timeout that connects to public addresses only,
	// since the URLs it fetches besides discovery are read from the upstream's discovery
	// document, which must not be able to point this server at its own network (a cloud
	// metadata service, an internal API). When Issuer's host is a loopback one (localhost,
	// 127.0.0.1, ::1), as for a provider run locally for development, it may connect to
	// any address. A client given here is used as it is, with no such restriction:
	// restrict it yourself if the upstream is not trusted with your network.
	HTTPClient *http.Client

	// Storage holds the accounts and organizations.
	Storage Storage
	// SignedIn starts the session of the person who signed in upstream as acct (a local
	// account, created or updated): "this upstream person signed in as this account;
	// start your session". An error is reported as a storage failure
	// (identity_exception=server_error). Package signin sets it.
	SignedIn func(w http.ResponseWriter, r *http.Request, acct store.Account) error
	// SignInPage is the sign-in page a failed sign-in the person can retry returns to, with
	// identity_exception (and return_to) in its query: the upstream cancelled, the callback
	// expired or was forged, storage failed. A path is one of the server's, as
	// flows.Paths (the issuer's path is put before it); an absolute URL is used as is.
	// Package signin sets it.
	SignInPage string
	// DonePage is where a sign-in that came with no return_to ends, as SignInPage. Default
	// SignInPage.
	DonePage string
	// CallbackPath is where the upstream sends the person back, as flows.Paths. Default
	// "/login/callback".
	CallbackPath string
	// StartPath, when set, is served too: it starts a sign-in, returning to the return_to
	// of its query afterwards (the target of a "Sign in with ..." link). Without it, sign-in
	// starts where the application calls [Upstream.Start].
	StartPath string
}

// Defaults of Config.
const (
	defaultOrganizationClaim = "org_id"
	defaultRolesClaim        = "roles"
	defaultEmailClaim        = "email"
	defaultCallbackPath      = "/login/callback"
	upstreamTimeout          = 10 * time.Second
)

// Upstream is federated sign-in through one upstream provider: a validated Config with its
// caches (the discovery document, the JWKS, the states already used). It serves one
// server, which flows.New binds to it through Routes (directly, or through the
// Authenticator that serves its routes); its methods are safe for concurrent use.
type Upstream struct {
	cfg    Config // normalized copy
	client *http.Client
	signIn map[string]bool
	admin  map[string]bool

	discovery *discoveryCache
	keys      *jose.JWKSCache // its URL set from each discovery document
	used      *usedStates
	bound     atomic.Pointer[server] // set once by Routes
}

// server is the server an Upstream serves with, and what it takes of its configuration.
type server struct {
	*flows.Server
	cfg      flows.Config
	secure   bool   // the issuer is https: cookies are Secure and __Host- prefixed
	redirect string // Config.RedirectURL, or its default
}

// New validates cfg and returns its Upstream. Bad configuration fails here.
func New(f Config) (*Upstream, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("federation: Config: "+format, args...)
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
	if f.Storage == nil {
		return nil, bad("Storage is required")
	}
	if pc, ok := f.Storage.(store.PartChecker); ok {
		if err := pc.Check(StorageParts()...); err != nil {
			return nil, bad("Storage: %v", err)
		}
	}
	if f.SignedIn == nil {
		return nil, bad("SignedIn is required: it starts the session of whoever signed in")
	}
	if f.SignInPage == "" {
		return nil, bad("SignInPage is required: it is where a failed sign-in returns")
	}
	setDefault(&f.Name, iss.Host)
	setDefault(&f.OrganizationClaim, defaultOrganizationClaim)
	setDefault(&f.RolesClaim, defaultRolesClaim)
	setDefault(&f.EmailClaim, defaultEmailClaim)
	setDefault(&f.CallbackPath, defaultCallbackPath)
	setDefault(&f.DonePage, f.SignInPage)
	for _, p := range []string{f.CallbackPath, f.StartPath} {
		if p != "" && !strings.HasPrefix(p, "/") {
			return nil, bad("CallbackPath and StartPath must be paths starting with /")
		}
	}
	if f.RedirectURL != "" {
		if u, err := url.Parse(f.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
			return nil, bad("RedirectURL must be an absolute http(s) URL without fragment")
		}
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
	u := &Upstream{
		client: f.HTTPClient,
		signIn: make(map[string]bool),
		admin:  make(map[string]bool),
		used:   newUsedStates(maxUsedStates),
	}
	for _, r := range f.SignInRoles {
		if r == "" {
			return nil, bad("SignInRoles has an empty role")
		}
		u.signIn[r] = true
	}
	for _, r := range f.AdminRoles {
		if r == "" {
			return nil, bad("AdminRoles has an empty role")
		}
		u.admin[r] = true
	}
	f.SignInRoles, f.AdminRoles = slices.Clone(f.SignInRoles), slices.Clone(f.AdminRoles)
	if u.client == nil {
		u.client = defaultClient(iss)
	}
	u.cfg = f
	u.discovery = &discoveryCache{issuer: f.Issuer, client: u.client}
	u.keys = jose.NewJWKSCache("", jose.JWKSOptions{
		Client: u.client, Timeout: upstreamTimeout, MaxAge: jwksMaxAge, MinRefetch: jwksMinRefetch, Now: u.now,
	})
	return u, nil
}

// Name is the upstream's name, for a "Sign in with Name" link.
func (u *Upstream) Name() string { return u.cfg.Name }

// Routes binds the Upstream to s, the server it serves with (whose issuer, Hasher, clock,
// logger, administrator role and error page it uses), and returns its routes: the callback
// at CallbackPath, and StartPath when set. flows.New calls it, through the Authenticator;
// a second server is refused.
func (u *Upstream) Routes(s *flows.Server) ([]flows.Route, error) {
	cfg := s.Config()
	iss, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	redirect := u.cfg.RedirectURL
	if redirect == "" {
		redirect = strings.TrimSuffix(cfg.Issuer, "/") + u.cfg.CallbackPath
	}
	b := &server{Server: s, cfg: cfg, secure: iss.Scheme == "https", redirect: redirect}
	if !u.bound.CompareAndSwap(nil, b) && u.bound.Load().Server != s {
		return nil, errors.New("federation: this Upstream already serves another server")
	}
	routes := []flows.Route{{Pattern: u.cfg.CallbackPath, Handler: u.callbackHandler()}}
	if u.cfg.StartPath != "" {
		routes = append(routes, flows.Route{Pattern: u.cfg.StartPath, Handler: u.startHandler()})
	}
	return routes, nil
}

// errNotBound is the failure of an Upstream that no server has bound.
var errNotBound = errors.New("federation: the Upstream serves no server: flows.New binds it through the Routes of the Authenticator")

// page is where the browser reaches p, a path of the server (see Config.SignInPage) or an
// absolute URL.
func (b *server) page(p string) string {
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") {
		return b.Link(p)
	}
	return p
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
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
