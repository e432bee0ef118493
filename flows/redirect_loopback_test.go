package flows_test

import (
	"net/http"
	"net/url"
	"testing"

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
