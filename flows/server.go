// Package flows is the authorization server: http.Handlers for the authorization endpoint,
// the token endpoint with one handler per grant type, password sign-in, consent and the
// error page, over any [store.Storage].
//
// A Server is built once from a [Config]; its parts are ordinary http.Handlers that can be
// mounted alone at any path, and [Server.Mount] registers them all at the default paths of
// the seed (SPEC.md "Endpoints").
package flows

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/internal/password"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Config configures a [Server]. Storage, Issuer, HashKey and Scopes are required; every other
// zero field means the documented default.
type Config struct {
	// Issuer is the server's issuer identifier (RFC 8414): an absolute http or https URL
	// without query or fragment. It is sent as iss in authorization responses (RFC 9207),
	// and an https issuer makes cookies Secure.
	Issuer string
	// Storage holds clients, accounts, codes, tokens, grants and sessions.
	Storage store.Storage
	// HashKey keys the HMAC-SHA256 under which codes, tokens, client secrets and session ids
	// are stored and looked up (at least 32 bytes). Keep it out of the database: without
	// it, a stolen database yields no usable credential. Changing it invalidates every
	// stored secret.
	HashKey []byte
	// Scopes is the scope catalog: descriptions for consent, administrator-only scopes,
	// implication rules.
	Scopes *scopes.Catalog

	// Authenticator identifies the signed-in account. Nil means the built-in password
	// sign-in with server-side sessions (Sessions, login and logout handlers).
	Authenticator Authenticator
	// Paths are where the handlers are mounted; zero fields take the defaults of
	// [DefaultPaths].
	Paths Paths
	// Templates overrides the HTML pages. It must define the templates "login", "consent",
	// "error" and "logout" (see templates/ for the data each receives). Nil means the
	// built-in pages.
	Templates *template.Template

	// CodeLifetime is how long an authorization code is valid. Default 5 minutes.
	CodeLifetime time.Duration
	// AccessTokenLifetime is how long an access token is valid. Default 8 hours (28800 s).
	AccessTokenLifetime time.Duration
	// RefreshTokenLifetime is how long a refresh token is valid. Default 30 days.
	RefreshTokenLifetime time.Duration
	// SessionLifetime is how long a sign-in lasts. Default 12 hours.
	SessionLifetime time.Duration
	// PersonalTokenLifetime is how long a personal access token is valid. Default 365 days.
	PersonalTokenLifetime time.Duration
	// CustomerTokenLifetime is how long a customer access token is valid. Default 8 hours.
	CustomerTokenLifetime time.Duration
	// TokenPrefix starts every token and code, like the seed's "dal:" region prefix, so
	// that leaked tokens are recognisable. Default "oak:".
	TokenPrefix string
	// JWT, when set, makes access tokens RFC 9068 JWTs signed with its key and published at
	// Paths.JWKS (R-JWT). Nil means opaque access tokens.
	JWT *JWTAccessTokens
	// TokenLimit caps live access tokens and live refresh tokens per (client, account), and
	// live customer tokens per (client, customer); issuing one more revokes the oldest
	// (R-TOKEN-7). Zero means 25; negative means no limit.
	TokenLimit int
	// RequireS256 refuses PKCE method "plain" for every client (R-AUTHZ-4).
	RequireS256 bool
	// CustomerScope is the scope an access token needs at the customer endpoint (R-CUST-1).
	// Default "customers:own".
	CustomerScope string
	// ClientCredentials enables the client_credentials grant (R-TOKEN-6) in the token
	// endpoint that Mount registers. Off by default, as in the seed.
	ClientCredentials bool
	// ErrorPageMode sends every authorization error to the error page, never back to the
	// client (the seed's behaviour, R-ERR-2).
	ErrorPageMode bool
	// SignInRoles, when set, are the roles that may sign in: an account holding none of them
	// is refused with identity_exception=access_denied after its password checks out
	// (R-ERR-3). Nil lets every account sign in.
	SignInRoles []string
	// AdminRole is the role that may hold administrator-only scopes. Default
	// "administrator".
	AdminRole string
	// PersonalTokenClients are the first-party clients (the application's own console app)
	// whose access tokens may use the personal access token API, provided the token also
	// carries [PersonalTokensScope]; the scope catalog must then declare that scope. No
	// other client may request the scope (invalid_scope). Nil means the API is used only by
	// the person in a signed-in browser session. Clients' access tokens never create
	// personal access tokens otherwise.
	PersonalTokenClients []string
	// RedirectLimit is how many authorization requests one client may send one person
	// within RedirectWindow before the error page answers too_many_redirects (R-AUTHZ-10).
	// Zero means 3; negative disables the limit. RedirectWindow defaults to 30 seconds. The
	// count is per process.
	RedirectLimit int
	// RedirectWindow is the sliding window over which RedirectLimit counts requests.
	// Default 30 seconds.
	RedirectWindow time.Duration
	// ClientAuthMaxFailures and ClientAuthFailureWindow refuse a client's authentication
	// with 429 after that many failures within the window (R-SEC-3), and likewise password
	// sign-in for one email. Failures are counted per identity and remote address, so a
	// guesser locks out only itself. Defaults: 10 per 5 minutes. The count is per process.
	ClientAuthMaxFailures int
	// ClientAuthFailureWindow is the fixed window, starting at an identity's first failure,
	// within which failures are counted; a locked-out identity waits until it ends (a client
	// is told so in Retry-After). Default 5 minutes.
	ClientAuthFailureWindow time.Duration
	// LoginAccountMaxFailures slows password sign-in for one email once it has failed that
	// many times within LoginAccountFailureWindow, from any address: guessing spread over
	// many addresses, which the per-address count above does not stop. Until the window
	// ends, that email's password is then checked at most once per LoginAccountSlowdown;
	// other attempts are answered at once, without a check, with
	// identity_exception=too_many_attempts ("wait a few seconds"). It slows and never
	// locks: the first attempt after each delay gets a real check, and a browser in which
	// the account signed in with its password before (a sealed device cookie) is not
	// slowed at all, so an attacker can slow the account down while the attack lasts but
	// cannot lock its owner out. Zero means 20; negative disables it. The count is per
	// process.
	LoginAccountMaxFailures int
	// LoginAccountFailureWindow is the fixed window, starting at an email's first failure,
	// within which LoginAccountMaxFailures counts. Default 15 minutes.
	LoginAccountFailureWindow time.Duration
	// LoginAccountSlowdown is the delay between two password checks of an email that
	// reached LoginAccountMaxFailures. Default 10 seconds.
	LoginAccountSlowdown time.Duration

	// Federated sign-in and session administration (issue 6; federation.go,
	// sessions_admin.go).

	// Federation, when set, makes /login sign people in through an upstream OpenID Connect
	// provider (R-LOGIN-2); /old-login keeps password sign-in for accounts never migrated.
	// Nil means password sign-in only.
	Federation *Federation
	// RevokeTokensOnLogout makes signing out at Paths.Logout also revoke every token of the
	// account (R-LOGIN-4), in every app; by default sign-out ends only the browser session.
	RevokeTokensOnLogout bool
	// RevokeTokensOnPasswordReset makes [Server.SetPassword] revoke every token of the
	// account, besides ending its sessions (R-LOGIN-4).
	RevokeTokensOnPasswordReset bool
	// InfoOmitsRefreshToken removes the refresh_token field from the info endpoint's answer
	// entirely. By default the field is shown, for an access token issued by the
	// refresh_token grant, only when the token's client is confidential (its refresh token
	// is useless without the client's secret); it is never shown for a public client.
	InfoOmitsRefreshToken bool
	// RefreshTokenMaxLifetime bounds the life of a grant: no refresh token descending from
	// one authorization code expires later than the code's redemption plus this duration,
	// however often it rotates, and a refresh after that is invalid_grant (the person signs
	// in again). It must not be negative. Default 90 days.
	RefreshTokenMaxLifetime time.Duration

	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives internal errors and security events. Default slog.Default().
	Logger *slog.Logger
}

// Paths are the URL paths of the server's pages and endpoints.
type Paths struct {
	// Authorize is the authorization endpoint. Default "/" (Mount also serves "/authorize").
	Authorize string
	// Token is the token endpoint. Default "/v2/token" (Mount also serves "/token").
	Token string
	// Login starts sign-in. Default "/login".
	Login string
	// LoginCallback is where the upstream provider of federated sign-in sends the person
	// back. Default "/login/callback". Mount registers it only with Config.Federation.
	LoginCallback string
	// PasswordLogin is the password sign-in page. Default "/old-login".
	PasswordLogin string
	// Logout ends the session. Default "/logout".
	Logout string
	// ErrorPage explains authorization errors to a person. Default "/ooops".
	ErrorPage string
	// Revoke is the RFC 7009 revocation endpoint. Default "/revoke".
	Revoke string
	// Introspect is the RFC 7662 introspection endpoint. Default "/introspect".
	Introspect string
	// Info is the seed's token info endpoint. Default "/v2/info" (Mount also serves "/info").
	Info string
	// PersonalTokens is the personal access token API. Default "/v2/personal_access_tokens".
	PersonalTokens string
	// Customer creates customers and their tokens. Default "/customer/".
	Customer string
	// Metadata is the RFC 8414 metadata document. Default
	// "/.well-known/oauth-authorization-server".
	Metadata string
	// JWKS publishes the keys of JWT access tokens. Default "/.well-known/jwks.json";
	// Mount registers it only with Config.JWT.
	JWKS string
}

// DefaultPaths are the seed's paths.
var DefaultPaths = Paths{
	Authorize:      "/",
	Token:          "/v2/token",
	Login:          "/login",
	LoginCallback:  "/login/callback",
	PasswordLogin:  "/old-login",
	Logout:         "/logout",
	ErrorPage:      "/ooops",
	Revoke:         "/revoke",
	Introspect:     "/introspect",
	Info:           "/v2/info",
	PersonalTokens: "/v2/personal_access_tokens",
	Customer:       "/customer/",
	Metadata:       "/.well-known/oauth-authorization-server",
	JWKS:           "/.well-known/jwks.json",
}

// Server is an OAuth 2.1 authorization server. Its methods return http.Handlers; it is safe
// for concurrent use.
type Server struct {
	cfg       Config
	store     store.Storage
	hasher    *credentials.Hasher
	catalog   *scopes.Catalog
	auth      Authenticator
	pages     *template.Template
	log       *slog.Logger
	now       func() time.Time
	secure    bool // issuer is https: Secure cookies
	limiter   *failureLimiter
	logins    *failureLimiter
	accounts  *failureLimiter // password failures per email, from any address
	passwords *password.Limiter
	redirects *redirectLimiter
	cop       *http.CrossOriginProtection
	keys      *jose.KeySet // JWT access tokens; nil for opaque ones
	audience  []string
	fed       *federator // federated sign-in; nil without Config.Federation
}

// New validates cfg and returns a Server. Bad configuration fails here, not per request.
func New(cfg Config) (*Server, error) {
	if cfg.Storage == nil {
		return nil, errors.New("flows: Config.Storage is required")
	}
	if cfg.Scopes == nil {
		return nil, errors.New("flows: Config.Scopes is required")
	}
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || (iss.Scheme != "https" && iss.Scheme != "http") || iss.Host == "" ||
		iss.RawQuery != "" || iss.Fragment != "" || iss.User != nil || iss.ForceQuery {
		return nil, errors.New("flows: Config.Issuer must be an absolute http(s) URL without query, fragment or userinfo")
	}
	hasher, err := credentials.NewHasher(cfg.HashKey)
	if err != nil {
		return nil, err
	}
	setDefault(&cfg.CodeLifetime, 5*time.Minute)
	setDefault(&cfg.AccessTokenLifetime, 8*time.Hour)
	setDefault(&cfg.RefreshTokenLifetime, 30*24*time.Hour)
	setDefault(&cfg.SessionLifetime, 12*time.Hour)
	setDefault(&cfg.PersonalTokenLifetime, 365*24*time.Hour)
	setDefault(&cfg.CustomerTokenLifetime, 8*time.Hour)
	setDefault(&cfg.ClientAuthFailureWindow, 5*time.Minute)
	setDefault(&cfg.LoginAccountMaxFailures, defaultLoginAccountMaxFailures)
	setDefault(&cfg.LoginAccountFailureWindow, defaultLoginAccountFailureWindow)
	setDefault(&cfg.LoginAccountSlowdown, defaultLoginAccountSlowdown)
	setDefault(&cfg.TokenPrefix, "oak:")
	setDefault(&cfg.AdminRole, "administrator")
	cfg.PersonalTokenClients = slices.Clone(cfg.PersonalTokenClients)
	if _, ok := cfg.Scopes.Lookup(PersonalTokensScope); len(cfg.PersonalTokenClients) > 0 && !ok {
		return nil, errors.New("flows: Config.PersonalTokenClients is set, so Config.Scopes must declare the scope " + PersonalTokensScope)
	}
	setDefault(&cfg.CustomerScope, "customers:own")
	setDefault(&cfg.ClientAuthMaxFailures, 10)
	setDefault(&cfg.TokenLimit, 25)
	setDefault(&cfg.RedirectLimit, 3)
	setDefault(&cfg.RedirectWindow, 30*time.Second)
	if cfg.RefreshTokenMaxLifetime < 0 {
		return nil, errors.New("flows: Config.RefreshTokenMaxLifetime must not be negative")
	}
	setDefault(&cfg.RefreshTokenMaxLifetime, 90*24*time.Hour)
	setDefault(&cfg.Paths.Authorize, DefaultPaths.Authorize)
	setDefault(&cfg.Paths.Token, DefaultPaths.Token)
	setDefault(&cfg.Paths.Login, DefaultPaths.Login)
	setDefault(&cfg.Paths.LoginCallback, DefaultPaths.LoginCallback)
	setDefault(&cfg.Paths.PasswordLogin, DefaultPaths.PasswordLogin)
	setDefault(&cfg.Paths.Logout, DefaultPaths.Logout)
	setDefault(&cfg.Paths.ErrorPage, DefaultPaths.ErrorPage)
	setDefault(&cfg.Paths.Revoke, DefaultPaths.Revoke)
	setDefault(&cfg.Paths.Introspect, DefaultPaths.Introspect)
	setDefault(&cfg.Paths.Info, DefaultPaths.Info)
	setDefault(&cfg.Paths.PersonalTokens, DefaultPaths.PersonalTokens)
	setDefault(&cfg.Paths.Customer, DefaultPaths.Customer)
	setDefault(&cfg.Paths.Metadata, DefaultPaths.Metadata)
	setDefault(&cfg.Paths.JWKS, DefaultPaths.JWKS)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pages := cfg.Templates
	if pages == nil {
		pages = defaultPages
	}
	for _, name := range []string{"login", "consent", "error", "logout"} {
		if pages.Lookup(name) == nil {
			return nil, errors.New("flows: Config.Templates must define the template " + name)
		}
	}
	s := &Server{
		cfg:       cfg,
		store:     cfg.Storage,
		hasher:    hasher,
		catalog:   cfg.Scopes,
		pages:     pages,
		log:       cfg.Logger,
		now:       cfg.Now,
		secure:    iss.Scheme == "https",
		limiter:   newFailureLimiter(cfg.ClientAuthMaxFailures, cfg.ClientAuthFailureWindow, failureLimiterSize),
		logins:    newFailureLimiter(cfg.ClientAuthMaxFailures, cfg.ClientAuthFailureWindow, failureLimiterSize),
		accounts:  newFailureLimiter(cfg.LoginAccountMaxFailures, cfg.LoginAccountFailureWindow, failureLimiterSize),
		passwords: password.Shared(),
		cop:       http.NewCrossOriginProtection(),
		redirects: newRedirectLimiter(cfg.RedirectLimit, cfg.RedirectWindow),
	}
	s.auth = cfg.Authenticator
	if s.auth == nil {
		s.auth = &sessionAuthenticator{s: s}
	}
	if cfg.JWT != nil {
		if s.keys, err = newKeySet(cfg.JWT, cfg.Now()); err != nil {
			return nil, err
		}
		s.audience = cfg.JWT.Audience
		if len(s.audience) == 0 {
			s.audience = []string{cfg.Issuer}
		}
	}
	if err := s.initFederation(); err != nil {
		return nil, err
	}
	return s, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Mount registers every handler of the server on mux at the configured paths, plus the
// seed's aliases when the paths are the defaults: the authorization endpoint also at
// "/authorize", the token endpoint also at "/token", the info endpoint also at "/info". The
// token endpoint accepts authorization_code and refresh_token, and client_credentials when
// Config.ClientCredentials is set; DELETE on it revokes (DeleteTokenHandler), and any other
// method is 405 with "Allow: DELETE, POST".
func (s *Server) Mount(mux *http.ServeMux) {
	p := s.cfg.Paths
	grants := []Grant{s.AuthorizationCodeGrant(), s.RefreshTokenGrant()}
	if s.cfg.ClientCredentials {
		grants = append(grants, s.ClientCredentialsGrant())
	}
	authorize, info := s.AuthorizeHandler(), s.InfoHandler()
	token := s.tokenMethods(s.TokenHandler(grants...), s.DeleteTokenHandler())
	paths := map[string]http.Handler{
		exact(p.Authorize):     authorize,
		exact(p.Token):         token,
		exact(p.Login):         s.LoginHandler(),
		exact(p.PasswordLogin): s.PasswordLoginHandler(),
		exact(p.Logout):        s.LogoutHandler(),
		exact(p.ErrorPage):     s.ErrorPageHandler(),
		exact(p.Revoke):        s.RevokeHandler(),
		exact(p.Introspect):    s.IntrospectHandler(),
		exact(p.Info):          info,
		exact(p.Customer):      s.CustomerHandler(),
		exact(p.Metadata):      s.MetadataHandler(),
	}
	pats := s.PersonalTokensHandler()
	paths[strings.TrimSuffix(p.PersonalTokens, "/")] = pats
	paths[strings.TrimSuffix(p.PersonalTokens, "/")+"/"] = pats
	if p.Authorize == DefaultPaths.Authorize {
		paths["/authorize"] = authorize
	}
	if p.Token == DefaultPaths.Token {
		paths["/token"] = token
	}
	if c := strings.TrimSuffix(p.Customer, "/"); c != p.Customer && c != "" {
		paths[c] = paths[exact(p.Customer)]
	}
	if p.Info == DefaultPaths.Info {
		paths["/info"] = info
	}
	if s.keys != nil {
		paths[exact(p.JWKS)] = s.JWKSHandler()
	}
	if s.fed != nil {
		paths[exact(p.LoginCallback)] = s.LoginCallbackHandler()
	}
	for pattern, h := range paths {
		mux.Handle(pattern, h)
	}
}

// tokenMethods serves the token endpoint's path: POST to token, DELETE to del (the seed's
// revocation), and any other method 405 with Allow naming both.
func (s *Server) tokenMethods(token, del http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			token.ServeHTTP(w, r)
		case http.MethodDelete:
			del.ServeHTTP(w, r)
		default:
			s.writeJSONError(w, r, jsonMethodNotAllowed(w, "DELETE, POST", "token endpoint"))
		}
	})
}

// exact turns a path into a ServeMux pattern that matches only that path: "/" would match
// everything.
func exact(path string) string {
	if len(path) > 0 && path[len(path)-1] == '/' {
		return path + "{$}"
	}
	return path
}
