package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
)

// TestFederatedStateChecks: a callback is accepted once, only in the browser that started
// the sign-in, with its state, within 10 minutes; anything else goes back to sign-in with
// identity_exception=invalid_request and nothing is exchanged.
func TestFederatedStateChecks(t *testing.T) {
	alice := person("alice@example.com", "up-1", "agent")
	wantInvalid := func(t *testing.T, fe *fedEnv, p page) {
		t.Helper()
		u := redirectLocation(t, p, http.StatusFound)
		if u.Path != "/login" || u.Query().Get("identity_exception") != flows.IdentityInvalidRequest {
			t.Fatalf("sent to %q, want /login?identity_exception=invalid_request", u)
		}
		noSessionCookie(t, p)
		if a, _ := fe.store.Account(context.Background(), aliceID); a.PasswordLoginDisabled {
			t.Fatal("a refused callback linked the account")
		}
	}
	t.Run("another browser", func(t *testing.T) {
		fe := newFedEnv(t)
		cb := fe.authorizeUpstream(fe.startFederated(fe.browser(), "/login"), alice)
		wantInvalid(t, fe, fe.browser().getOnce(strings.TrimPrefix(cb, fe.srv.URL)))
	})
	t.Run("state changed", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		cb, _ := url.Parse(fe.authorizeUpstream(fe.startFederated(b, "/login"), alice))
		q := cb.Query()
		q.Set("state", q.Get("state")+"x")
		wantInvalid(t, fe, b.getOnce("/login/callback?"+q.Encode()))
	})
	t.Run("no state", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		cb, _ := url.Parse(fe.authorizeUpstream(fe.startFederated(b, "/login"), alice))
		q := cb.Query()
		q.Del("state")
		wantInvalid(t, fe, b.getOnce("/login/callback?"+q.Encode()))
	})
	t.Run("replayed with a copy of the cookie", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		authURL := fe.startFederated(b, "/login")
		srvURL, _ := url.Parse(fe.srv.URL)
		saved := b.c.Jar.Cookies(srvURL)
		cb := strings.TrimPrefix(fe.authorizeUpstream(authURL, person("x@upstream.test", "up-1", "agent")), fe.srv.URL)
		redirectLocation(t, b.getOnce(cb), http.StatusFound)
		thief := fe.browser()
		thief.c.Jar.SetCookies(srvURL, saved)
		wantInvalid(t, fe, thief.getOnce(cb))
		if !strings.Contains(fe.logs.String(), "already used") {
			t.Errorf("log:\n%s", fe.logs)
		}
	})
	t.Run("expired", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		cb := fe.authorizeUpstream(fe.startFederated(b, "/login"), alice)
		fe.clock.Advance(10*time.Minute + time.Second)
		wantInvalid(t, fe, b.getOnce(strings.TrimPrefix(cb, fe.srv.URL)))
	})
	t.Run("cancelled at the upstream", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		authURL, _ := url.Parse(fe.startFederated(b, "/login?return_to=%2Fx"))
		q := url.Values{"error": {"access_denied"}, "state": {authURL.Query().Get("state")}, "iss": {fe.up.srv.URL}}
		u := redirectLocation(t, b.getOnce("/login/callback?"+q.Encode()), http.StatusFound)
		wantQuery(t, u.Query(), map[string]string{"identity_exception": flows.IdentityAccessDenied, "return_to": "/x"})
	})
	t.Run("upstream error", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		authURL, _ := url.Parse(fe.startFederated(b, "/login"))
		q := url.Values{"error": {"unauthorized_client"}, "state": {authURL.Query().Get("state")}, "iss": {fe.up.srv.URL}}
		wantFedPage(t, b.getOnce("/login/callback?"+q.Encode()), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
	})
	t.Run("iss of another issuer (mix-up)", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		cb, _ := url.Parse(fe.authorizeUpstream(fe.startFederated(b, "/login"), alice))
		q := cb.Query()
		q.Set("iss", "https://evil.example")
		wantFedPage(t, b.getOnce("/login/callback?"+q.Encode()), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
		q.Del("iss") // and none, when the upstream says it sends one
		b2 := fe.browser()
		cb2, _ := url.Parse(fe.authorizeUpstream(fe.startFederated(b2, "/login"), alice))
		q2 := cb2.Query()
		q2.Del("iss")
		wantFedPage(t, b2.getOnce("/login/callback?"+q2.Encode()), 502, flows.DetailOAuthConfiguration, textOAuthConfig)
	})
	t.Run("POST", func(t *testing.T) {
		fe := newFedEnv(t)
		req, _ := http.NewRequest(http.MethodPost, fe.srv.URL+"/login/callback", nil)
		if p := fe.browser().once(req); p.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("POST callback: %d", p.StatusCode)
		}
	})
}

// TestFederatedLongReturnTo: a return_to too long for the sign-in cookie is dropped (the
// person lands on the sign-in page, signed in) rather than making a cookie browsers refuse.
func TestFederatedLongReturnTo(t *testing.T) {
	fe := newFedEnv(t)
	b := fe.browser()
	long := "/?" + authzQuery(url.Values{"state": {strings.Repeat("s", 3000)}}).Encode()
	p := b.getOnce("/login?" + url.Values{"return_to": {long}}.Encode())
	for _, c := range p.Cookies() {
		if strings.HasPrefix(c.Name, "oauthkit_fed_") && len(c.String()) > 4000 {
			t.Fatalf("sign-in cookie of %d bytes", len(c.String()))
		}
	}
	cb := fe.authorizeUpstream(p.Header.Get("Location"), person("x@upstream.test", "up-1", "agent"))
	if u := redirectLocation(t, b.getOnce(strings.TrimPrefix(cb, fe.srv.URL)), http.StatusFound); u.String() != "/old-login" {
		t.Fatalf("sent to %q, want /old-login", u)
	}
}
