package flows_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
)

// TestTokenPathAllow: R-TOKEN-1 and R-REVOKE-1 through Mount: the token endpoint's path,
// its /token alias and a configured path serve POST (tokens) and DELETE (revocation), and
// any other method is 405 with "Allow: DELETE, POST". The bare handlers, mounted alone,
// each name their own method.
func TestTokenPathAllow(t *testing.T) {
	e := newEnv(t)
	custom := newEnv(t, func(c *flows.Config) { c.Paths.Token = "/oauth/token" })
	tp := e.aliceTokens("chats--my:ro")
	for _, tc := range []struct {
		name string
		e    *env
		path string
	}{
		{"default path", e, "/v2/token"},
		{"alias", e, "/token"},
		{"configured path", custom, "/oauth/token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodOptions} {
				r := tc.e.tokenDo(tokenCall{method: m, path: tc.path, body: "grant_type=refresh_token&refresh_token=x"})
				wantError(t, r, http.StatusMethodNotAllowed, "invalid_request")
				if got := r.header.Get("Allow"); got != "DELETE, POST" {
					t.Errorf("%s: Allow = %q, want DELETE, POST", m, got)
				}
			}
			// Both methods still reach their handler.
			wantError(t, tc.e.tokenDo(tokenCall{path: tc.path, body: "grant_type=nope", auth: basicAuth(confID, confSecret)}), http.StatusBadRequest, "unsupported_grant_type")
			if r := tc.e.tokenDo(tokenCall{method: http.MethodDelete, path: tc.path, ctype: "-", auth: "Bearer " + tp.access}); r.status != http.StatusOK {
				t.Errorf("DELETE: %d %s, want 200", r.status, r.raw)
			}
		})
	}
	if e.tokenAlive(tp.access) {
		t.Error("DELETE at the token path did not revoke")
	}

	for _, tc := range []struct {
		name  string
		h     http.Handler
		allow string
	}{
		{"TokenHandler", e.flows.TokenHandler(), http.MethodPost},
		{"DeleteTokenHandler", e.flows.DeleteTokenHandler(), http.MethodDelete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/v2/token")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tc.allow {
				t.Errorf("GET: %d Allow %q, want 405 with Allow %q", resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
			}
		})
	}
}
