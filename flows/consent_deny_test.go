package flows_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestConsentDenyWithdrawsGrant: R-AUTHZ-6 with R-ERR-4, a Deny on the consent page deletes
// the consent remembered for the app: the app gets access_denied, and the next prompt=none
// gets missing_grant instead of a code, until the person allows again.
func TestConsentDenyWithdrawsGrant(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signedInAs(acctAlice.login, acctAlice.pw)
	none := authzQuery(url.Values{"prompt": {"none"}})
	b.authorize(e.authURL(authzQuery(nil)), "", "", "allow")
	if q := clientRedirect(t, b.getOnce("/?"+none.Encode()), http.StatusFound, confRedirect); q.Get("code") == "" {
		t.Fatalf("prompt=none after Allow: %v, want a code", q)
	}

	p := b.authorize(e.authURL(authzQuery(url.Values{"prompt": {"consent"}})), "", "", "deny")
	wantClientError(t, e, clientRedirect(t, p, http.StatusSeeOther, confRedirect), "access_denied", "st-1")
	e.noGrant()
	wantClientError(t, e, clientRedirect(t, b.getOnce("/?"+none.Encode()), http.StatusFound, confRedirect), "missing_grant", "st-1")

	b.authorize(e.authURL(authzQuery(nil)), "", "", "allow")
	if q := clientRedirect(t, b.getOnce("/?"+none.Encode()), http.StatusFound, confRedirect); q.Get("code") == "" {
		t.Fatalf("prompt=none after a new Allow: %v, want a code", q)
	}
}
