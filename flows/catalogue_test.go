package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// TestErrorCatalogue (R-ERR-4): every error code of the seed's catalogue, each produced
// where the seed says, through real HTTP. The suites per endpoint test each path in depth;
// this is the one place that shows the whole catalogue is used.
func TestErrorCatalogue(t *testing.T) {
	t.Run("invalid_request/wrong HTTP method", func(t *testing.T) {
		e := newEnv(t)
		wantAPIError(t, e.apiDo(http.MethodGet, "/v2/token", ""), http.StatusMethodNotAllowed, "invalid_request")
	})
	t.Run("invalid_request/invalid body encoding", func(t *testing.T) {
		e := newEnv(t)
		r := e.apiDo(http.MethodPost, "/v2/token", "grant_type=%zz", ctHdr("application/x-www-form-urlencoded")...)
		wantAPIError(t, r, http.StatusBadRequest, "invalid_request")
	})
	t.Run("unauthorized_client/client ID not found", func(t *testing.T) {
		e := newEnv(t)
		r := e.apiDo(http.MethodPost, "/v2/token", "grant_type=refresh_token&refresh_token=x&client_id=nope", ctHdr("application/x-www-form-urlencoded")...)
		wantAPIError(t, r, http.StatusBadRequest, "unauthorized_client")
	})
	t.Run("access_denied/scope not originally granted", func(t *testing.T) {
		e := newEnv(t)
		tp := e.aliceTokens("chats--my:ro")
		resp, body := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tp.refresh}, "scope": {"chats--all:rw"}})
		if resp.StatusCode != http.StatusBadRequest || body["error"] != "access_denied" {
			t.Fatalf("%d %v", resp.StatusCode, body)
		}
	})
	t.Run("unsupported_response_type", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		q := clientRedirect(t, b.getOnce("/?"+authzQuery(url.Values{"response_type": {"id_token"}}).Encode()), http.StatusFound, confRedirect)
		wantClientError(t, e, q, "unsupported_response_type", "st-1")
	})
	t.Run("invalid_scope/agent asks for an administrator scope", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		q := clientRedirect(t, b.getOnce("/?"+authzQuery(url.Values{"scope": {"agents--all:rw"}}).Encode()), http.StatusFound, confRedirect)
		wantClientError(t, e, q, "invalid_scope", "st-1")
	})
	t.Run("server_error", func(t *testing.T) {
		e := newEnv(t)
		mux := http.NewServeMux()
		mux.Handle("POST /broken", e.flows.TokenHandler(brokenGrant{}))
		rec := newRecorder(mux, "/broken", "grant_type=broken&client_id="+pubID)
		if rec.Code != http.StatusInternalServerError || !jsonHasError(rec.Body.String(), "server_error") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("temporarily_unavailable/storage down", func(t *testing.T) {
		e, fs, logs := faultyEnv(t)
		fs.failOn("Client", errDB)
		wantUnavailable(t, e.tokenForm(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}), logs)
	})
	t.Run("unsupported_grant_type/client credentials disabled", func(t *testing.T) {
		e := newEnv(t)
		resp, body := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"client_credentials"}})
		if resp.StatusCode != http.StatusBadRequest || body["error"] != "unsupported_grant_type" {
			t.Fatalf("%d %v", resp.StatusCode, body)
		}
	})
	t.Run("invalid_grant/refresh token expired", func(t *testing.T) {
		e := newEnv(t)
		tp := e.aliceTokens(agentScopes)
		e.clock.Advance(31 * 24 * time.Hour)
		resp, body := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tp.refresh}})
		if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("%d %v", resp.StatusCode, body)
		}
	})
	t.Run("invalid_client/wrong secret", func(t *testing.T) {
		e := newEnv(t)
		resp, body := e.tokenPost(confID, "wrong", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}})
		if resp.StatusCode != http.StatusUnauthorized || body["error"] != "invalid_client" {
			t.Fatalf("%d %v", resp.StatusCode, body)
		}
	})
	t.Run("missing_grant/grants never given", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		q := clientRedirect(t, b.getOnce("/?"+authzQuery(url.Values{"prompt": {"none"}}).Encode()), http.StatusFound, confRedirect)
		wantClientError(t, e, q, "missing_grant", "st-1")
	})

	// Exception details on the error page.
	for _, tc := range []struct{ detail, query string }{
		{"client_id_not_found", url.Values{"client_id": {"nope"}, "redirect_uri": {confRedirect}, "response_type": {"code"}}.Encode()},
		{"invalid_redirect_uri", url.Values{"client_id": {confID}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}}.Encode()},
	} {
		t.Run("exception_details/"+tc.detail, func(t *testing.T) {
			e := newEnv(t)
			q := errorPageRedirect(t, e.browser().getOnce("/?"+tc.query), http.StatusFound)
			if q.Get("exception_details") != tc.detail {
				t.Fatalf("query %v", q)
			}
		})
	}
	t.Run("exception_details/redirect_uri_not_set", func(t *testing.T) {
		e := newEnv(t)
		e.putClient(store.Client{ID: "bare", Public: true, Scopes: allScopes})
		q := errorPageRedirect(t, e.browser().getOnce("/?client_id=bare&redirect_uri=https%3A%2F%2Fa.example%2Fcb&response_type=code"), http.StatusFound)
		if q.Get("exception_details") != "redirect_uri_not_set" {
			t.Fatalf("query %v", q)
		}
	})
	t.Run("exception_details/too_many_redirects", func(t *testing.T) {
		e := newEnv(t, func(c *flows.Config) { c.Limits.Redirects = 1 })
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		q := authzQuery(url.Values{"client_id": {privID}})
		clientRedirect(t, b.getOnce("/?"+q.Encode()), http.StatusFound, confRedirect)
		if got := errorPageRedirect(t, b.getOnce("/?"+q.Encode()), http.StatusFound); got.Get("exception_details") != "too_many_redirects" {
			t.Fatalf("query %v", got)
		}
	})
}

// TestIdentityCatalogue (R-ERR-3): every identity_exception of the seed, sent to the sign-in
// page.
func TestIdentityCatalogue(t *testing.T) {
	loginCode := func(p page) string { return p.Request.URL.Query().Get("identity_exception") }
	t.Run("invalid_request", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		p := b.submit(b.get("/old-login"), url.Values{"email": {"alice@example.com"}, "password": {alicePW}, "csrf_token": {"forged"}})
		if got := loginCode(p); got != "invalid_request" {
			t.Fatalf("identity_exception = %q", got)
		}
	})
	t.Run("unauthorized", func(t *testing.T) {
		e := newEnv(t)
		if got := loginCode(e.browser().signIn("alice@example.com", "nope")); got != "unauthorized" {
			t.Fatalf("identity_exception = %q", got)
		}
	})
	t.Run("server_error", func(t *testing.T) {
		e := newEnv(t, func(c *flows.Config) { c.Storage = brokenAccounts{c.Storage.(store.Storage)} })
		if got := loginCode(e.browser().signIn("alice@example.com", alicePW)); got != "server_error" {
			t.Fatalf("identity_exception = %q", got)
		}
	})
	t.Run("access_denied", func(t *testing.T) {
		e := newEnv(t, func(c *flows.Config) { c.Policy.SignInRoles = []string{"administrator"} })
		if got := loginCode(e.browser().signIn("alice@example.com", alicePW)); got != "access_denied" {
			t.Fatalf("identity_exception = %q", got)
		}
	})
	t.Run("identity_lost", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		if err := e.store.DeleteAccountSessions(context.Background(), aliceID); err != nil {
			t.Fatal(err)
		}
		if got := loginCode(b.get(e.authURL(authzQuery(nil)))); got != "identity_lost" {
			t.Fatalf("identity_exception = %q", got)
		}
	})
	t.Run("credentials_login_disabled", func(t *testing.T) {
		e := newEnv(t)
		a, _ := e.store.Account(context.Background(), aliceID)
		a.PasswordLoginDisabled = true
		if err := e.store.PutAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if got := loginCode(e.browser().signIn("alice@example.com", alicePW)); got != "credentials_login_disabled" {
			t.Fatalf("identity_exception = %q", got)
		}
	})
}

// brokenGrant fails with an error that is not an *flows.Error: the endpoint must answer
// server_error without its text.
type brokenGrant struct{}

func (brokenGrant) GrantType() string { return "broken" }
func (brokenGrant) Exchange(context.Context, *flows.TokenRequest) (*flows.TokenResponse, error) {
	return nil, errors.New("nil pointer somewhere deep")
}

// brokenAccounts is a storage whose account lookups by login fail.
type brokenAccounts struct{ store.Storage }

func (brokenAccounts) AccountByLogin(context.Context, string) (store.Account, error) {
	return store.Account{}, errDB
}

func newRecorder(h http.Handler, path, form string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	return rec
}

func jsonHasError(body, code string) bool {
	var v struct {
		Error string `json:"error"`
	}
	return json.Unmarshal([]byte(body), &v) == nil && v.Error == code && !strings.Contains(body, "nil pointer")
}
