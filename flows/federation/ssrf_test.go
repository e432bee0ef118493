package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/internal/fetch"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// The upstream's discovery document names the URLs this server then fetches (token
// endpoint, JWKS, UserInfo). With the default HTTP client, a document that names a private
// address (a cloud metadata service, an internal host) gets the OAuth configuration page:
// the client refuses the address before connecting, so nothing is sent there.

const ssrfIssuer = "https://idp.example"

// ssrfUpstream is an upstream at ssrfIssuer, served in process, whose discovery document
// names private instead of its own URL for one of its endpoints ("" for none). It signs
// ID tokens with fuzzUpKey and releases the organization and roles only from UserInfo.
type ssrfUpstream struct {
	t        testing.TB
	private  map[string]string // endpoint name → URL
	mu       sync.Mutex
	nonce    string // of the authorization request
	userinfo bool   // UserInfo was asked
}

func (s *ssrfUpstream) endpoint(name, path string) string {
	if u, ok := s.private[name]; ok {
		return u
	}
	return ssrfIssuer + path
}

func (s *ssrfUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	var v any
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		v = map[string]any{
			"issuer": ssrfIssuer, "authorization_endpoint": ssrfIssuer + "/authorize",
			"token_endpoint":                        s.endpoint("token_endpoint", "/token"),
			"jwks_uri":                              s.endpoint("jwks_uri", "/jwks"),
			"userinfo_endpoint":                     s.endpoint("userinfo_endpoint", "/userinfo"),
			"id_token_signing_alg_values_supported": []string{"EdDSA"},
		}
	case "/token":
		s.mu.Lock()
		nonce := s.nonce
		s.mu.Unlock()
		claims := map[string]any{
			"iss": ssrfIssuer, "aud": fuzzUpClient, "sub": "up-person-1", "nonce": nonce,
			"iat": fuzzFedNow.Unix(), "exp": fuzzFedNow.Add(time.Hour).Unix(),
			"email": "alice@example.com", "email_verified": true,
		}
		v = map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300,
			"id_token": fuzzIDToken(s.t, fuzzUpKey, "k1", claims)}
	case "/jwks":
		v = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: fuzzUpKey.Public(), KeyID: "k1", Use: "sig"}}}
	case "/userinfo":
		s.mu.Lock()
		s.userinfo = true
		s.mu.Unlock()
		v = map[string]any{"sub": "up-person-1", "org_id": "up-1", "roles": []string{"agent"}}
	default:
		http.NotFound(w, r)
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// inProcess answers the requests for host with h, and passes the others to next.
type inProcess struct {
	host string
	h    http.Handler
	next http.RoundTripper
}

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host {
		return t.next.RoundTrip(r)
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// dialed is what the default client's dialer was asked to connect to, and its answers.
type dialed struct {
	mu   sync.Mutex
	addr []string
	errs []error
}

// ssrfServer is a server signing people in through up with the default HTTP client, its
// requests to idp.example served in process and every other one dialled through the
// client's own dialer, which the returned record watches.
func ssrfServer(t *testing.T, upstream http.Handler, logs *bytes.Buffer) (http.Handler, *dialed) {
	t.Helper()
	st := memstore.New()
	if err := st.PutOrganization(context.Background(), store.Organization{ID: "org-a", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	up, err := New(Config{
		Issuer: ssrfIssuer, ClientID: fuzzUpClient, ClientSecret: "s",
		Organizations: map[string]string{"up-1": "org-a"}, SignInRoles: []string{"agent"},
		Storage: st, SignInPage: "/signin", StartPath: "/login/start",
		SignedIn: func(http.ResponseWriter, *http.Request, store.Account) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := up.client.Transport.(*http.Transport)
	if !ok || tr.DialContext == nil {
		t.Fatalf("the default client's transport is %T, without its own dialer", up.client.Transport)
	}
	rec := &dialed{}
	guarded := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := guarded(ctx, network, addr)
		rec.mu.Lock()
		rec.addr, rec.errs = append(rec.addr, addr), append(rec.errs, err)
		rec.mu.Unlock()
		return c, err
	}
	up.client.Transport = inProcess{host: "idp.example", h: upstream, next: tr}

	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro", Description: "Read your chats"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := credentials.NewHasher([]byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := flows.New(flows.Config{
		Issuer: "https://as.example", Storage: st, Hasher: hasher, Scopes: cat,
		Now: func() time.Time { return fuzzFedNow }, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Authenticator: appSessions{up},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv.Handler(), rec
}

// ssrfSignIn starts a sign-in on h and returns the callback's answer.
func ssrfSignIn(t *testing.T, h http.Handler, upstream *ssrfUpstream) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://as.example/login/start?return_to=/", nil))
	start := rec.Result()
	to, err := url.Parse(start.Header.Get("Location"))
	if start.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(to.String(), ssrfIssuer+"/authorize?") {
		t.Fatalf("start: status %d, Location %q", start.StatusCode, start.Header.Get("Location"))
	}
	upstream.mu.Lock()
	upstream.nonce = to.Query().Get("nonce")
	upstream.mu.Unlock()
	q := url.Values{"state": {to.Query().Get("state")}, "code": {"the-code"}}
	r := httptest.NewRequest(http.MethodGet, "https://as.example/login/callback?"+q.Encode(), nil)
	for _, c := range start.Cookies() {
		r.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

// TestFederationRefusesPrivateUpstreamURLs (R-LOGIN-3): with the default HTTP client, a
// discovery document whose token endpoint, JWKS or UserInfo URL is a private address gets
// the OAuth configuration page, the address refused by the dialer before any connection;
// the same upstream with its own URLs signs the person in.
func TestFederationRefusesPrivateUpstreamURLs(t *testing.T) {
	t.Run("own URLs sign in", func(t *testing.T) {
		upstream := &ssrfUpstream{t: t}
		h, rec := ssrfServer(t, upstream, &bytes.Buffer{})
		resp := ssrfSignIn(t, h, upstream)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" || !upstream.userinfo {
			t.Fatalf("status %d, Location %q, UserInfo asked %v", resp.StatusCode, resp.Header.Get("Location"), upstream.userinfo)
		}
		if len(rec.addr) != 0 {
			t.Fatalf("dialled %v", rec.addr)
		}
	})
	for _, tc := range []struct{ endpoint, url, addr string }{
		{"jwks_uri", "http://169.254.169.254/latest/meta-data/jwks", "169.254.169.254:80"},
		{"jwks_uri", "https://10.0.0.1/jwks", "10.0.0.1:443"},
		{"token_endpoint", "http://10.0.0.1/token", "10.0.0.1:80"},
		{"userinfo_endpoint", "http://192.168.0.1/userinfo", "192.168.0.1:80"},
	} {
		t.Run(tc.endpoint+" "+tc.url, func(t *testing.T) {
			upstream := &ssrfUpstream{t: t, private: map[string]string{tc.endpoint: tc.url}}
			logs := &bytes.Buffer{}
			h, rec := ssrfServer(t, upstream, logs)
			resp := ssrfSignIn(t, h, upstream)
			body := new(bytes.Buffer)
			_, _ = body.ReadFrom(resp.Body)
			if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body.String(), "<code>"+flows.DetailOAuthConfiguration+"</code>") {
				t.Fatalf("status %d, want the OAuth configuration page:\n%s", resp.StatusCode, body)
			}
			if strings.Contains(body.String(), tc.url) || strings.Contains(body.String(), "non-public") {
				t.Errorf("the page shows the refused URL or why:\n%s", body)
			}
			if len(rec.addr) == 0 {
				t.Fatal("the private URL was never dialled: refused for another reason?\n" + logs.String())
			}
			for i, a := range rec.addr {
				if a != tc.addr || !errors.Is(rec.errs[i], fetch.ErrNotPublic) {
					t.Errorf("dialled %s: %v; want %s refused with fetch.ErrNotPublic", a, rec.errs[i], tc.addr)
				}
			}
			if !strings.Contains(logs.String(), "non-public address") {
				t.Errorf("the log does not say why:\n%s", logs)
			}
		})
	}
}

// TestFederationDefaultClient: without Config.HTTPClient, an Upstream whose issuer is on
// a loopback host (a provider run locally) may fetch from any address, such as the local
// provider's URLs; any other refuses non-public addresses. A client given is used as is.
func TestFederationDefaultClient(t *testing.T) {
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer local.Close()
	cfg := func(issuer string, client *http.Client) Config {
		return Config{
			Issuer: issuer, ClientID: "c", HTTPClient: client,
			Organizations: map[string]string{"u": "o"}, SignInRoles: []string{"agent"},
			Storage: memstore.New(), SignInPage: "/signin",
			SignedIn: func(http.ResponseWriter, *http.Request, store.Account) error { return nil },
		}
	}
	for issuer, allowed := range map[string]bool{
		"http://127.0.0.1:9999": true, "http://localhost:9999": true, "http://[::1]:9999": true,
		"https://idp.example": false, "https://10.0.0.1": false,
	} {
		up, err := New(cfg(issuer, nil))
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		err = fetch.GetJSON(context.Background(), up.client, local.URL, fetch.GetOptions{}, &v)
		if allowed && err != nil {
			t.Errorf("issuer %s: fetching a loopback URL: %v", issuer, err)
		}
		if !allowed && !errors.Is(err, fetch.ErrNotPublic) {
			t.Errorf("issuer %s: fetching a loopback URL: %v, want fetch.ErrNotPublic", issuer, err)
		}
	}
	mine := &http.Client{}
	up, err := New(cfg("https://idp.example", mine))
	if err != nil {
		t.Fatal(err)
	}
	if up.client != mine {
		t.Fatal("Config.HTTPClient is not the client used")
	}
}
