package flows_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/oauthkit/oauthkit/flows/signin"
)

// TestLogoutRevokesTokens (R-LOGIN-4): with RevokeTokensOnLogout, signing out revokes the
// account's tokens; by default it ends only the session.
func TestLogoutRevokesTokens(t *testing.T) {
	for _, revoke := range []bool{false, true} {
		e := newEnv(t, func(c *signin.Config) { c.RevokeTokensOnLogout = revoke })
		tp := e.aliceTokens("chats--my:ro")
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		p := b.submit(b.get("/logout"), url.Values{})
		if p.Request.URL.Path != "/old-login" || b.sessionValue() != "" {
			t.Fatalf("logout ended at %s with session %q", p.Request.URL, b.sessionValue())
		}
		if got := e.infoGet(tp.access).status == http.StatusOK; got == revoke {
			t.Errorf("RevokeTokensOnLogout=%v: access token still valid = %v", revoke, got)
		}
	}
}
