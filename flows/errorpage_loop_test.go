package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
)

// TestErrorPageRedirectLoop: R-AUTHZ-10 with R-ERR-2, the page a looping app lands on says
// it is a redirect loop, not that access was denied, and still shows both codes.
func TestErrorPageRedirectLoop(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Limits.Redirects = 1 })
	b := e.browser()
	b.signedInAs(acctAlice.login, acctAlice.pw)
	q := authzQuery(url.Values{"client_id": {privID}})
	clientRedirect(t, b.getOnce("/?"+q.Encode()), http.StatusFound, confRedirect)
	p := b.get("/?" + q.Encode())
	if p.StatusCode != http.StatusOK || p.Request.URL.Path != "/ooops" {
		t.Fatalf("status %d at %s, want the error page", p.StatusCode, p.Request.URL)
	}
	text := p.text()
	for _, want := range []string{"<h1>This app is stuck in a redirect loop</h1>", "<code>access_denied</code>", "<code>too_many_redirects</code>"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"Access was not granted", "The request for access was denied"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("the page says %q:\n%s", unwanted, text)
		}
	}
}
