package flows_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestCustomerRedirectLoopbackPort: the customer endpoint matches redirect_uri as the
// authorization endpoint does (R-REDIR-2 with RFC 8252 §7.3): a loopback URI matches any
// port only for a public client; a confidential client's must match its registered port.
func TestCustomerRedirectLoopbackPort(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{confID, pubID} {
		c := e.storedClient(id)
		c.RedirectURIs = append(c.RedirectURIs, "http://127.0.0.1:8080/cb")
		e.putClient(c)
	}
	conf := e.aliceTokens(agentScopes).access
	pub := e.tokensFor(pubID, acctAlice, agentScopes).access
	for _, tc := range []struct {
		name, client, token, redirect string
		ok                            bool
	}{
		{"confidential, registered port", confID, conf, "http://127.0.0.1:8080/cb", true},
		{"confidential, another port", confID, conf, "http://127.0.0.1:51234/cb", false},
		{"confidential, port dropped", confID, conf, "http://127.0.0.1/cb", false},
		{"public, registered port", pubID, pub, "http://127.0.0.1:8080/cb", true},
		{"public, any port", pubID, pub, "http://127.0.0.1:51234/cb", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.customerPost(tc.token, custBody("client_id", tc.client, "redirect_uri", tc.redirect))
			if tc.ok {
				if r.status != http.StatusOK || r.s("access_token") == "" {
					t.Fatalf("customer endpoint: %d %s", r.status, r.raw)
				}
				return
			}
			wantAPIError(t, r, http.StatusBadRequest, "unauthorized_client")
			if !strings.Contains(r.s("error_description"), "redirect_uri") {
				t.Errorf("error_description in %s does not name redirect_uri", r.raw)
			}
		})
	}
}
