package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLoginPageNamesTheApp: the sign-in page says which app's authorization request
// brought the person there; nothing for a return_to that is not one, or an unknown client.
func TestLoginPageNamesTheApp(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.get("/?" + authzQuery(nil).Encode()) // not signed in: sent to sign in
	if !isLoginPage(p) || !strings.Contains(p.body, "<strong>Conf App</strong> asks you to sign in.") {
		t.Fatalf("sign-in page for conf-app's request:\n%s", p.body)
	}
	for _, returnTo := range []string{"/x?client_id=" + confID, "/?client_id=unknown", "/authorize?client_id=" + pubID} {
		p := b.get("/old-login?" + url.Values{"return_to": {returnTo}}.Encode())
		named := strings.Contains(p.body, "asks you to sign in")
		if want := returnTo == "/authorize?client_id="+pubID; named != want {
			t.Errorf("return_to %s: app named %v, want %v\n%s", returnTo, named, want, p.body)
		}
	}
}

// TestLoginPageOffersToContinue: a signed-in person who lands on the sign-in page on the
// way somewhere is offered to continue there as themselves, besides signing in as someone
// else (the form).
func TestLoginPageOffersToContinue(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)
	request := "/?" + authzQuery(nil).Encode()
	p := b.get("/old-login?" + url.Values{"return_to": {request}}.Encode())
	want := `<a class="primary" href="` + request + `">Continue as alice@example.com</a>`
	if !strings.Contains(p.text(), want) || !isLoginPage(p) {
		t.Fatalf("page lacks %s and the form:\n%s", want, p.body)
	}
	if !isConsentPage(b.get(request)) {
		t.Fatal("continuing does not reach consent")
	}
	// Going nowhere in particular: who is signed in, and sign out.
	if p := b.get("/old-login"); strings.Contains(p.body, "Continue as") || !strings.Contains(p.body, "Sign out") {
		t.Fatalf("page without return_to:\n%s", p.body)
	}
}

// TestLoginPageAfterSignOut: after signing out, the sign-in page says so; with federated
// sign-in it waits there instead of sending the person straight back to the upstream
// (which would sign them in again).
func TestLoginPageAfterSignOut(t *testing.T) {
	fe := newFedEnv(t)
	b := fe.browser()
	redirectLocation(t, fe.signInFederated(b, "/login", person("x@upstream.test", "up-1", "agent")), http.StatusFound)
	r := b.submitOnce(b.get("/logout"), nil, nil)
	u := redirectLocation(t, r, http.StatusSeeOther)
	p := b.getOnce(u.String())
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, "You are signed out.") || !strings.Contains(p.body, "Sign in with Upstream") {
		t.Fatalf("after sign-out, %s answers %d:\n%s", u, p.StatusCode, p.body)
	}
	if b.sessionValue() != "" {
		t.Fatal("still signed in")
	}
	// Someone signed in who follows such a link is not told they are signed out.
	b.signedInAs("bob@example.com", bobPW)
	if p := b.get("/old-login?signed_out=1"); strings.Contains(p.body, "You are signed out.") {
		t.Fatalf("a signed-in person is told they are signed out:\n%s", p.body)
	}
}

// TestLoginPageTypedEmail: the email of a failed sign-in is filled in once, from a sealed
// cookie; a forged cookie fills in nothing.
func TestLoginPageTypedEmail(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	r := b.submitOnce(b.get("/old-login"), url.Values{"email": {"alice@example.com"}, "password": {"wrong"}}, nil)
	u := redirectLocation(t, r, http.StatusSeeOther)
	if p := b.get(u.String()); !strings.Contains(p.body, `value="alice@example.com"`) {
		t.Fatalf("the typed email is not filled in:\n%s", p.body)
	}
	if p := b.get(u.String()); strings.Contains(p.body, `value="alice@example.com"`) {
		t.Fatal("the typed email is filled in twice")
	}
	srv, _ := url.Parse(e.srv.URL)
	b.c.Jar.SetCookies(srv, []*http.Cookie{{Name: "oauthkit_login_email", Value: "YWxpY2VAZXhhbXBsZS5jb20", Path: "/"}})
	if p := b.get(u.String()); strings.Contains(p.body, `value="alice@example.com"`) {
		t.Fatal("a forged cookie filled in the email")
	}
}
