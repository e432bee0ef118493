package flows_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// TestPageFormAction: R-SEC-5, every page's Content-Security-Policy says form-action
// 'self'; the pages whose form ends in a redirect to the client (consent, and sign-in on
// its way back to an authorization request) also allow that client's redirect origin,
// since Chrome and Safari apply form-action to the redirects after a submission. A target
// CSP cannot name exactly (an IPv6 literal) leaves the directive out rather than break the
// sign-in.
func TestPageFormAction(t *testing.T) {
	const base = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
	e := newEnv(t)
	e.putClient(store.Client{ID: "native-app", Name: "Native", Public: true, RedirectURIs: []string{"com.example.app:/cb", "http://[::1]/cb"}, Scopes: allScopes})
	signedIn := e.browser()
	signedIn.signedInAs(acctAlice.login, acctAlice.pw)
	authz := func(client, redirect string) string {
		return "/?" + url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {redirect}, "scope": {"chats--my:ro"},
			"code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}}.Encode()
	}
	for _, tc := range []struct {
		name  string
		fetch func() page
		page  func(page) bool
		want  string
	}{
		{"login", func() page { return e.browser().get("/old-login") }, isLoginPage, base + "; form-action 'self'"},
		{"login on its way to a client", func() page { return e.browser().get(authz(confID, confRedirect)) }, isLoginPage,
			base + "; form-action 'self' https://app.example"},
		{"login on its way to a loopback port", func() page { return e.browser().get(authz(pubID, "http://127.0.0.1:51234/cb")) }, isLoginPage,
			base + "; form-action 'self' http://127.0.0.1:51234"},
		{"login with an unregistered return", func() page {
			return e.browser().get("/old-login?" + url.Values{"return_to": {"/?client_id=conf-app&redirect_uri=https%3A%2F%2Fevil.example%2F"}}.Encode())
		}, isLoginPage, base + "; form-action 'self'"},
		{"logout", func() page { return signedIn.get("/logout") }, func(p page) bool { return p.StatusCode == http.StatusOK }, base + "; form-action 'self'"},
		{"consent", func() page { return signedIn.get(authz(confID, confRedirect)) }, isConsentPage, base + "; form-action 'self' https://app.example"},
		{"consent, loopback port", func() page { return signedIn.get(authz(pubID, "http://127.0.0.1:51234/cb")) }, isConsentPage,
			base + "; form-action 'self' http://127.0.0.1:51234"},
		{"consent, private-use scheme", func() page { return signedIn.get(authz("native-app", "com.example.app:/cb")) }, isConsentPage,
			base + "; form-action 'self' com.example.app:"},
		{"consent, IPv6 loopback", func() page { return signedIn.get(authz("native-app", "http://[::1]:5000/cb")) }, isConsentPage, base},
		{"error", func() page { return e.browser().get("/ooops?oauth_exception=invalid_request") }, func(p page) bool { return p.StatusCode == http.StatusOK },
			base + "; form-action 'self'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.fetch()
			if !tc.page(p) {
				t.Fatalf("not the expected page: status %d\n%s", p.StatusCode, p.body)
			}
			if got := p.Header.Values("Content-Security-Policy"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("Content-Security-Policy = %q,\nwant %q", got, tc.want)
			}
		})
	}
}
