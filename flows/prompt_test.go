package flows_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestPromptNone: prompt=none answers without any page: login_required when nobody is
// signed in, missing_grant when consent would be needed (R-ERR-4: the grant was never
// given), a code when the grant is remembered.
func TestPromptNone(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	none := authzQuery(url.Values{"prompt": {"none"}})
	wantClientError(t, e, clientRedirect(t, b.getOnce("/?"+none.Encode()), http.StatusFound, confRedirect), "login_required", "st-1")

	b.signedInAs("alice@example.com", alicePW)
	wantClientError(t, e, clientRedirect(t, b.getOnce("/?"+none.Encode()), http.StatusFound, confRedirect), "missing_grant", "st-1")

	b.authorize(e.authURL(authzQuery(nil)), "", "", "allow")
	if q := clientRedirect(t, b.getOnce("/?"+none.Encode()), http.StatusFound, confRedirect); q.Get("code") == "" {
		t.Fatalf("prompt=none with a remembered grant: %v, want a code", q)
	}
	// The client changed the scopes it needs: the grant no longer stands.
	c := e.storedClient(confID)
	c.Scopes = []string{"chats--my:ro", "chats--all:ro"}
	e.putClient(c)
	q := authzQuery(url.Values{"prompt": {"none"}, "scope": {"chats--my:ro"}})
	wantClientError(t, e, clientRedirect(t, b.getOnce("/?"+q.Encode()), http.StatusFound, confRedirect), "missing_grant", "st-1")

	bad := authzQuery(url.Values{"prompt": {"none consent"}, "scope": {"chats--my:ro"}})
	wantClientError(t, e, clientRedirect(t, b.getOnce("/?"+bad.Encode()), http.StatusFound, confRedirect), "invalid_request", "st-1")
}
