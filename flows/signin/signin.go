// Package signin is the built-in sign-in of the authorization server (package flows):
// email and password on a sign-in page, server-side sessions in an HttpOnly cookie, and a
// sign-out page, with CSRF protection, throttles against password guessing, and the
// administration calls a password reset or "log out everywhere" needs (SetPassword,
// EndSessions). With a federation configured it also signs people in through an upstream
// OpenID Connect provider (package federation).
//
// It plugs into a server as its Authenticator:
//
//	si, err := signin.New(signin.Config{Storage: st})
//	srv, err := flows.New(flows.Config{..., Authenticator: si})
//	http.ListenAndServe(addr, srv.Handler()) // serves /login, /old-login and /logout too
//
// An Authenticator serves one server: flows.New binds it (through Routes) and it takes
// the server's issuer, Hasher, clock and logger from there. An application with its own
// users and sessions does not need this package at all.
package signin

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/flows/internal/throttle"
	"github.com/oauthkit/oauthkit/internal/password"
	"github.com/oauthkit/oauthkit/store"
)

// Storage is what sign-in stores: the accounts people sign in as (and their passwords),
// and the sessions of signed-in browsers.
type Storage interface {
	store.Accounts
	store.AccountWriter
	store.Sessions
}

// Config configures the built-in sign-in. Storage is required; every other zero field
// means the documented default.
type Config struct {
	// Storage holds accounts and sessions.
	Storage Storage
	// Paths are where the sign-in pages are served (as flows.Paths: after any prefix a
	// router strips); zero fields take the defaults of [DefaultPaths].
	Paths Paths
	// SessionLifetime is how long a sign-in lasts. Default 12 hours.
	SessionLifetime time.Duration
	// Limits slow down password guessing.
	Limits Limits
	// RevokeTokensOnLogout makes signing out at Paths.Logout also revoke every token of the
	// account, in every app; by default sign-out ends only the browser session.
	RevokeTokensOnLogout bool
	// RevokeTokensOnPasswordReset makes [Authenticator.SetPassword] revoke every token of
	// the account, besides ending its sessions.
	RevokeTokensOnPasswordReset bool
	// Federation, when set, makes Paths.Login sign people in through an upstream OpenID
	// Connect provider; Paths.PasswordLogin keeps password sign-in for accounts never
	// migrated. Its SignedIn, SignInPage and DonePage are sign-in's own: leave them empty.
	// Its Storage defaults to Storage, when that holds account links and organizations too
	// (a complete backend does). Nil means password sign-in only.
	Federation *federation.Config
	// Templates overrides the sign-in pages. It must define the templates "login" and
	// "logout" (see templates/ for the data each receives; flows.PageLayout is the
	// built-in layout). Nil means the built-in pages.
	Templates *template.Template
}

// Paths are where the sign-in pages are served.
type Paths struct {
	// Login starts sign-in. Default "/login". Without federation it forwards to
	// PasswordLogin; with it, it goes to the upstream provider.
	Login string
	// PasswordLogin is the password sign-in page. Default "/old-login".
	PasswordLogin string
	// Logout ends the session. Default "/logout".
	Logout string
}

// DefaultPaths returns the default paths, those of the LiveChat-style sign-in.
func DefaultPaths() Paths {
	return Paths{Login: "/login", PasswordLogin: "/old-login", Logout: "/logout"}
}

// Limits slow down password guessing. A zero count means its default and flows.NoLimit
// turns the limit off; a zero duration means its default. Every count is per process.
type Limits struct {
	// Failures refuses password sign-in for one email from one address (Config.ClientAddr
	// of the server) after that many failures within FailureWindow, so that a guesser locks
	// out only itself. Default 10.
	Failures int
	// FailureWindow is the fixed window, starting at the first failure, within which
	// Failures counts. Default 5 minutes.
	FailureWindow time.Duration
	// AccountFailures slows password sign-in for one email once it has failed that many
	// times within AccountFailureWindow, from any address: guessing spread over many
	// addresses, which Failures does not stop. Until the window ends, that email's
	// password is then checked at most once per AccountSlowdown; other attempts are
	// answered at once, without a check, with identity_exception=too_many_attempts ("wait
	// a few seconds"). It slows and never locks: the first attempt after each delay gets a
	// real check, and a browser in which the account signed in with its password before (a
	// sealed device cookie) is not slowed at all, so an attacker can slow the account down
	// while the attack lasts but cannot lock its owner out. Default 20.
	AccountFailures int
	// AccountFailureWindow is the fixed window, starting at an email's first failure,
	// within which AccountFailures counts. Default 15 minutes.
	AccountFailureWindow time.Duration
	// AccountSlowdown is the delay between two password checks of an email that reached
	// AccountFailures. Default 10 seconds.
	AccountSlowdown time.Duration
}

// Defaults of Config.
const (
	defaultSessionLifetime      = 12 * time.Hour
	defaultFailures             = 10
	defaultFailureWindow        = 5 * time.Minute
	defaultAccountFailures      = 20
	defaultAccountFailureWindow = 15 * time.Minute
	defaultAccountSlowdown      = 10 * time.Second
)

// Authenticator is the built-in sign-in: a flows.Authenticator and flows.RouteProvider.
// Its methods are safe for concurrent use; they work once flows.New has bound it to its
// server.
type Authenticator struct {
	cfg       Config
	store     Storage
	pages     *template.Template
	logins    *throttle.Failures // failures per (email, address) and per device cookie
	accounts  *throttle.Failures // failures per email, from any address
	passwords *password.Limiter
	fed       *federation.Upstream // nil without Config.Federation

	bound atomic.Pointer[server] // set once by Routes
}

// server is the server a sign-in serves with, and what it takes of its configuration.
type server struct {
	*flows.Server
	cfg    flows.Config
	secure bool // the issuer is https: cookies are Secure and __Host- prefixed
}

// New validates cfg and returns the sign-in. Bad configuration fails here.
func New(cfg Config) (*Authenticator, error) {
	if cfg.Storage == nil {
		return nil, errors.New("signin: Config.Storage is required")
	}
	if pc, ok := cfg.Storage.(store.PartChecker); ok {
		if err := pc.Check(store.PartAccounts, store.PartAccountWriter, store.PartSessions); err != nil {
			return nil, fmt.Errorf("signin: Config.Storage: %w", err)
		}
	}
	lim := &cfg.Limits
	for _, n := range []int{lim.Failures, lim.AccountFailures} {
		if n < 0 && n != flows.NoLimit {
			return nil, errors.New("signin: a count of Config.Limits must be positive, zero (the default) or flows.NoLimit")
		}
	}
	if cfg.SessionLifetime < 0 || lim.FailureWindow < 0 || lim.AccountFailureWindow < 0 || lim.AccountSlowdown < 0 {
		return nil, errors.New("signin: the durations of Config must not be negative")
	}
	setDefault(&cfg.SessionLifetime, defaultSessionLifetime)
	setDefault(&lim.Failures, defaultFailures)
	setDefault(&lim.FailureWindow, defaultFailureWindow)
	setDefault(&lim.AccountFailures, defaultAccountFailures)
	setDefault(&lim.AccountFailureWindow, defaultAccountFailureWindow)
	setDefault(&lim.AccountSlowdown, defaultAccountSlowdown)
	d := DefaultPaths()
	setDefault(&cfg.Paths.Login, d.Login)
	setDefault(&cfg.Paths.PasswordLogin, d.PasswordLogin)
	setDefault(&cfg.Paths.Logout, d.Logout)
	for _, p := range []string{cfg.Paths.Login, cfg.Paths.PasswordLogin, cfg.Paths.Logout} {
		if !strings.HasPrefix(p, "/") {
			return nil, errors.New("signin: Config.Paths must be paths starting with /")
		}
	}
	pages := cfg.Templates
	if pages == nil {
		pages = defaultPages
	}
	for _, name := range []string{"login", "logout"} {
		if pages.Lookup(name) == nil {
			return nil, errors.New("signin: Config.Templates must define the template " + name)
		}
	}
	a := &Authenticator{
		cfg:       cfg,
		store:     cfg.Storage,
		pages:     pages,
		logins:    throttle.New(limit(lim.Failures), lim.FailureWindow, throttle.DefaultSize),
		accounts:  throttle.New(limit(lim.AccountFailures), lim.AccountFailureWindow, throttle.DefaultSize),
		passwords: password.Shared(),
	}
	if cfg.Federation != nil {
		f := *cfg.Federation
		if f.SignedIn != nil || f.SignInPage != "" || f.DonePage != "" {
			return nil, errors.New("signin: Config.Federation: leave SignedIn, SignInPage and DonePage empty; sign-in sets them")
		}
		if f.Storage == nil {
			fs, ok := cfg.Storage.(federation.Storage)
			if pc, isParts := cfg.Storage.(store.PartChecker); isParts && pc.Check(federation.StorageParts()...) != nil {
				ok = false
			}
			if !ok {
				return nil, errors.New("signin: Config.Federation.Storage is required (Config.Storage does not hold account links and organizations)")
			}
			f.Storage = fs
		}
		f.SignedIn = a.SignedIn
		f.SignInPage, f.DonePage = cfg.Paths.Login, cfg.Paths.PasswordLogin
		fed, err := federation.New(f)
		if err != nil {
			return nil, err
		}
		a.fed = fed
	}
	return a, nil
}

// Routes binds the sign-in to s, the server it serves with, and returns its pages:
// Paths.Login, Paths.PasswordLogin and Paths.Logout, and the federation's callback. flows.New
// calls it; a second server is refused.
func (a *Authenticator) Routes(s *flows.Server) ([]flows.Route, error) {
	cfg := s.Config()
	u, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if !a.bound.CompareAndSwap(nil, &server{Server: s, cfg: cfg, secure: u.Scheme == "https"}) && a.bound.Load().Server != s {
		return nil, errors.New("signin: this Authenticator already serves another server")
	}
	routes := []flows.Route{
		{Pattern: exact(a.cfg.Paths.Login), Handler: a.loginHandler()},
		{Pattern: exact(a.cfg.Paths.PasswordLogin), Handler: a.passwordLoginHandler()},
		{Pattern: exact(a.cfg.Paths.Logout), Handler: a.logoutHandler()},
	}
	if a.fed != nil {
		fr, err := a.fed.Routes(s)
		if err != nil {
			return nil, err
		}
		routes = append(routes, fr...)
	}
	return routes, nil
}

// errNotBound is the answer of an Authenticator that no server has taken yet.
var errNotBound = errors.New("signin: the Authenticator serves no server yet: give it to flows.New as Config.Authenticator")

// server returns the server the sign-in serves with.
func (a *Authenticator) server() (*server, error) {
	if b := a.bound.Load(); b != nil {
		return b, nil
	}
	return nil, errNotBound
}

// srv is server for the handlers, which exist only once bound.
func (a *Authenticator) srv() *server { return a.bound.Load() }

// exact turns a path into a ServeMux pattern that matches only that path.
func exact(path string) string {
	if strings.HasSuffix(path, "/") {
		return path + "{$}"
	}
	return path
}

// limit is a count of Limits as the throttle takes it: flows.NoLimit becomes 0 (off).
func limit(n int) int {
	if n == flows.NoLimit {
		return 0
	}
	return n
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
