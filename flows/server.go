package flows

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/flows/internal/throttle"
	"github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Server is an OAuth 2.1 authorization server. Its methods return http.Handlers; it is safe
// for concurrent use.
type Server struct {
	cfg       Config
	store     Storage
	customers store.Customers // nil when Storage has no customers: no customer endpoint
	hasher    *credentials.Hasher
	catalog   *scopes.Catalog
	auth      Authenticator
	pages     *template.Template
	log       *slog.Logger
	now       func() time.Time
	secure    bool // issuer is https: Secure cookies
	limiter   *throttle.Failures
	limits    issueLimits
	redirects *redirectLimiter
	cop       *http.CrossOriginProtection
	cors      corsPolicy
	keys      *jose.KeySet // JWT access tokens; nil for opaque ones
	audience  []string
	base      string // the issuer's path, without a trailing slash
	plugin    []Route
	handler   *http.ServeMux

	// Client ID metadata documents: nil when off; the most such a client may hold.
	docs      *clientmeta.Resolver
	docScopes scopes.Set
}

// New validates cfg and returns a Server. Bad configuration fails here, not per request.
func New(cfg Config) (*Server, error) {
	if cfg.Storage == nil {
		return nil, errors.New("flows: Config.Storage is required")
	}
	if cfg.Scopes == nil {
		return nil, errors.New("flows: Config.Scopes is required")
	}
	if cfg.Hasher == nil {
		return nil, errors.New("flows: Config.Hasher is required (credentials.NewHasher)")
	}
	if cfg.Authenticator == nil {
		return nil, errors.New("flows: Config.Authenticator is required (the application's own, or signin.New)")
	}
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || (iss.Scheme != "https" && iss.Scheme != "http") || iss.Host == "" ||
		iss.RawQuery != "" || iss.Fragment != "" || iss.User != nil || iss.ForceQuery {
		return nil, errors.New("flows: Config.Issuer must be an absolute http(s) URL without query, fragment or userinfo")
	}
	if cfg.Lifetimes, err = cfg.Lifetimes.withDefaults(); err != nil {
		return nil, err
	}
	if cfg.Limits, err = cfg.Limits.withDefaults(); err != nil {
		return nil, err
	}
	if cfg.Policy, err = cfg.Policy.withDefaults(); err != nil {
		return nil, err
	}
	cors, err := cfg.CORS.compile()
	if err != nil {
		return nil, err
	}
	setDefault(&cfg.TokenPrefix, defaultTokenPrefix)
	setDefault(&cfg.Policy.AdminRole, defaultAdminRole)
	setDefault(&cfg.Policy.CustomerScope, defaultCustomerScope)
	cfg.Policy.SignInRoles = slices.Clone(cfg.Policy.SignInRoles)
	cfg.Policy.PersonalTokenClients = slices.Clone(cfg.Policy.PersonalTokenClients)
	if _, ok := cfg.Scopes.Lookup(PersonalTokensScope); len(cfg.Policy.PersonalTokenClients) > 0 && !ok {
		return nil, errors.New("flows: Config.Policy.PersonalTokenClients is set, so Config.Scopes must declare the scope " + PersonalTokensScope)
	}
	cfg.Paths = cfg.Paths.withDefaults()
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = remoteAddr
	}
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
	for _, name := range []string{"consent", "error"} {
		if pages.Lookup(name) == nil {
			return nil, errors.New("flows: Config.Templates must define the template " + name)
		}
	}
	lim := cfg.Limits
	s := &Server{
		cfg:       cfg,
		store:     cfg.Storage,
		hasher:    cfg.Hasher,
		catalog:   cfg.Scopes,
		auth:      cfg.Authenticator,
		pages:     pages,
		log:       cfg.Logger,
		now:       cfg.Now,
		secure:    iss.Scheme == "https",
		base:      strings.TrimSuffix(iss.Path, "/"),
		limiter:   throttle.New(limit(lim.ClientAuthFailures), lim.ClientAuthFailureWindow, throttle.DefaultSize),
		cop:       http.NewCrossOriginProtection(),
		cors:      cors,
		redirects: newRedirectLimiter(limit(lim.Redirects), lim.RedirectWindow),
		limits:    newIssueLimits(lim),
	}
	if pc, ok := cfg.Storage.(store.PartChecker); ok {
		// A composition of parts: every part the server calls must be there, and the
		// optional customers only count when set.
		if err := pc.Check(storageParts...); err != nil {
			return nil, fmt.Errorf("flows: Config.Storage: %w", err)
		}
		if pc.Check(store.PartCustomers) == nil {
			s.customers, _ = cfg.Storage.(store.Customers)
		}
	} else {
		s.customers, _ = cfg.Storage.(store.Customers)
	}
	if d := cfg.ClientIDMetadataDocuments; d != nil {
		s.cfg.ClientIDMetadataDocuments = d.clone()
		if s.docs, s.docScopes, err = d.compile(cfg.Scopes, cfg.Now); err != nil {
			return nil, err
		}
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
	if rp, ok := cfg.Authenticator.(RouteProvider); ok {
		if s.plugin, err = rp.Routes(s); err != nil {
			return nil, err
		}
	}
	if cfg.Registration != nil {
		reg, err := cfg.Registration.Routes(s)
		if err != nil {
			return nil, err
		}
		s.plugin = append(s.plugin, reg...)
	}
	if s.handler, err = s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the server as one http.Handler: every endpoint and page at the
// configured paths, plus the LiveChat-style aliases when the paths are the defaults (the
// authorization endpoint also at "/authorize", the token endpoint also at "/token", the
// info endpoint also at "/info"). It works under any router: with the standard library
// mux.Handle("/", srv.Handler()), in chi r.Mount("/", srv.Handler()), under a prefix the
// router keeps in the path (Paths then include it) or strips (http.StripPrefix; the
// issuer's path is then that prefix). The token endpoint accepts authorization_code and
// refresh_token, and client_credentials with Config.Policy.ClientCredentials; DELETE on it
// revokes (DeleteTokenHandler), and any other method is 405 with "Allow: DELETE, POST".
// The metadata and the JWKS answer browsers of every origin, and the token and revocation
// endpoints those of Config.CORS, OPTIONS preflights included ([CORS]). The routes of the
// Authenticator, when it is a [RouteProvider], are served too. Paths that no handler
// serves are 404.
func (s *Server) Handler() http.Handler { return s.handler }

// routes registers every handler of the server on a new ServeMux. A configuration whose
// paths collide fails here, at New.
func (s *Server) routes() (*http.ServeMux, error) {
	p, def := s.cfg.Paths, DefaultPaths()
	authorize, info := s.AuthorizeHandler(), s.InfoHandler()
	token := s.tokenMethods(s.TokenHandler(s.defaultGrants()...), s.DeleteTokenHandler())
	// CORS only where browser-based clients call: never the pages or the other APIs.
	token = s.CrossOriginEndpoint(token, http.MethodDelete, http.MethodPost)
	customer := s.CustomerHandler()
	pats := s.PersonalTokensHandler()
	base := strings.TrimSuffix(p.PersonalTokens, "/")
	routes := []Route{
		{exact(p.Authorize), authorize},
		{exact(p.Token), token},
		{exact(p.ErrorPage), s.ErrorPageHandler()},
		{exact(p.Revoke), s.CrossOriginEndpoint(s.RevokeHandler(), http.MethodPost)},
		{exact(p.Introspect), s.IntrospectHandler()},
		{exact(p.Info), info},
		{exact(p.Metadata), s.CrossOriginDocument(s.MetadataHandler())},
		{base, pats},
		{base + "/{id}", pats},
		// Deeper paths are no personal access token: the API's JSON 404.
		{base + "/{rest...}", pats},
	}
	if p.Authorize == def.Authorize {
		routes = append(routes, Route{"/authorize", authorize})
	}
	if p.Token == def.Token {
		routes = append(routes, Route{"/token", token})
	}
	if s.customers != nil {
		routes = append(routes, Route{exact(p.Customer), customer})
		if c := strings.TrimSuffix(p.Customer, "/"); c != p.Customer && c != "" {
			routes = append(routes, Route{c, customer})
		}
	}
	if p.Info == def.Info {
		routes = append(routes, Route{"/info", info})
	}
	if s.keys != nil {
		routes = append(routes, Route{exact(p.JWKS), s.CrossOriginDocument(s.JWKSHandler())})
	}
	routes = append(routes, s.plugin...)
	mux := http.NewServeMux()
	for _, rt := range routes {
		if err := handle(mux, rt); err != nil {
			return nil, err
		}
	}
	return mux, nil
}

// Route is one path a handler is served at: a ServeMux pattern (Go 1.22 syntax, such as
// "/logout" or "GET /login/callback") and its handler.
type Route struct {
	// Pattern is the ServeMux pattern, a path as [Server.Handler] sees it.
	Pattern string
	// Handler serves the requests that match Pattern.
	Handler http.Handler
}

// handle registers rt on mux, turning the panic of a pattern that collides with another
// into an error.
func handle(mux *http.ServeMux, rt Route) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("flows: the path %q cannot be served: %v", rt.Pattern, r)
		}
	}()
	mux.Handle(rt.Pattern, rt.Handler)
	return nil
}

// link is the path by which a browser or client reaches path of this server: the
// issuer's path (the prefix a router strips, if any) followed by path.
func (s *Server) link(path string) string { return s.base + path }

// tokenMethods serves the token endpoint's path: POST to token, DELETE to del (the
// LiveChat-style revocation), and any other method 405 with Allow naming both.
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
