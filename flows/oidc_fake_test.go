package flows_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/flows/signin"
)

// fakeUpstream is an in-process OpenID Connect provider built from go-jose, for the fast
// tests of federated sign-in (the end-to-end test runs a real, independent provider):
// discovery, an authorization endpoint that signs in whoever the test names, a token
// endpoint that checks the client secret, the code and its PKCE verifier and issues an ID
// token, a JWKS endpoint and a UserInfo endpoint. Tests tamper with what it issues through
// its hooks.
type fakeUpstream struct {
	t   *testing.T
	srv *httptest.Server
	now func() time.Time

	mu        sync.Mutex
	key       *jose.JSONWebKey   // signs ID tokens
	published []jose.JSONWebKey  // the JWKS
	jwksHits  int                // GETs of the JWKS
	down      bool               // discovery answers 503
	next      map[string]any     // claims of the person the next authorization signs in
	codes     map[string]fakeReq // issued codes
	userinfo  map[string]map[string]any
	// idToken, when set, changes the claims of the next ID tokens, or replaces the
	// token altogether when it returns a non-empty string.
	idToken func(claims map[string]any) string
	// discovery, when set, edits the discovery document.
	discovery func(doc map[string]any)
}

type fakeReq struct {
	claims                     map[string]any
	nonce, challenge, redirect string
}

const (
	upClientID     = "oauthkit-test"
	upClientSecret = "upstream-client-secret"
)

// newFakeUpstream starts the provider. Its clock is now, set later by the test when nil.
func newFakeUpstream(t *testing.T) *fakeUpstream {
	u := &fakeUpstream{t: t, codes: map[string]fakeReq{}, userinfo: map[string]map[string]any{}}
	u.key = newRSAKey(t, "key-1")
	u.published = []jose.JSONWebKey{u.key.Public()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", u.serveDiscovery)
	mux.HandleFunc("GET /authorize", u.serveAuthorize)
	mux.HandleFunc("POST /token", u.serveToken)
	mux.HandleFunc("GET /jwks", u.serveJWKS)
	mux.HandleFunc("GET /userinfo", u.serveUserinfo)
	u.srv = httptest.NewServer(mux)
	t.Cleanup(u.srv.Close)
	return u
}

func newRSAKey(t *testing.T, kid string) *jose.JSONWebKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}
}

func newECKey(t *testing.T, kid string) *jose.JSONWebKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: string(jose.ES256), Use: "sig"}
}

// federation is a federation for this provider: up-1 → org-a, up-2 → org-b, up-ghost → an
// organization that does not exist locally; role agent signs in, admin administers.
func (u *fakeUpstream) federation() *federation.Config {
	return &federation.Config{
		Issuer:        u.srv.URL,
		Name:          "Upstream",
		ClientID:      upClientID,
		ClientSecret:  upClientSecret,
		Scopes:        []string{"openid", "email", "org", "roles"},
		Organizations: map[string]string{"up-1": orgA, "up-2": orgB, "up-ghost": "org-ghost"},
		SignInRoles:   []string{"agent"},
		AdminRoles:    []string{"admin"},
		HTTPClient:    u.srv.Client(),
	}
}

// person is an upstream person's claims: a verified email, an organization and roles.
func person(email, org string, roles ...string) map[string]any {
	rs := make([]any, len(roles))
	for i, r := range roles {
		rs[i] = r
	}
	return map[string]any{"sub": "sub-" + email, "email": email, "email_verified": true, "org_id": org, "roles": rs}
}

func (u *fakeUpstream) set(f func(u *fakeUpstream)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(u)
}

func (u *fakeUpstream) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	doc := map[string]any{
		"issuer":                                         u.srv.URL,
		"authorization_endpoint":                         u.srv.URL + "/authorize",
		"token_endpoint":                                 u.srv.URL + "/token",
		"jwks_uri":                                       u.srv.URL + "/jwks",
		"userinfo_endpoint":                              u.srv.URL + "/userinfo",
		"id_token_signing_alg_values_supported":          []string{"RS256", "ES256"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic"},
		"code_challenge_methods_supported":               []string{"S256"},
		"authorization_response_iss_parameter_supported": true,
	}
	if u.discovery != nil {
		u.discovery(doc)
	}
	writeTestJSON(w, http.StatusOK, doc)
}

func (u *fakeUpstream) serveJWKS(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.jwksHits++
	writeTestJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: u.published})
}

// serveAuthorize signs in the person of u.next at once and sends the browser back with a
// code, state and iss (RFC 9207), after checking the request as a provider would.
func (u *fakeUpstream) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	q := r.URL.Query()
	switch {
	case q.Get("client_id") != upClientID, q.Get("response_type") != "code",
		q.Get("code_challenge_method") != "S256", len(q.Get("code_challenge")) != 43,
		q.Get("nonce") == "", q.Get("state") == "", !strings.Contains(q.Get("scope"), "openid"):
		http.Error(w, "bad authorization request: "+q.Encode(), http.StatusBadRequest)
		return
	}
	code := fmt.Sprintf("code-%d-%s", len(u.codes), q.Get("state")[:8])
	u.codes[code] = fakeReq{claims: u.next, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	back := url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {u.srv.URL}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

func (u *fakeUpstream) serveToken(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	id, secret, ok := r.BasicAuth()
	if !ok || id != upClientID || secret != upClientSecret {
		writeTestJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	req, ok := u.codes[r.PostFormValue("code")]
	delete(u.codes, r.PostFormValue("code"))
	if !ok || r.PostFormValue("redirect_uri") != req.redirect ||
		oauth2.S256ChallengeFromVerifier(r.PostFormValue("code_verifier")) != req.challenge {
		writeTestJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := u.now()
	claims := map[string]any{
		"iss": u.srv.URL, "aud": upClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": req.nonce,
	}
	for k, v := range req.claims {
		claims[k] = v
	}
	access := "up-at-" + r.PostFormValue("code")
	u.userinfo[access] = req.claims
	raw := ""
	if u.idToken != nil {
		raw = u.idToken(claims)
	}
	if raw == "" {
		raw = signJWT(u.t, u.key, claims)
	}
	writeTestJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": raw})
}

func (u *fakeUpstream) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	claims, ok := u.userinfo[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeTestJSON(w, http.StatusOK, claims)
}

// signJWT signs claims with key, whose alg and kid go in the header.
func signJWT(t *testing.T, key *jose.JSONWebKey, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fedEnv is a test server with federated sign-in through a fake upstream, and its log.
type fedEnv struct {
	*env
	up   *fakeUpstream
	logs *syncBuffer
}

func newFedEnv(t *testing.T, mutate ...func(*federation.Config)) *fedEnv {
	t.Helper()
	up := newFakeUpstream(t)
	logs := &syncBuffer{}
	e := newEnv(t, func(c *flows.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}, func(c *signin.Config) {
		c.Federation = up.federation()
		for _, m := range mutate {
			m(c.Federation)
		}
	})
	up.now = e.clock.Now
	return &fedEnv{env: e, up: up, logs: logs}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startFederated GETs path on the server (it must send the browser to the upstream) and
// returns the upstream authorization URL.
func (fe *fedEnv) startFederated(b *browser, path string) string {
	fe.t.Helper()
	p := b.getOnce(path)
	loc := p.Header.Get("Location")
	if p.StatusCode != http.StatusFound || !strings.HasPrefix(loc, fe.up.srv.URL+"/authorize?") {
		fe.t.Fatalf("GET %s: status %d, Location %q, want a redirect to the upstream\n%s", path, p.StatusCode, loc, p.body)
	}
	return loc
}

// authorizeUpstream runs the upstream's authorization endpoint at authURL for claims and
// returns the callback URL it sends the browser to.
func (fe *fedEnv) authorizeUpstream(authURL string, claims map[string]any) string {
	fe.t.Helper()
	fe.up.set(func(u *fakeUpstream) { u.next = claims })
	c := fe.up.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(authURL)
	if err != nil {
		fe.t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, fe.srv.URL+"/login/callback?") {
		fe.t.Fatalf("upstream authorization: status %d, Location %q", resp.StatusCode, loc)
	}
	return loc
}

// signInFederated runs a whole federated sign-in of b as claims, starting at path, and
// returns the callback's answer (not followed).
func (fe *fedEnv) signInFederated(b *browser, path string, claims map[string]any) page {
	fe.t.Helper()
	cb := fe.authorizeUpstream(fe.startFederated(b, path), claims)
	return b.getOnce(strings.TrimPrefix(cb, fe.srv.URL))
}
