package flows_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/store"
)

// Federated accounts are bound to the upstream identity (iss, sub), not to the email
// (R-LOGIN-2, R-LOGIN-3).

// upstreamOf is the upstream identity an account is bound to.
func upstreamOf(t *testing.T, fe *fedEnv, id string) [2]string {
	t.Helper()
	a, err := fe.store.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return [2]string{a.UpstreamIssuer, a.UpstreamSubject}
}

// signedInAccount is the account b's session is signed in to.
func signedInAccount(t *testing.T, fe *fedEnv, b *browser) string {
	t.Helper()
	p := b.get("/old-login")
	i := strings.Index(p.body, "You are signed in as <strong>")
	if i < 0 {
		t.Fatalf("not signed in:\n%s", p.body)
	}
	login := p.body[i+len("You are signed in as <strong>"):]
	login = login[:strings.Index(login, "<")]
	a, err := fe.store.AccountByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// TestFederatedBindsSubject: the first federated sign-in binds the account it creates or
// links to the ID token's (iss, sub); later sign-ins find it by that identity, whatever
// the email says: a new verified email that no account has becomes the login; one that is
// another account's login, or is not verified, signs in to the bound account and keeps its
// login, and the other account is not touched.
func TestFederatedBindsSubject(t *testing.T) {
	fe := newFedEnv(t)
	ctx := context.Background()
	iss := fe.up.srv.URL

	// Created: bound.
	p := fe.signInFederated(fe.browser(), "/login", person("new@upstream.test", "up-1", "agent"))
	redirectLocation(t, p, http.StatusFound)
	created, err := fe.store.AccountByLogin(ctx, "new@upstream.test")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([2]string{iss, "sub-new@upstream.test"}, upstreamOf(t, fe, created.ID)); diff != "" {
		t.Fatalf("created account's upstream identity (-want +got):\n%s", diff)
	}
	// Linked by verified email: bound too.
	alice := person("alice@example.com", "up-1", "agent")
	alice["sub"] = "up-alice"
	redirectLocation(t, fe.signInFederated(fe.browser(), "/login", alice), http.StatusFound)
	if diff := cmp.Diff([2]string{iss, "up-alice"}, upstreamOf(t, fe, aliceID)); diff != "" {
		t.Fatalf("linked account's upstream identity (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		name      string
		email     string
		verified  any // nil: no email_verified claim
		wantLogin string
	}{
		{"new verified email: the login follows", "alice.new@example.com", true, "alice.new@example.com"},
		{"another account's email: login kept", "bob@example.com", true, "alice.new@example.com"},
		{"unverified new email: login kept", "alice.unverified@example.com", false, "alice.new@example.com"},
		{"no email_verified: login kept", "alice.unasserted@example.com", nil, "alice.new@example.com"},
		{"back to the first email", "alice@example.com", true, "alice@example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := person(tt.email, "up-1", "agent")
			c["sub"] = "up-alice"
			if tt.verified == nil {
				delete(c, "email_verified")
			} else {
				c["email_verified"] = tt.verified
			}
			b := fe.browser()
			redirectLocation(t, fe.signInFederated(b, "/login", c), http.StatusFound)
			if got := signedInAccount(t, fe, b); got != aliceID {
				t.Fatalf("signed in to %s, want alice's account %s", got, aliceID)
			}
			a, _ := fe.store.Account(ctx, aliceID)
			if a.Login != tt.wantLogin || a.UpstreamSubject != "up-alice" {
				t.Fatalf("alice's account %+v, want login %s, bound to up-alice", a, tt.wantLogin)
			}
		})
	}
	// Bob's account was never touched: not bound, password sign-in still works.
	if up := upstreamOf(t, fe, bobID); up != [2]string{} {
		t.Fatalf("bob's account was bound to %v", up)
	}
	fe.browser().signedInAs("bob@example.com", bobPW)
}

// TestFederatedBoundEmailRefused: a sign-in whose email is the login of an account bound
// to another upstream identity is refused as not authorised, even with a verified email:
// whoever gets that email upstream later (a reused address, another tenant) does not get
// the account. The account stays bound to its own identity, and no session is started.
func TestFederatedBoundEmailRefused(t *testing.T) {
	fe := newFedEnv(t)
	first := person("shared@upstream.test", "up-1", "agent")
	first["sub"] = "owner"
	redirectLocation(t, fe.signInFederated(fe.browser(), "/login", first), http.StatusFound)
	owner, err := fe.store.AccountByLogin(context.Background(), "shared@upstream.test")
	if err != nil {
		t.Fatal(err)
	}
	intruder := person("Shared@Upstream.test", "up-1", "agent", "admin")
	intruder["sub"] = "intruder"
	p := fe.signInFederated(fe.browser(), "/login", intruder)
	wantFedPage(t, p, http.StatusForbidden, flows.DetailNotAuthorised, textNotAuthorised)
	if !strings.Contains(p.text(), "already belongs to another account") {
		t.Errorf("the page does not say why:\n%s", p.body)
	}
	if !strings.Contains(fe.logs.String(), "bound to another upstream identity") {
		t.Errorf("log:\n%s", fe.logs)
	}
	a, _ := fe.store.Account(context.Background(), owner.ID)
	if a.UpstreamSubject != "owner" || a.HasRole("administrator") {
		t.Fatalf("the owner's account changed: %+v", a)
	}
	if _, err := fe.store.AccountBySubject(context.Background(), fe.up.srv.URL, "intruder"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the intruder is bound to an account: %v", err)
	}
	// The owner still signs in.
	redirectLocation(t, fe.signInFederated(fe.browser(), "/login", first), http.StatusFound)
}

// TestFederatedEmailVouching: creating or linking an account needs the upstream to vouch
// for the email: email_verified true (a string "true" too, as some providers send it). A
// missing claim is refused by default, with a page saying why, and accepted with
// AllowMissingEmailVerified; false is always refused. An account linked by email before
// subjects were stored is bound at its next sign-in.
func TestFederatedEmailVouching(t *testing.T) {
	unasserted := person("alice@example.com", "up-1", "agent")
	delete(unasserted, "email_verified")
	t.Run("missing: refused by default", func(t *testing.T) {
		fe := newFedEnv(t)
		for _, email := range []string{"alice@example.com", "x@upstream.test"} { // existing, new
			c := person(email, "up-1", "agent")
			delete(c, "email_verified")
			p := fe.signInFederated(fe.browser(), "/login", c)
			wantFedPage(t, p, http.StatusForbidden, flows.DetailNotAuthorised, textNotAuthorised)
			if !strings.Contains(p.text(), "Your email address at Upstream is not verified.") {
				t.Errorf("the page does not say why:\n%s", p.body)
			}
		}
		if _, err := fe.store.AccountByLogin(context.Background(), "x@upstream.test"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an account was created: %v", err)
		}
		if up := upstreamOf(t, fe, aliceID); up != [2]string{} {
			t.Fatalf("alice was bound to %v", up)
		}
	})
	t.Run("missing: AllowMissingEmailVerified links", func(t *testing.T) {
		fe := newFedEnv(t, func(c *federation.Config) { c.AllowMissingEmailVerified = true })
		redirectLocation(t, fe.signInFederated(fe.browser(), "/login", unasserted), http.StatusFound)
		if up := upstreamOf(t, fe, aliceID); up[1] != "sub-alice@example.com" {
			t.Fatalf("alice bound to %v", up)
		}
		false_ := person("bob@example.com", "up-2", "agent")
		false_["email_verified"] = false
		wantFedPage(t, fe.signInFederated(fe.browser(), "/login", false_), http.StatusForbidden, flows.DetailNotAuthorised, textNotAuthorised)
	})
	t.Run("as strings", func(t *testing.T) {
		fe := newFedEnv(t)
		c := person("alice@example.com", "up-1", "agent")
		c["email_verified"] = "false"
		wantFedPage(t, fe.signInFederated(fe.browser(), "/login", c), http.StatusForbidden, flows.DetailNotAuthorised, textNotAuthorised)
		c["email_verified"] = "true"
		redirectLocation(t, fe.signInFederated(fe.browser(), "/login", c), http.StatusFound)
		if up := upstreamOf(t, fe, aliceID); up[1] != "sub-alice@example.com" {
			t.Fatalf("alice bound to %v", up)
		}
	})
	t.Run("linked before subjects were stored", func(t *testing.T) {
		fe := newFedEnv(t)
		a, _ := fe.store.Account(context.Background(), aliceID)
		a.PasswordLoginDisabled = true
		if err := fe.store.PutAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		redirectLocation(t, fe.signInFederated(fe.browser(), "/login", person("alice@example.com", "up-1", "agent")), http.StatusFound)
		if up := upstreamOf(t, fe, aliceID); up != [2]string{fe.up.srv.URL, "sub-alice@example.com"} {
			t.Fatalf("alice bound to %v", up)
		}
	})
}
