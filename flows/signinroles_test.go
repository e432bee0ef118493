package flows_test

import (
	"testing"

	"github.com/oauthkit/oauthkit/flows"
)

// TestSignInRoles: with Config.SignInRoles, an account without such a role is refused with
// identity_exception=access_denied, only once its password is right (R-ERR-3).
func TestSignInRoles(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Policy.SignInRoles = []string{"administrator"} })
	p := e.browser().signIn("alice@example.com", alicePW)
	if got := p.Request.URL.Query().Get("identity_exception"); got != "access_denied" {
		t.Fatalf("agent sign-in: identity_exception = %q, want access_denied", got)
	}
	p = e.browser().signIn("alice@example.com", "wrong")
	if got := p.Request.URL.Query().Get("identity_exception"); got != "unauthorized" {
		t.Fatalf("wrong password: identity_exception = %q, want unauthorized", got)
	}
	b := e.browser()
	b.signedInAs("root@example.com", rootPW)
}
