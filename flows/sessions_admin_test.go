package flows_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/store"
)

// wantIdentityLost fails unless b's next authorization request is sent to sign in with
// identity_exception=identity_lost (R-LOGIN-4, R-ERR-3).
func wantIdentityLost(t *testing.T, b *browser) {
	t.Helper()
	u := redirectLocation(t, b.getOnce("/?"+authzQuery(nil).Encode()), http.StatusFound)
	if u.Path != "/login" || u.Query().Get("identity_exception") != flows.IdentityLost {
		t.Fatalf("sent to %q, want /login with identity_lost", u)
	}
}

// TestEndSessions (R-LOGIN-4): "log out everywhere" ends every session of the account, in
// every browser, and leaves other accounts signed in; with revokeTokens, the account's
// tokens die too.
func TestEndSessions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	laptop, phone, other := e.browser(), e.browser(), e.browser()
	laptop.signedInAs("alice@example.com", alicePW)
	phone.signedInAs("alice@example.com", alicePW)
	other.signedInAs("bob@example.com", bobPW)
	tok := e.aliceTokens("chats--my:ro")

	if err := e.signin.EndSessions(ctx, aliceID, false); err != nil {
		t.Fatal(err)
	}
	wantIdentityLost(t, laptop)
	wantIdentityLost(t, phone)
	if !other.asksConsent(authzQuery(nil)) {
		t.Fatal("another account's session ended too")
	}
	if !e.tokenAlive(tok.access) || !e.tokenAlive(tok.refresh) {
		t.Fatal("EndSessions without revokeTokens revoked tokens")
	}

	laptop.signedInAs("alice@example.com", alicePW)
	if err := e.signin.EndSessions(ctx, aliceID, true); err != nil {
		t.Fatal(err)
	}
	wantIdentityLost(t, laptop)
	if e.tokenAlive(tok.access) || e.tokenAlive(tok.refresh) {
		t.Fatal("EndSessions with revokeTokens left tokens alive")
	}
	if r := e.infoGet(tok.access); r.status != http.StatusUnauthorized {
		t.Fatalf("info with a revoked token: %d", r.status)
	}
	if err := e.signin.EndSessions(ctx, "", true); err == nil {
		t.Fatal("EndSessions accepted an empty account id")
	}
}

// TestSetPassword (R-LOGIN-4): a password reset stores the new password, ends every
// session of the account, and revokes its tokens only when the server is configured to.
func TestSetPassword(t *testing.T) {
	ctx := context.Background()
	for _, revoke := range []bool{false, true} {
		name := "keep tokens"
		if revoke {
			name = "revoke tokens"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(c *signin.Config) { c.RevokeTokensOnPasswordReset = revoke })
			b := e.browser()
			b.signedInAs("alice@example.com", alicePW)
			tok := e.aliceTokens("chats--my:ro")

			if err := e.signin.SetPassword(ctx, aliceID, "a-new-password"); err != nil {
				t.Fatal(err)
			}
			wantIdentityLost(t, b)
			if alive := e.tokenAlive(tok.access); alive == revoke {
				t.Fatalf("RevokeTokensOnPasswordReset=%v: access token alive=%v", revoke, alive)
			}
			if p := e.browser().signIn("alice@example.com", alicePW); !strings.Contains(p.Request.URL.RawQuery, "identity_exception=unauthorized") {
				t.Fatalf("the old password still works: landed on %q", p.Request.URL)
			}
			e.browser().signedInAs("alice@example.com", "a-new-password")
		})
	}
	t.Run("refusals", func(t *testing.T) {
		e := newEnv(t)
		if err := e.signin.SetPassword(ctx, aliceID, ""); !errors.Is(err, signin.ErrInvalidPassword) {
			t.Fatalf("empty password: %v", err)
		}
		if err := e.signin.SetPassword(ctx, aliceID, strings.Repeat("p", 1025)); !errors.Is(err, signin.ErrInvalidPassword) {
			t.Fatalf("long password: %v", err)
		}
		if err := e.signin.SetPassword(ctx, "no-such-account", "pw"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown account: %v", err)
		}
		a, _ := e.store.Account(ctx, aliceID)
		a.PasswordLoginDisabled = true
		if err := e.store.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := e.signin.SetPassword(ctx, aliceID, "pw"); !errors.Is(err, signin.ErrPasswordLoginDisabled) {
			t.Fatalf("migrated account: %v", err)
		}
		if after, _ := e.store.Account(ctx, aliceID); after.PasswordHash != a.PasswordHash {
			t.Fatal("a refused SetPassword changed the hash")
		}
	})
}
