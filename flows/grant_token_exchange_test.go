package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// A grant written outside package flows (tokenExchange, example_custom_grant_test.go),
// with the exported issuance API only, served by TokenHandler over HTTP.

const exchangePath = "/exchange"

// narrowID is a confidential client that may hold one scope only.
const narrowID, narrowSecret = "narrow-app", "narrow-secret-0123456789"

// newExchangeEnv is newEnv with a token endpoint at exchangePath that accepts the built-in
// grants and token exchange.
func newExchangeEnv(t *testing.T, mutate ...any) *env {
	t.Helper()
	e := newEnv(t, mutate...)
	e.putClient(store.Client{ID: narrowID, SecretHash: e.hasher.Hash(narrowSecret), RedirectURIs: []string{confRedirect}, Scopes: []string{"chats--my:ro"}})
	srv := e.flows
	mux := http.NewServeMux()
	mux.Handle("POST "+exchangePath, srv.TokenHandler(srv.AuthorizationCodeGrant(), srv.RefreshTokenGrant(), tokenExchange{srv}))
	mux.Handle("/", e.srv.Config.Handler)
	e.srv.Config.Handler = mux
	return e
}

// exchange trades subject for a token of clientID (Basic) with the extra pairs kv.
func (e *env) exchange(clientID, secret, subject string, kv ...string) apiResp {
	e.t.Helper()
	form := url.Values{"grant_type": {tokenExchangeGrantType}, "subject_token": {subject}, "subject_token_type": {accessTokenType}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	hdr := ctHdr(ctForm)
	if secret != "" {
		hdr = hdrs(hdr, basicHdr(clientID, secret))
	} else {
		form.Set("client_id", clientID)
	}
	return e.apiDo(http.MethodPost, exchangePath, form.Encode(), hdr...)
}

// TestTokenExchange: a backend (priv-app) trades alice's access token of conf-app for a
// narrower one of its own, for alice, which the server's endpoints accept like any other;
// it never outlives the subject token, and revoking alice's grant revokes it.
func TestTokenExchange(t *testing.T) {
	e := newExchangeEnv(t)
	alice := e.aliceTokens(agentScopes)

	r := e.exchange(privID, privSecret, alice.access, "scope", "chats--my:ro")
	if r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.raw)
	}
	wantCacheNoStore(t, r)
	at := r.s("access_token")
	want := map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": float64(28800), "scope": "chats--my:ro",
		"account_id": aliceID, "organization_id": orgA, "issued_token_type": accessTokenType,
	}
	if diff := cmp.Diff(want, r.obj); diff != "" {
		t.Errorf("exchange answer (-want +got):\n%s", diff)
	}

	info := e.infoGet(at)
	if info.status != http.StatusOK || info.s("client_id") != privID || info.s("account_id") != aliceID || info.s("scope") != "chats--my:ro" {
		t.Errorf("info of the exchanged token: %d %s", info.status, info.raw)
	}
	in := e.introspectAs(confID, confSecret, at)
	if in.obj["active"] != true || in.s("sub") != aliceID || in.s("client_id") != privID || in.s("kind") != "access" {
		t.Errorf("introspection of the exchanged token: %s", in.raw)
	}

	// Without scope the exchanged token holds the subject token's scopes; it expires with
	// the subject token, not later.
	e.clock.Advance(time.Hour)
	r = e.exchange(privID, privSecret, alice.access)
	if r.status != http.StatusOK || r.s("scope") != agentScopesCommas || r.obj["expires_in"] != float64(28800-3600) {
		t.Errorf("exchange an hour later: %d %s", r.status, r.raw)
	}
	second := r.s("access_token")

	// The exchanged tokens belong to alice's grant.
	e.revokeVia(true, confID, alice.refresh)
	if e.tokenAlive(at) || e.tokenAlive(second) {
		t.Error("an exchanged token survived the revocation of the grant of its subject token")
	}
}

// TestTokenExchangeErrors: the custom grant refuses with the package's error model, and
// Issue applies the rules every grant shares (the client's scopes, a private client's
// organization).
func TestTokenExchangeErrors(t *testing.T) {
	e := newExchangeEnv(t, withClientCredentials)
	alice := e.aliceTokens("chats--my:ro chats--all:ro")
	bob := e.tokensFor(confID, acctBob, "chats--my:ro")
	_, cc := e.tokenPost(confID, confSecret, ccForm())
	clientOnly := cc["access_token"].(string)
	for _, tc := range []struct {
		name           string
		client, secret string
		subject        string
		kv             []string
		status         int
		code           string
	}{
		{"no subject token", privID, privSecret, "", nil, http.StatusBadRequest, "invalid_request"},
		{"wrong subject token type", privID, privSecret, alice.access, []string{"subject_token_type", "urn:ietf:params:oauth:token-type:id_token"}, http.StatusBadRequest, "invalid_request"},
		{"audience", privID, privSecret, alice.access, []string{"audience", "https://elsewhere.example"}, http.StatusBadRequest, "invalid_target"},
		{"unknown subject token", privID, privSecret, "oak:at_nothing", nil, http.StatusBadRequest, "invalid_grant"},
		{"refresh token as subject", privID, privSecret, alice.refresh, nil, http.StatusBadRequest, "invalid_grant"},
		{"subject acting for no account", privID, privSecret, clientOnly, nil, http.StatusBadRequest, "invalid_grant"},
		{"scope the subject does not hold", privID, privSecret, alice.access, []string{"scope", "chats--all:rw"}, http.StatusBadRequest, "invalid_scope"},
		{"malformed scope", privID, privSecret, alice.access, []string{"scope", `chats"my`}, http.StatusBadRequest, "invalid_scope"},
		{"scope the client may not hold", narrowID, narrowSecret, alice.access, nil, http.StatusBadRequest, "invalid_scope"},
		{"private client, account of another organization", privID, privSecret, bob.access, nil, http.StatusBadRequest, "unauthorized_client"},
		{"public client", pubID, "", alice.access, nil, http.StatusBadRequest, "unauthorized_client"},
		{"wrong client secret", privID, "wrong", alice.access, nil, http.StatusUnauthorized, "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, e.exchange(tc.client, tc.secret, tc.subject, tc.kv...), tc.status, tc.code)
		})
	}
	// The narrow client gets the one scope it may hold.
	if r := e.exchange(narrowID, narrowSecret, alice.access, "scope", "chats--my:ro"); r.status != http.StatusOK || r.s("scope") != "chats--my:ro" {
		t.Errorf("narrow client: %d %s", r.status, r.raw)
	}
}

// TestTokenExchangeLimit: Config.TokenLimit holds for a custom grant's tokens as for the
// built-in ones: one token more per (client, account) revokes the oldest.
func TestTokenExchangeLimit(t *testing.T) {
	e := newExchangeEnv(t, func(c *flows.Config) { c.Limits.Tokens = 2 })
	alice := e.aliceTokens(agentScopes)
	var toks []string
	for range 3 {
		r := e.exchange(privID, privSecret, alice.access)
		if r.status != http.StatusOK {
			t.Fatalf("exchange: %d %s", r.status, r.raw)
		}
		toks = append(toks, r.s("access_token"))
		e.clock.Advance(time.Second)
	}
	if e.tokenAlive(toks[0]) || !e.tokenAlive(toks[1]) || !e.tokenAlive(toks[2]) {
		t.Errorf("alive: %v %v %v, want the oldest evicted", e.tokenAlive(toks[0]), e.tokenAlive(toks[1]), e.tokenAlive(toks[2]))
	}
	if !e.tokenAlive(alice.access) {
		t.Error("the subject token (another client's) was evicted")
	}
}

// failingGrant answers every request with err and resp.
type failingGrant struct {
	resp *flows.TokenResponse
	err  error
}

func (failingGrant) GrantType() string { return "urn:example:failing" }

func (g failingGrant) Exchange(context.Context, *flows.TokenRequest) (*flows.TokenResponse, error) {
	return g.resp, g.err
}

// TestCustomGrantFailures: what a custom grant returns besides tokens. An *Error (wrapped
// or not) is sent as is; any other error, or no answer at all, is server_error whose
// description reveals nothing.
func TestCustomGrantFailures(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		g      failingGrant
		status int
		code   string
	}{
		{"an *Error", failingGrant{err: flows.InvalidGrant("no")}, http.StatusBadRequest, "invalid_grant"},
		{"a wrapped *Error", failingGrant{err: fmt.Errorf("checking: %w", flows.AccessDenied("no"))}, http.StatusBadRequest, "access_denied"},
		{"a plain error", failingGrant{err: errors.New("database password is hunter2")}, http.StatusInternalServerError, "server_error"},
		{"no answer", failingGrant{}, http.StatusInternalServerError, "server_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := e.flows.TokenHandler(tc.g)
			req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader("grant_type=urn:example:failing"))
			req.Header.Set("Content-Type", ctForm)
			req.SetBasicAuth(confID, confSecret)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var body map[string]string
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != tc.status || body["error"] != tc.code || strings.Contains(rec.Body.String(), "hunter2") {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}
