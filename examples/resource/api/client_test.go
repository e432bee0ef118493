package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// clientToken stores a client_credentials access token, as package flows does: no account,
// and the organization of its client ("" for a client of no organization).
func (e *env) clientToken(orgID string, scopes ...string) string {
	e.t.Helper()
	s := credentials.NewSecret("oak:at_")
	now := time.Now()
	tok := store.Token{Hash: e.hasher.Hash(s), ID: credentials.NewID(), Kind: store.KindAccess, ClientID: "machine",
		OrganizationID: orgID, Scopes: scopes, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.st.IssueTokens(context.Background(), now, store.Issue{Tokens: []store.Token{tok}}); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// TestClientCredentialsTokensRefused: a client_credentials token acts for no account, so
// the agent routes, which key chats by account and organization, refuse it whatever its
// scopes, and it creates nothing (R-TOKEN-6, R-CUST-2).
func TestClientCredentialsTokensRefused(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	for _, orgID := range []string{"", org} {
		tok := e.clientToken(orgID, "chats--all:rw", "chats--all:ro")
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/v3/agent/chats", `{"title":"shared bucket"}`},
			{"GET", "/v3/agent/chats", ""},
			{"GET", "/v3/customer/me", ""},
		} {
			req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var b struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&b)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || b.Error != "invalid_token" {
				t.Errorf("organization %q: %s %s: %d %q, want 401 invalid_token", orgID, c.method, c.path, resp.StatusCode, b.Error)
			}
		}
	}
	// Nothing was created: an agent of the organization with chats--all:ro sees no chat.
	agent, _ := e.token(store.KindAccess, account, "chats--all:ro")
	rec := e.do("GET", "/v3/agent/chats", "Bearer "+agent, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"chats":[]`) {
		t.Errorf("chats after the refused requests: %d %s", rec.Code, rec.Body)
	}
}
