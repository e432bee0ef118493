package console

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Storage is what the console reads and writes: the clients and their directory, the
// accounts and their directory (for an administrator's view of the organization), the
// grants and their directory, and the revocation of a client's tokens. A complete backend
// (memstore, sqlstore) has it all; the optional parts are described in package store
// (ClientDirectory, GrantDirectory, AccountDirectory) and proven by
// storetest.RunDirectories. Tokens are listed and personal access tokens made through the
// server (Config.Server), over its own storage, which should be the same database.
type Storage interface {
	store.Clients
	store.ClientWriter
	store.Accounts
	store.Grants
	store.TokenAdmin
	store.ClientDirectory
	store.GrantDirectory
	store.AccountDirectory
}

// Config configures a [Console]. Server and Storage are required; every other zero field
// means the documented default.
type Config struct {
	// Server is the authorization server whose apps and tokens the console manages. The
	// console signs people in through its Authenticator (the built-in sign-in, or the
	// application's own), and takes its Hasher, scope catalog, clock, logger,
	// administrator role and CSRF protection.
	Server *flows.Server
	// Storage holds what the console lists and changes; see [Storage].
	Storage Storage
	// Path is where [Console.Handler] serves the pages, as a router hands paths to it
	// (after any prefix it strips, as flows.Paths are). Default "/console". Mount the
	// handler at Path and everything beneath: mux.Handle("/console/", c.Handler()).
	Path string
	// SignOutPath, when set, is linked from every page as "Sign out": the sign-out page of
	// the sign-in in use (signin's Paths.Logout, "/logout" by default). Empty shows no
	// link.
	SignOutPath string
	// SecretOverlap is how long an app's previous secret keeps working after
	// [Console.RotateSecret], so that its deployments can switch one at a time. Default 0:
	// the previous secret stops at once.
	SecretOverlap time.Duration
	// MaxApps caps the apps one account owns. Default 100.
	MaxApps int
	// Templates overrides the pages. It must define the templates "console_apps",
	// "console_app", "console_new_app", "console_tokens", "console_connected",
	// "console_organization", "console_confirm" and "console_error" (see templates/ for
	// the data each receives). Nil means the built-in pages.
	Templates *template.Template
}

// Defaults of Config.
const (
	defaultPath    = "/console"
	defaultMaxApps = 100
)

// Console is the developer console: its pages ([Console.Handler]) and the same operations
// as Go methods, for an application with an admin UI of its own. Every method takes the
// account acting, as the application's sign-in knows it, and checks what that account
// may do: its own apps, tokens and connections, and, for an administrator
// (flows.Policy.AdminRole), the apps private to its organization and the connections of
// its organization's accounts. It is safe for concurrent use.
type Console struct {
	cfg       Config
	srv       *flows.Server
	store     Storage
	auth      flows.Authenticator
	hasher    *credentials.Hasher
	catalog   *scopes.Catalog
	adminRole string
	now       func() time.Time
	log       *slog.Logger
	secure    bool // the issuer is https: the flash cookie is Secure and __Host- prefixed
	pages     *template.Template
	handler   http.Handler
}

// pageNames are the templates Config.Templates must define.
var pageNames = []string{"console_apps", "console_app", "console_new_app", "console_tokens",
	"console_connected", "console_organization", "console_confirm", "console_error"}

// New validates cfg and returns a Console. Bad configuration fails here.
func New(cfg Config) (*Console, error) {
	if cfg.Server == nil {
		return nil, errors.New("console: Config.Server is required")
	}
	if cfg.Storage == nil {
		return nil, errors.New("console: Config.Storage is required")
	}
	if cfg.SecretOverlap < 0 || cfg.MaxApps < 0 {
		return nil, errors.New("console: Config.SecretOverlap and Config.MaxApps must not be negative")
	}
	if cfg.Path == "" {
		cfg.Path = defaultPath
	}
	cfg.Path = strings.TrimSuffix(cfg.Path, "/")
	if !strings.HasPrefix(cfg.Path, "/") || strings.ContainsAny(cfg.Path, "{}") {
		return nil, errors.New("console: Config.Path must be a path starting with / (and not /)")
	}
	if cfg.SignOutPath != "" && !strings.HasPrefix(cfg.SignOutPath, "/") {
		return nil, errors.New("console: Config.SignOutPath must be a path starting with /")
	}
	if cfg.MaxApps == 0 {
		cfg.MaxApps = defaultMaxApps
	}
	pages := cfg.Templates
	if pages == nil {
		pages = defaultPages
	}
	for _, name := range pageNames {
		if pages.Lookup(name) == nil {
			return nil, errors.New("console: Config.Templates must define the template " + name)
		}
	}
	sc := cfg.Server.Config()
	c := &Console{
		cfg:       cfg,
		srv:       cfg.Server,
		store:     cfg.Storage,
		auth:      sc.Authenticator,
		hasher:    sc.Hasher,
		catalog:   sc.Scopes,
		adminRole: sc.Policy.AdminRole,
		now:       sc.Now,
		log:       sc.Logger,
		secure:    strings.HasPrefix(sc.Issuer, "https:"),
		pages:     pages,
	}
	var err error
	if c.handler, err = c.routes(); err != nil {
		return nil, err
	}
	return c, nil
}

// Handler returns the console's pages, served at Config.Path and beneath it:
//
//	GET  {path}                                  → {path}/apps
//	GET  {path}/apps                             the apps the person manages
//	GET  {path}/apps/new, POST {path}/apps       register an app
//	GET  {path}/apps/{id}                        an app (with its secret, once, after creation or rotation)
//	GET, POST {path}/apps/{id}/rotate            rotate its secret (a confirmation page, then the rotation)
//	GET, POST {path}/apps/{id}/delete            delete it, revoking its tokens
//	GET  {path}/tokens, POST {path}/tokens       personal access tokens: list, create
//	GET, POST {path}/tokens/{id}/revoke          revoke one
//	GET  {path}/connected                        the apps the person has given access to
//	GET  {path}/organization                     (administrators) the organization's accounts and their apps
//	GET, POST {path}/accounts/{account}/connected/{client}/remove   remove an app's access
//
// Every page needs a signed-in account (the server's Authenticator sends the person to
// sign in and back), works without JavaScript, and sends the headers of
// flows.SetPageHeaders (no scripts, no framing, forms to this origin only). Every form
// carries the server's CSRF token and is checked with flows.Server.CheckCSRF; a form that
// succeeds answers 303 See Other. A secret is shown once: it travels from the form's
// answer to the page that shows it in a short-lived cookie sealed under the server's key
// for the account that made it, and the page clears it.
func (c *Console) Handler() http.Handler { return c.handler }

func (c *Console) routes() (http.Handler, error) {
	p := c.cfg.Path
	routes := []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET " + p + "/{$}", c.home},
		{"GET " + p, c.home},
		{"GET " + p + "/apps", c.appsPage},
		{"POST " + p + "/apps", c.createAppPost},
		{"GET " + p + "/apps/new", c.newAppPage},
		{"GET " + p + "/apps/{id}", c.appPage},
		{"GET " + p + "/apps/{id}/rotate", c.rotateConfirm},
		{"POST " + p + "/apps/{id}/rotate", c.rotatePost},
		{"GET " + p + "/apps/{id}/delete", c.deleteConfirm},
		{"POST " + p + "/apps/{id}/delete", c.deletePost},
		{"GET " + p + "/tokens", c.tokensPage},
		{"POST " + p + "/tokens", c.createTokenPost},
		{"GET " + p + "/tokens/{id}/revoke", c.revokeTokenConfirm},
		{"POST " + p + "/tokens/{id}/revoke", c.revokeTokenPost},
		{"GET " + p + "/connected", c.connectedPage},
		{"GET " + p + "/organization", c.organizationPage},
		{"GET " + p + "/accounts/{account}/connected/{client}/remove", c.removeConfirm},
		{"POST " + p + "/accounts/{account}/connected/{client}/remove", c.removePost},
	}
	mux := http.NewServeMux()
	for _, rt := range routes {
		if err := register(mux, rt.pattern, rt.h); err != nil {
			return nil, err
		}
	}
	// The mux's own answers (404, 405 with Allow) carry the pages' headers too.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		flows.SetPageHeaders(w, "'none'")
		mux.ServeHTTP(w, r)
	}), nil
}

// register adds a route, turning the panic of a bad pattern into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("console: the path %q cannot be served: %v", pattern, r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// isAdmin reports whether acct administers its organization.
func (c *Console) isAdmin(acct store.Account) bool {
	return acct.OrganizationID != "" && acct.HasRole(c.adminRole)
}
