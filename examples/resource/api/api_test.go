package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/examples/resource/api"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

var hashKey = bytes.Repeat([]byte{7}, 32)

const (
	org     = "org-demo"
	account = "6f1f7c52-3d7e-4a8e-9d43-1c2b8f0e5a11"
	other   = "0b7d3e9a-52c4-4f61-8a2e-7c9d1e4f6b22"
	login   = "agent@example.com"
)

type env struct {
	t      *testing.T
	st     *memstore.Store
	hasher *credentials.Hasher
	h      http.Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := memstore.New()
	ctx := context.Background()
	for _, a := range []store.Account{
		{ID: account, Login: login, OrganizationID: org},
		{ID: other, Login: "admin@example.com", OrganizationID: org},
	} {
		if err := st.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	hasher, _ := credentials.NewHasher(hashKey)
	l, err := middleware.NewLocal(st, hasher, middleware.LocalOptions{Accounts: st, Catalog: api.Catalog()})
	if err != nil {
		t.Fatal(err)
	}
	cache := middleware.Cached(l, middleware.CacheOptions{})
	t.Cleanup(func() { cache.Close() })
	cache.SubscribeTo(st)
	authn := middleware.Authenticate(cache, middleware.Options{
		Kinds: []store.TokenKind{store.KindAccess, store.KindPersonal, store.KindCustomer},
	})
	return &env{t: t, st: st, hasher: hasher, h: api.New(authn, api.Catalog())}
}

func (e *env) token(kind store.TokenKind, acc string, scopes ...string) (string, string) {
	e.t.Helper()
	s := credentials.NewSecret("oak:at_")
	now := time.Now()
	tok := store.Token{Hash: e.hasher.Hash(s), ID: credentials.NewID(), Kind: kind, ClientID: "demo-server-app",
		AccountID: acc, OrganizationID: org, Scopes: scopes, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	if kind == store.KindCustomer {
		tok.AccountID, tok.CustomerID = "", "cust-1"
	}
	if err := e.st.IssueTokens(context.Background(), now, store.Issue{Tokens: []store.Token{tok}}); err != nil {
		e.t.Fatal(err)
	}
	return s, tok.ID
}

func (e *env) do(method, path, auth, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func TestRoutes(t *testing.T) {
	// R-MW-1, R-MW-4, R-PAT-2, R-CUST-2 over the local validator and a seeded memstore.
	e := newEnv(t)
	myRO, _ := e.token(store.KindAccess, account, "chats--my:ro")
	allRW, allRWID := e.token(store.KindAccess, account, "chats--all:rw")
	allRO, _ := e.token(store.KindAccess, other, "chats--all:ro")
	none, _ := e.token(store.KindAccess, account, "customers:own")
	pat, _ := e.token(store.KindPersonal, account, "chats--all:rw")
	cust, _ := e.token(store.KindCustomer, "")
	refresh, _ := e.token(store.KindRefresh, account, "chats--all:rw")
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		name, method, path, auth, body string
		want                           int
		wantErr                        string
	}{
		{"R-MW-1 no token", "GET", "/v3/agent/chats", "", "", 401, "unauthorized"},
		{"R-MW-1 invalid token", "GET", "/v3/agent/chats", "Bearer oak:at_nope", "", 401, "invalid_token"},
		{"R-MW-1 malformed header", "GET", "/v3/agent/chats", "Bearer a b", "", 400, "invalid_request"},
		{"R-MW-1 refresh token", "GET", "/v3/agent/chats", "Bearer " + refresh, "", 401, "invalid_token"},
		{"R-MW-4 list with chats--my:ro", "GET", "/v3/agent/chats", "Bearer " + myRO, "", 200, ""},
		{"R-SCOPE-2 list with chats--all:rw", "GET", "/v3/agent/chats", "Bearer " + allRW, "", 200, ""},
		{"R-SCOPE-2 list with chats--all:ro (declared rule)", "GET", "/v3/agent/chats", "Bearer " + allRO, "", 200, ""},
		{"R-MW-4 list without a chat scope", "GET", "/v3/agent/chats", "Bearer " + none, "", 403, "insufficient_scope"},
		{"R-MW-4 create with chats--my:ro", "POST", "/v3/agent/chats", "Bearer " + myRO, `{"title":"x"}`, 403, "insufficient_scope"},
		{"R-MW-4 create with chats--all:ro", "POST", "/v3/agent/chats", "Bearer " + allRO, `{"title":"x"}`, 403, "insufficient_scope"},
		{"R-MW-4 create with chats--all:rw", "POST", "/v3/agent/chats", "Bearer " + allRW, `{"title":"hello"}`, 201, ""},
		{"create with a bad body", "POST", "/v3/agent/chats", "Bearer " + allRW, `{}`, 400, "invalid_request"},
		{"R-PAT-2 PAT as Basic with the account ID", "POST", "/v3/agent/chats", basic(account, pat), `{"title":"pat"}`, 201, ""},
		{"R-PAT-2 PAT as Basic with the login", "GET", "/v3/agent/chats", basic(login, pat), "", 200, ""},
		{"R-PAT-2 PAT as Basic with another account", "GET", "/v3/agent/chats", basic(other, pat), "", 401, "invalid_token"},
		{"R-CUST-2 customer token on an agent route", "GET", "/v3/agent/chats", "Bearer " + cust, "", 401, "invalid_token"},
		{"R-CUST-2 customer route with a customer token", "GET", "/v3/customer/me", "Bearer " + cust, "", 200, ""},
		{"R-CUST-2 customer route with an agent token", "GET", "/v3/customer/me", "Bearer " + allRW, "", 401, "invalid_token"},
		{"R-CUST-2 customer route with a PAT", "GET", "/v3/customer/me", basic(account, pat), "", 401, "invalid_token"},
		{"customer route without a token", "GET", "/v3/customer/me", "", "", 401, "unauthorized"},
		{"wrong method", "DELETE", "/v3/agent/chats", "Bearer " + allRW, "", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(tt.method, tt.path, tt.auth, tt.body)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.wantErr != "" {
				var b struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error != tt.wantErr {
					t.Errorf("body %s, want error %q", rec.Body, tt.wantErr)
				}
			}
		})
	}

	// Listing: chats--my:ro sees its own chats, chats--all:ro every chat of the org.
	var list struct{ Chats []api.Chat }
	count := func(tok string) int {
		rec := e.do("GET", "/v3/agent/chats", "Bearer "+tok, "")
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			t.Fatal(err)
		}
		return len(list.Chats)
	}
	if n := count(myRO); n != 2 {
		t.Errorf("own chats = %d, want 2", n)
	}
	if n := count(allRO); n != 2 {
		t.Errorf("organization chats seen by another account = %d, want 2", n)
	}
	if rec := e.do("GET", "/v3/customer/me", "Bearer "+cust, ""); !strings.Contains(rec.Body.String(), `"customer_id":"cust-1"`) {
		t.Errorf("me: %s", rec.Body)
	}

	// R-MW-3: a revocation through this process's storage is seen at once.
	if err := e.st.RevokeToken(context.Background(), allRWID); err != nil {
		t.Fatal(err)
	}
	if rec := e.do("GET", "/v3/agent/chats", "Bearer "+allRW, ""); rec.Code != 401 {
		t.Errorf("revoked token: status %d", rec.Code)
	}
}
