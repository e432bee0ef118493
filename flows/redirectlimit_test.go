package flows_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
)

// TestRedirectLimit: a fourth authorization request by one client for one person within
// 30 s lands on the error page with too_many_redirects; other pairs are unaffected, and the
// window slides (R-AUTHZ-10).
func TestRedirectLimit(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Limits.Redirects = 0 }) // 0: the default, 3 per 30 s
	alice := e.browser()
	alice.signedInAs("alice@example.com", alicePW)
	root := e.browser()
	root.signedInAs("root@example.com", rootPW)
	privQ := authzQuery(url.Values{"client_id": {privID}})
	for i := range 3 {
		clientRedirect(t, alice.getOnce("/?"+privQ.Encode()), http.StatusFound, confRedirect)
		if i == 0 {
			e.clock.Advance(10 * time.Second)
		}
	}
	q := errorPageRedirect(t, alice.getOnce("/?"+privQ.Encode()), http.StatusFound)
	wantQuery(t, q, map[string]string{"oauth_exception": "access_denied", "exception_details": "too_many_redirects"})

	// Another account, and the same account with another client, still pass.
	clientRedirect(t, root.getOnce("/?"+privQ.Encode()), http.StatusFound, confRedirect)
	if p := alice.getOnce("/?" + authzQuery(nil).Encode()); p.StatusCode != http.StatusOK || !isConsentPage(p) {
		t.Fatalf("conf-app for alice: status %d, want its consent page", p.StatusCode)
	}
	// 21 s later the first request has left the window: one more is allowed, then not.
	e.clock.Advance(21 * time.Second)
	clientRedirect(t, alice.getOnce("/?"+privQ.Encode()), http.StatusFound, confRedirect)
	errorPageRedirect(t, alice.getOnce("/?"+privQ.Encode()), http.StatusFound)
}

// TestRedirectLimitDisabled: a negative RedirectLimit turns the limit off.
func TestRedirectLimitDisabled(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Limits.Redirects = flows.NoLimit })
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)
	for range 10 {
		clientRedirect(t, b.getOnce("/?"+authzQuery(url.Values{"client_id": {privID}}).Encode()), http.StatusFound, confRedirect)
	}
}
