package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// TestAuthorizeWithoutScope: R-AUTHZ-7, a request without scope (as generic clients such as
// MCP clients send) asks for the client's scopes that the account may hold: an agent gets
// them without the administrator-only ones, an administrator gets all. Naming an
// administrator-only scope is still invalid_scope for an agent, and a client whose every
// scope needs an administrator leaves an agent nothing: invalid_scope.
func TestAuthorizeWithoutScope(t *testing.T) {
	for _, mode := range errorModes {
		t.Run(mode.name, func(t *testing.T) {
			e := newEnv(t, mode.mutate)
			e.putClient(store.Client{ID: "admin-app", Name: "Admin", SecretHash: e.hasher.Hash("x"), RedirectURIs: []string{confRedirect}, Scopes: []string{"agents--all:rw"}})
			noScope := authzQuery(nil, "scope")
			for _, tc := range []struct {
				name   string
				who    acct
				scopes string
			}{
				{"agent", acctAlice, "chats--all:ro chats--all:rw chats--my:ro customers:own"},
				{"administrator", acctRoot, "agents--all:rw chats--all:ro chats--all:rw chats--my:ro customers:own"},
			} {
				p := e.browser().authorize(e.authURL(noScope), tc.who.login, tc.who.pw, "allow")
				cb := clientRedirect(t, p, http.StatusSeeOther, confRedirect)
				if c := e.storedCode(cb.Get("code")); strings.Join(c.Scopes, " ") != tc.scopes {
					t.Errorf("%s: code scopes %q, want %q", tc.name, c.Scopes, tc.scopes)
				}
			}

			alice := e.browser()
			alice.signedInAs(acctAlice.login, acctAlice.pw)
			named := authzQuery(url.Values{"scope": {"agents--all:rw chats--my:ro"}})
			wantAuthzError(t, e, mode.name != "to client", alice.getOnce("/?"+named.Encode()), "invalid_scope", "st-1")
			adminOnly := authzQuery(url.Values{"client_id": {"admin-app"}}, "scope")
			wantAuthzError(t, e, mode.name != "to client", alice.getOnce("/?"+adminOnly.Encode()), "invalid_scope", "st-1")
		})
	}
}
