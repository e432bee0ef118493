package flows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/internal/password"
)

// TestLoginPasswordChecksBusy (R-LOGIN-1): when every argon2id slot is busy and the wait
// queue is full, password sign-in answers at once with
// identity_exception=temporarily_unavailable, for a known and an unknown email alike,
// without counting a failure; once a slot is free, sign-in works.
func TestLoginPasswordChecksBusy(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Limits.ClientAuthFailures = 1 })
	l := password.NewLimiter(1, 0) // one slot, no queue
	flows.SetPasswordLimiter(e.flows, l)
	release, err := l.Acquire(context.Background()) // a long check holds the only slot
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ email, pw string }{
		{"alice@example.com", alicePW},
		{"alice@example.com", "wrong"},
		{"nobody@example.com", "wrong"},
	} {
		u, in := loginFrom(t, e, "192.0.2.1:4000", tt.email, tt.pw)
		if in || u.Path != "/old-login" || u.Query().Get("identity_exception") != flows.IdentityTemporarilyUnavailable {
			t.Fatalf("%s while busy: sent to %q (signed in %v), want identity_exception=temporarily_unavailable", tt.email, u, in)
		}
	}
	p := e.browser().get("/old-login?identity_exception=temporarily_unavailable")
	if !strings.Contains(p.body, "too many sign-ins right now") {
		t.Fatalf("login page:\n%s", p.body)
	}
	release()
	// Not counted as failures: with a limit of one failure, the right password still works.
	if u, in := loginFrom(t, e, "192.0.2.1:4000", "alice@example.com", alicePW); !in {
		t.Fatalf("sign-in once a slot is free: sent to %q", u)
	}
}
