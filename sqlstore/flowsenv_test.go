package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// A small harness that runs the real authorization server (package flows) over a
// sqlstore, as an application would. A fixed authenticator stands in for sign-in: the
// account under test is always signed in, and both clients are private to its
// organization, so no consent page interrupts the authorization request.

const (
	orgID        = "org-1"
	aliceID      = "11111111-1111-4111-8111-111111111111"
	confID       = "conf-app"
	confSecret   = "conf-secret-0123456789"
	pubID        = "pub-app"
	redirectURI  = "https://app.example/cb"
	testScope    = "chats--all:ro"
	pkceVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

var hashKey = []byte("0123456789abcdef0123456789abcdef")

func testHasher(t testing.TB) *credentials.Hasher {
	h, err := credentials.NewHasher(hashKey)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// seedFlows stores the organization, account and clients the harness uses.
func seedFlows(t testing.TB, st store.Storage) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutOrganization(ctx, store.Organization{ID: orgID, Name: "Org"}))
	must(st.PutAccount(ctx, store.Account{ID: aliceID, Login: "alice@example.com", OrganizationID: orgID, Roles: []string{"agent"}}))
	for _, c := range []store.Client{
		{ID: confID, Name: "Confidential", SecretHash: testHasher(t).Hash(confSecret), OrganizationID: orgID},
		{ID: pubID, Name: "Public", Public: true, OrganizationID: orgID},
	} {
		c.RedirectURIs, c.Scopes = []string{redirectURI}, []string{testScope}
		must(st.PutClient(ctx, c))
	}
}

// signedIn is an Authenticator for which alice is always signed in. Looking her up goes
// to storage, like a real session would.
type signedIn struct{ st store.Storage }

func (a signedIn) Account(r *http.Request) (store.Account, bool, error) {
	acct, err := a.st.Account(r.Context(), aliceID)
	return acct, err == nil, err
}

func (signedIn) SignIn(w http.ResponseWriter, _ *http.Request, _ string) {
	http.Error(w, "sign in first", http.StatusUnauthorized)
}

// authServer is one server instance.
type authServer struct {
	t   testing.TB
	url string
	st  store.Storage
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// clock is the servers' clock: it starts at t0 and moves 20 s at every reading, so that
// the authorization endpoint's per-process redirect limit (3 in 30 s) never trips, while
// a code (valid 5 minutes) is always exchanged in time.
func clock() time.Time { return t0.Add(time.Duration(ticks.Add(1)) * 20 * time.Second) }

var ticks atomic.Int64

// newAuthServer starts a server instance over st.
func newAuthServer(t testing.TB, st store.Storage) *authServer {
	t.Helper()
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: testScope, Description: "Read all chats"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv, err := flows.New(flows.Config{
		Issuer:        "https://auth.example",
		Storage:       st,
		Hasher:        testHasher(t),
		Scopes:        cat,
		Authenticator: signedIn{st},
		Now:           clock,
		Logger:        slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &authServer{t: t, url: hs.URL, st: st, log: logs}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize runs an authorization request for clientID and returns the redirect's query.
func (a *authServer) authorize(clientID string) url.Values {
	a.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {testScope}, "state": {"st"}}
	if clientID == pubID {
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(pkceVerifier))
		q.Set("code_challenge_method", "S256")
	}
	resp, err := noRedirects.Get(a.url + "/?" + q.Encode())
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode/100 != 3 {
		a.t.Fatalf("authorization request: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// code runs an authorization request that must succeed and returns the code.
func (a *authServer) code(clientID string) string {
	a.t.Helper()
	q := a.authorize(clientID)
	if q.Get("code") == "" {
		a.t.Fatalf("authorization request failed: %v", q)
	}
	return q.Get("code")
}

// tokenResponse is what the token endpoint answered.
type tokenResponse struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func (r tokenResponse) str(k string) string { s, _ := r.json[k].(string); return s }

// token posts a token request for clientID (authenticated with Basic when it is the
// confidential client).
func (a *authServer) token(clientID string, form url.Values) tokenResponse {
	a.t.Helper()
	if clientID == pubID {
		form.Set("client_id", pubID)
	}
	req, _ := http.NewRequest(http.MethodPost, a.url+"/v2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID == confID {
		req.SetBasicAuth(confID, confSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := tokenResponse{status: resp.StatusCode, header: resp.Header, body: string(b)}
	_ = json.Unmarshal(b, &r.json)
	return r
}

func (a *authServer) exchange(clientID, code string) tokenResponse {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	if clientID == pubID {
		form.Set("code_verifier", pkceVerifier)
	}
	return a.token(clientID, form)
}

func (a *authServer) refresh(clientID, refreshToken string) tokenResponse {
	return a.token(clientID, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}
