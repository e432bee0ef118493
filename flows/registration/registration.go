package registration

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/internal/throttle"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Storage is what registration reads and writes: the clients it registers, and their
// tokens, which deleting a registration revokes.
type Storage interface {
	store.Clients
	store.ClientWriter
	store.TokenAdmin
}

// StorageParts are the parts of [Storage], for a [store.PartChecker] such as store.Parts:
// New refuses a composition that lacks one of them.
func StorageParts() []store.Part {
	return []store.Part{store.PartClients, store.PartClientWriter, store.PartTokenAdmin}
}

// NoExpiry, as Config.UnusedClientLifetime, keeps registered clients however long they go
// unused.
const NoExpiry time.Duration = -1

// Config configures dynamic client registration. Storage and Access are required; every
// other zero field means the documented default.
type Config struct {
	// Storage holds the registered clients (a complete backend, or store.Parts).
	Storage Storage
	// Access decides who may register: [Open], [InitialAccessTokens] or [AllowFunc].
	Access Access
	// Check, when set, is shown every registration and update that passed this server's
	// rules, before anything is stored, and decides whether it may be made: nil lets it,
	// an error refuses it. Return an error made with [InvalidClientMetadata],
	// [InvalidRedirectURI], [InvalidSoftwareStatement], [UnapprovedSoftwareStatement] or
	// [Forbidden] (or any *flows.Error) to refuse with that answer; any other error is a
	// server_error, logged and never shown. Verify a software statement here: without
	// Check, software_statement is ignored.
	Check func(req *Request) error
	// Scopes are the scopes a registered client may hold. Nil means every scope of the
	// server's catalog except the administrator-only ones and flows.PersonalTokensScope,
	// which no registered client may hold. A registration that asks for scopes gets those
	// of them that this allows (RFC 7591 §2 lets the server replace what was asked; the
	// response says what was registered); one that asks only for scopes outside it is
	// refused with invalid_client_metadata.
	Scopes []string
	// DefaultScopes are registered for a client that asks for none. Nil means Scopes.
	DefaultScopes []string
	// GrantTypes are the grant types a registered client may use. Default
	// authorization_code and refresh_token. The server's authorization code grant always
	// issues a refresh token, so authorization_code needs refresh_token here; and
	// client_credentials needs flows.Config.Policy.ClientCredentials. While that policy is
	// on, every confidential client may use client_credentials, so confidential clients
	// register only when GrantTypes holds it (their grant_types then list it); otherwise
	// only public clients (token_endpoint_auth_method none) may register.
	GrantTypes []string
	// AuthMethods are the token endpoint authentication methods a registered client may
	// use: "none" (public clients: PKCE, rotating refresh tokens), "client_secret_basic"
	// (the RFC 7591 default when a registration names none) and "client_secret_post".
	// Default all three.
	AuthMethods []string
	// UnusedClientLifetime is how long a registered client may go unused before the
	// storage's housekeeping (store.ExpiredDeleter) removes it: it counts from its
	// registration, its last update and the expiry of its last code or token. Default 30
	// days; [NoExpiry] keeps clients until they are deleted.
	UnusedClientLifetime time.Duration
	// Limits bound what one address may register and how large a registration may be.
	Limits Limits
}

// Limits bound registrations. A zero count means its default and flows.NoLimit turns the
// rate limit off; a zero duration means its default.
type Limits struct {
	// Registrations is how many registration requests (successful or not) one address
	// (flows.Config.ClientAddr) may make within Window; more are refused with 429 and
	// Retry-After. Per process. Default 20.
	Registrations int
	// Window is the fixed window, from an address's first request, over which
	// Registrations counts. Default 1 hour.
	Window time.Duration
	// BodyBytes bounds a registration or update body. Default 16 KiB.
	BodyBytes int
	// RedirectURIs bounds the redirect URIs of one client. Default 10.
	RedirectURIs int
}

// Defaults of Config.
const (
	defaultUnusedLifetime = 30 * 24 * time.Hour
	defaultRegistrations  = 20
	defaultWindow         = time.Hour
	defaultBodyBytes      = 16 << 10
	defaultRedirectURIs   = 10
	maxBodyBytes          = 1 << 20
)

// Request is a registration or an update that this server's rules accept, shown to
// Config.Check.
type Request struct {
	// HTTP is the request: its address, its headers (the initial access token, a trusted
	// proxy's), its context. Its body has been read.
	HTTP *http.Request
	// ClientID is the client's ID: a new one for a registration, the client's for an
	// update.
	ClientID string
	// Update is true for an update of an existing registration (RFC 7592 §2.2).
	Update bool
	// Metadata is what would be registered.
	Metadata Metadata
	// SoftwareStatement is software_statement as sent (RFC 7591 §2.3): a JWT that Check
	// may verify, "" when none was sent. It is never stored.
	SoftwareStatement string
}

// Registrar is dynamic client registration for one server: give it to flows.New as
// Config.Registration, which serves it at Paths.Registration. Its handlers are safe for
// concurrent use.
type Registrar struct {
	cfg   Config
	bound atomic.Pointer[flows.Server]
}

// New validates cfg and returns the Registrar. What depends on the server (the scope
// catalog, its policy) is checked when flows.New binds it; bad configuration fails there.
func New(cfg Config) (*Registrar, error) {
	if cfg.Storage == nil {
		return nil, errors.New("registration: Config.Storage is required")
	}
	if pc, ok := cfg.Storage.(store.PartChecker); ok {
		if err := pc.Check(StorageParts()...); err != nil {
			return nil, fmt.Errorf("registration: Config.Storage: %w", err)
		}
	}
	if !cfg.Access.valid() {
		return nil, errors.New("registration: Config.Access is required (Open, InitialAccessTokens or AllowFunc)")
	}
	lim := &cfg.Limits
	if n := lim.Registrations; n < 0 && n != flows.NoLimit {
		return nil, errors.New("registration: Config.Limits.Registrations must be positive, zero (the default) or flows.NoLimit")
	}
	if lim.Window < 0 || lim.BodyBytes < 0 || lim.RedirectURIs < 0 || (cfg.UnusedClientLifetime < 0 && cfg.UnusedClientLifetime != NoExpiry) {
		return nil, errors.New("registration: the sizes and durations of Config must not be negative")
	}
	if lim.BodyBytes > maxBodyBytes {
		return nil, fmt.Errorf("registration: Config.Limits.BodyBytes must be at most %d", maxBodyBytes)
	}
	setDefault(&lim.Registrations, defaultRegistrations)
	setDefault(&lim.Window, defaultWindow)
	setDefault(&lim.BodyBytes, defaultBodyBytes)
	setDefault(&lim.RedirectURIs, defaultRedirectURIs)
	setDefault(&cfg.UnusedClientLifetime, defaultUnusedLifetime)
	if cfg.UnusedClientLifetime == NoExpiry {
		cfg.UnusedClientLifetime = 0
	}
	if cfg.GrantTypes == nil {
		cfg.GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}
	}
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = []string{AuthNone, AuthClientSecretBasic, AuthClientSecretPost}
	}
	for _, g := range cfg.GrantTypes {
		if g != GrantAuthorizationCode && g != GrantRefreshToken && g != GrantClientCredentials {
			return nil, fmt.Errorf("registration: Config.GrantTypes: %q is not a grant type a registered client may use", g)
		}
	}
	if slices.Contains(cfg.GrantTypes, GrantAuthorizationCode) != slices.Contains(cfg.GrantTypes, GrantRefreshToken) {
		return nil, errors.New("registration: Config.GrantTypes must hold both authorization_code and refresh_token, or neither: the server's code grant always issues a refresh token")
	}
	if len(cfg.GrantTypes) == 0 {
		return nil, errors.New("registration: Config.GrantTypes is empty")
	}
	for _, m := range cfg.AuthMethods {
		if m != AuthNone && m != AuthClientSecretBasic && m != AuthClientSecretPost {
			return nil, fmt.Errorf("registration: Config.AuthMethods: %q is not supported", m)
		}
	}
	if len(cfg.AuthMethods) == 0 {
		return nil, errors.New("registration: Config.AuthMethods is empty")
	}
	cfg.Scopes, cfg.DefaultScopes = slices.Clone(cfg.Scopes), slices.Clone(cfg.DefaultScopes)
	cfg.GrantTypes, cfg.AuthMethods = slices.Clone(cfg.GrantTypes), slices.Clone(cfg.AuthMethods)
	return &Registrar{cfg: cfg}, nil
}

// server is what a Registrar serves with: the flows server it is bound to and what it
// takes of its configuration.
type server struct {
	reg      *Registrar
	srv      *flows.Server
	cfg      flows.Config
	store    Storage
	hasher   *credentials.Hasher
	policy   policy
	path     string // Paths.Registration, without a trailing slash
	endpoint string // its absolute URL
	now      func() time.Time
	addr     func(*http.Request) netip.Addr
	log      *slog.Logger

	registrations *throttle.Failures // registration requests per address
	failures      *throttle.Failures // wrong registration access tokens per (client, address)
}

// Routes implements flows.RouteProvider: flows.New calls it once, with the server being
// built, and serves Paths.Registration (registration, POST) and Paths.Registration +
// "/{client_id}" (the client configuration endpoint: GET, PUT, DELETE). It fails when the
// configuration does not fit the server, or the Registrar already serves another server
// (one whose flows.New got that far: build a new Registrar to retry after a failed New).
func (reg *Registrar) Routes(s *flows.Server) ([]flows.Route, error) {
	cfg := s.Config()
	path := strings.TrimSuffix(cfg.Paths.Registration, "/")
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New("registration: flows.Config.Paths.Registration must be a path below /, such as /register")
	}
	p, err := reg.newPolicy(cfg)
	if err != nil {
		return nil, err
	}
	if !reg.bound.CompareAndSwap(nil, s) && reg.bound.Load() != s {
		return nil, errors.New("registration: this Registrar already serves another server")
	}
	lim := cfg.Limits
	registrations := reg.cfg.Limits.Registrations
	if registrations == flows.NoLimit {
		registrations = 0
	}
	failures := lim.ClientAuthFailures
	if failures == flows.NoLimit {
		failures = 0
	}
	sv := &server{
		reg: reg, srv: s, cfg: cfg, store: reg.cfg.Storage, hasher: cfg.Hasher, policy: p,
		path: path, endpoint: strings.TrimSuffix(cfg.Issuer, "/") + path,
		now: cfg.Now, addr: cfg.ClientAddr, log: cfg.Logger,
		registrations: throttle.New(registrations, reg.cfg.Limits.Window, throttle.DefaultSize),
		failures:      throttle.New(failures, lim.ClientAuthFailureWindow, throttle.DefaultSize),
	}
	return []flows.Route{
		{Pattern: path, Handler: http.HandlerFunc(sv.serveRegister)},
		{Pattern: path + "/{client_id}", Handler: http.HandlerFunc(sv.serveClient)},
	}, nil
}

// newPolicy checks the allowances of the configuration against the server's and returns
// them resolved.
func (reg *Registrar) newPolicy(cfg flows.Config) (policy, error) {
	c := reg.cfg
	cat := cfg.Scopes
	var allowed []string
	if c.Scopes == nil {
		for _, sc := range cat.Scopes() {
			if !sc.AdminOnly && sc.Name != flows.PersonalTokensScope {
				allowed = append(allowed, sc.Name)
			}
		}
	} else {
		for _, name := range c.Scopes {
			sc, ok := cat.Lookup(name)
			switch {
			case !ok:
				return policy{}, fmt.Errorf("registration: Config.Scopes: the scope catalog does not declare %q", name)
			case sc.AdminOnly:
				return policy{}, fmt.Errorf("registration: Config.Scopes: %q is administrator-only: no registered client may hold it", name)
			case name == flows.PersonalTokensScope:
				return policy{}, fmt.Errorf("registration: Config.Scopes: no registered client may hold %s", name)
			}
			allowed = append(allowed, name)
		}
	}
	p := policy{
		scopes: scopes.New(allowed...), grants: c.GrantTypes, methods: c.AuthMethods,
		clientCredentials: cfg.Policy.ClientCredentials, maxRedirects: c.Limits.RedirectURIs,
	}
	p.defaults = p.scopes
	if c.DefaultScopes != nil {
		p.defaults = scopes.New(c.DefaultScopes...)
		if !p.defaults.IsSubsetOf(p.scopes) {
			return policy{}, fmt.Errorf("registration: Config.DefaultScopes: %s are not in Config.Scopes", p.defaults.Minus(p.scopes).String())
		}
	}
	if slices.Contains(c.GrantTypes, GrantClientCredentials) && !cfg.Policy.ClientCredentials {
		return policy{}, errors.New("registration: Config.GrantTypes holds client_credentials, which needs flows.Config.Policy.ClientCredentials")
	}
	if !slices.Contains(c.AuthMethods, AuthNone) && cfg.Policy.ClientCredentials && !slices.Contains(c.GrantTypes, GrantClientCredentials) {
		return policy{}, errors.New("registration: with flows.Config.Policy.ClientCredentials on, confidential clients could use client_credentials: allow it in Config.GrantTypes, or allow public clients (AuthMethods none)")
	}
	if !slices.Contains(c.GrantTypes, GrantAuthorizationCode) && !slices.Contains(c.AuthMethods, AuthClientSecretBasic) && !slices.Contains(c.AuthMethods, AuthClientSecretPost) {
		return policy{}, errors.New("registration: a client without the authorization_code grant must be confidential: Config.AuthMethods allows no client secret")
	}
	return p, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
