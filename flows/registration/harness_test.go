package registration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// The fixture: one organization, one signed-in account, a catalog with an
// administrator-only scope and the personal tokens scope, and a statically provisioned
// client.
const (
	orgID      = "org-a"
	aliceID    = "11111111-1111-4111-8111-111111111111"
	staticID   = "static-app"
	mcpName    = "Example MCP client"
	loopbackCB = "http://127.0.0.1/callback"
)

var testHasher = func() *credentials.Hasher {
	h, err := credentials.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return h
}()

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// clock is an injectable clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// signedIn is an Authenticator for which alice is always signed in.
type signedIn struct{ st store.Accounts }

func (a signedIn) Account(r *http.Request) (store.Account, bool, error) {
	acct, err := a.st.Account(r.Context(), aliceID)
	return acct, err == nil, err
}

func (signedIn) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	http.Error(w, "sign in", http.StatusUnauthorized)
}

// backend is a complete storage with housekeeping: memstore, or a sqlstore.
type backend interface {
	store.Storage
	store.ExpiredDeleter
}

// env is an authorization server with registration, over httptest on loopback.
type env struct {
	t      *testing.T
	st     backend
	clock  *clock
	srv    *flows.Server
	ts     *httptest.Server
	issuer string
	// regPath is Paths.Registration.
	regPath string
	// puts counts the clients registration stored.
	puts *atomic.Int64
}

// counting is the registration's storage, counting the clients stored.
type counting struct {
	backend
	puts *atomic.Int64
}

func (c counting) PutClient(ctx context.Context, cl store.Client) error {
	c.puts.Add(1)
	return c.backend.PutClient(ctx, cl)
}

// options change the configurations of an env.
type options struct {
	flows func(*flows.Config)
	reg   func(*registration.Config)
	// noRegistration builds the server without registration.
	noRegistration bool
	// storage, when set, returns the storage; memstore by default.
	storage func(t *testing.T) backend
}

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	var st backend = memstore.New()
	if o.storage != nil {
		st = o.storage(t)
	}
	ctx := t.Context()
	must(t, st.PutOrganization(ctx, store.Organization{ID: orgID, Name: "Org A"}))
	must(t, st.PutAccount(ctx, store.Account{ID: aliceID, Login: "alice@example.com", OrganizationID: orgID,
		Roles: []string{"agent"}, CreatedAt: t0}))
	cat, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "notes:ro", Description: "Read your notes"},
		{Name: "notes:rw", Description: "Change your notes"},
		{Name: "admin:rw", Description: "Administer", AdminOnly: true},
		{Name: flows.PersonalTokensScope, Description: "Manage your personal tokens"},
	}, nil)
	must(t, err)
	ts := httptest.NewUnstartedServer(nil)
	e := &env{t: t, st: st, clock: &clock{now: t0}, ts: ts, issuer: "http://" + ts.Listener.Addr().String(), puts: new(atomic.Int64)}
	rc := registration.Config{Storage: counting{st, e.puts}, Access: registration.Open()}
	if o.reg != nil {
		o.reg(&rc)
	}
	fc := flows.Config{
		Issuer: e.issuer, Storage: st, Hasher: testHasher, Scopes: cat, Authenticator: signedIn{st},
		Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler),
		// Tests name their address in a header, so that rate limits can be seen per address.
		ClientAddr: func(r *http.Request) netip.Addr {
			if a, err := netip.ParseAddr(r.Header.Get("X-Test-Addr")); err == nil {
				return a
			}
			return netip.MustParseAddr("192.0.2.1")
		},
	}
	if !o.noRegistration {
		reg, err := registration.New(rc)
		must(t, err)
		fc.Registration = reg
	}
	if o.flows != nil {
		o.flows(&fc)
	}
	e.srv, err = flows.New(fc)
	must(t, err)
	e.regPath = e.srv.Config().Paths.Registration
	static, _, err := e.srv.NewClient(flows.ClientSpec{ID: staticID, Public: true, RedirectURIs: []string{loopbackCB}, Scopes: []string{"notes:ro"}})
	must(t, err)
	must(t, st.PutClient(ctx, static))
	ts.Config.Handler = e.srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// response is an answer of the server, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// do sends a request with a JSON (or raw string) body and the given headers.
func (e *env) do(method, path string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		must(e.t, err)
		rd = bytes.NewReader(j)
	}
	url := path
	if strings.HasPrefix(path, "/") {
		url = e.ts.URL + path
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, url, rd)
	must(e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.ts.Client().Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(e.t, err)
	return response{resp.StatusCode, resp.Header, b}
}

// register POSTs metadata to the registration endpoint.
func (e *env) register(metadata any, header ...string) response {
	e.t.Helper()
	return e.do(http.MethodPost, e.regPath, metadata, header...)
}

// mcpClient is the registration an MCP client sends.
func mcpClient() map[string]any {
	return map[string]any{
		"client_name":                mcpName,
		"redirect_uris":              []string{loopbackCB},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
		"scope":                      "notes:ro notes:rw",
	}
}

// with returns m with the members of kv (name, value pairs) set; a nil value deletes.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// registered is the client information response of a registration.
type registered struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at"`
	RegistrationAccessToken string   `json:"registration_access_token"`
	RegistrationClientURI   string   `json:"registration_client_uri"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	Scope                   string   `json:"scope"`
}

// mustRegister registers metadata and returns the answer, which must be 201.
func (e *env) mustRegister(metadata any, header ...string) registered {
	e.t.Helper()
	r := e.register(metadata, header...)
	if r.status != http.StatusCreated {
		e.t.Fatalf("registration: %d %s, want 201", r.status, r.body)
	}
	var reg registered
	must(e.t, json.Unmarshal(r.body, &reg))
	return reg
}

// wantError checks that r is the JSON error code with status, never cached.
func wantError(t *testing.T, what string, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d (%s), want %d", what, r.status, r.body, status)
		return
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Errorf("%s: body %q is not JSON: %v", what, r.body, err)
		return
	}
	if body.Error != code {
		t.Errorf("%s: error %q (%s), want %q", what, body.Error, body.Description, code)
	}
	if strings.ContainsAny(body.Description, "\"\\") {
		t.Errorf("%s: error_description %q holds a quote or backslash", what, body.Description)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
}

// buildError returns the error of building a server with o.
func buildError(t *testing.T, o options) error {
	t.Helper()
	st := memstore.New()
	cat, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "notes:ro", Description: "Read your notes"},
		{Name: "admin:rw", Description: "Administer", AdminOnly: true},
		{Name: flows.PersonalTokensScope, Description: "Manage your personal tokens"},
	}, nil)
	must(t, err)
	rc := registration.Config{Storage: st, Access: registration.Open()}
	if o.reg != nil {
		o.reg(&rc)
	}
	reg, err := registration.New(rc)
	if err != nil {
		return err
	}
	fc := flows.Config{Issuer: "http://127.0.0.1:1", Storage: st, Hasher: testHasher, Scopes: cat,
		Authenticator: signedIn{st}, Registration: reg}
	if o.flows != nil {
		o.flows(&fc)
	}
	_, err = flows.New(fc)
	return err
}
