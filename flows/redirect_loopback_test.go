package flows_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// TestAuthorizeLoopbackPort: R-REDIR-2 with RFC 8252 §7.3, a loopback redirect URI matches
// any port only for a public (native) client; a confidential client's must match its
// registered port, so another program on the machine cannot receive its code.
func TestAuthorizeLoopbackPort(t *testing.T) {
	e := newEnv(t)
	const loop = "http://127.0.0.1/cb"
	e.putClient(store.Client{ID: "loop-conf", Name: "Loop", SecretHash: e.hasher.Hash("x"), RedirectURIs: []string{loop, "http://127.0.0.1:8080/cb"}, Scopes: allScopes})
	b := e.browser()
	b.signedInAs(acctAlice.login, acctAlice.pw)
	for _, tc := range []struct {
		name, client, redirect string
		ok                     bool
	}{
		{"public, any port", pubID, "http://127.0.0.1:51234/cb", true},
		{"public, no port", pubID, loop, true},
		{"confidential, registered without port", "loop-conf", loop, true},
		{"confidential, registered port", "loop-conf", "http://127.0.0.1:8080/cb", true},
		{"confidential, another port", "loop-conf", "http://127.0.0.1:51234/cb", false},
		{"confidential, port added", "loop-conf", "http://127.0.0.1:80/cb", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"response_type": {"code"}, "client_id": {tc.client}, "redirect_uri": {tc.redirect},
				"scope": {"chats--my:ro"}, "code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}}
			p := b.getOnce("/?" + q.Encode())
			if tc.ok {
				if p.StatusCode != http.StatusOK || !isConsentPage(p) {
					t.Fatalf("status %d, Location %q; want the consent page", p.StatusCode, p.Header.Get("Location"))
				}
				return
			}
			wantQuery(t, errorPageRedirect(t, p, http.StatusFound), map[string]string{"oauth_exception": "unauthorized_client", "exception_details": "invalid_redirect_uri"})
		})
	}
}

// TestAuthorizeLocalhostPort: with Policy.LocalhostAnyPort, a public client's registered
// "http://localhost" redirect URI matches any port (RFC 8252 §8.3, as MCP clients register
// it), and the code it receives there redeems; a confidential client's still matches its
// port exactly. Without the option, localhost is matched exactly like any other host.
func TestAuthorizeLocalhostPort(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(map[bool]string{false: "off", true: "on"}[on], func(t *testing.T) {
			e := newEnv(t, func(c *flows.Config) { c.Policy.LocalhostAnyPort = on })
			e.putClient(store.Client{ID: "mcp-pub", Name: "MCP", Public: true, Scopes: allScopes,
				RedirectURIs: []string{"http://localhost/callback", "http://localhost:3000/cb"}})
			e.putClient(store.Client{ID: "local-conf", Name: "Local", SecretHash: e.hasher.Hash("x"), Scopes: allScopes,
				RedirectURIs: []string{"http://localhost/callback", "http://localhost:3000/cb"}})
			b := e.browser()
			b.signedInAs(acctAlice.login, acctAlice.pw)
			for _, tc := range []struct {
				name, client, redirect string
				ok                     bool
			}{
				{"public, registered without port, any port", "mcp-pub", "http://localhost:51234/callback", on},
				{"public, registered without port, none", "mcp-pub", "http://localhost/callback", true},
				{"public, registered port, other port", "mcp-pub", "http://localhost:6274/cb", on},
				{"public, registered port", "mcp-pub", "http://localhost:3000/cb", true},
				{"public, any port, other path", "mcp-pub", "http://localhost:51234/other", false},
				{"public, https", "mcp-pub", "https://localhost:51234/callback", false},
				{"public, subdomain", "mcp-pub", "http://app.localhost:51234/callback", false},
				{"confidential, another port", "local-conf", "http://localhost:51234/callback", false},
				{"confidential, registered port", "local-conf", "http://localhost:3000/cb", true},
				{"confidential, other registered port", "local-conf", "http://localhost:3001/cb", false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					q := url.Values{"response_type": {"code"}, "client_id": {tc.client}, "redirect_uri": {tc.redirect},
						"scope": {"chats--my:ro"}, "code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}}
					p := b.getOnce("/?" + q.Encode())
					if tc.ok {
						if p.StatusCode != http.StatusOK || !isConsentPage(p) {
							t.Fatalf("status %d, Location %q; want the consent page", p.StatusCode, p.Header.Get("Location"))
						}
						return
					}
					wantQuery(t, errorPageRedirect(t, p, http.StatusFound), map[string]string{"oauth_exception": "unauthorized_client", "exception_details": "invalid_redirect_uri"})
				})
			}
			if !on {
				return
			}
			// The whole flow: the code goes to the port of the request and redeems with
			// that redirect_uri.
			const redirect = "http://localhost:49152/callback"
			q := url.Values{"response_type": {"code"}, "client_id": {"mcp-pub"}, "redirect_uri": {redirect}, "state": {"st"},
				"scope": {"chats--my:ro"}, "code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}}
			code := callback(t, b.authorize(e.authURL(q), acctAlice.login, acctAlice.pw, "allow"), redirect).Get("code")
			r := e.apiDo(http.MethodPost, "/v2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"mcp-pub"},
				"code": {code}, "redirect_uri": {redirect}, "code_verifier": {appBVerifier}}.Encode(), ctHdr(ctForm)...)
			if r.status != http.StatusOK || r.s("access_token") == "" {
				t.Fatalf("redeeming the code: %d %s", r.status, r.raw)
			}
		})
	}
}
