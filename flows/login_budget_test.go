package flows_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
)

// loginFrom posts the password sign-in form as a fresh browser at addr (its own CSRF
// cookie and token) and returns the answer's Location and whether it set a session.
func loginFrom(t *testing.T, e *env, addr, email, pw string) (*url.URL, bool) {
	t.Helper()
	u, signedIn, _ := loginWith(t, e, addr, email, pw, nil)
	return u, signedIn
}

// loginWith is loginFrom for a browser that also holds cookies; it returns the cookies
// the answer set too.
func loginWith(t *testing.T, e *env, addr, email, pw string, cookies []*http.Cookie) (*url.URL, bool, []*http.Cookie) {
	t.Helper()
	h := e.flows.Handler()
	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, e.srv.URL+"/old-login", nil))
	csrf := sessionCookieOf(t, get.Result().Cookies(), "oauthkit_csrf")
	_, form := pageForm(t, page{get.Result(), get.Body.String()}, url.Values{"email": {email}, "password": {pw}})
	req := httptest.NewRequest(http.MethodPost, e.srv.URL+"/old-login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(csrf)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in POST: %d, want 303\n%s", rec.Code, rec.Body)
	}
	u, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	signedIn := false
	for _, c := range rec.Result().Cookies() {
		signedIn = signedIn || (c.Name == "oauthkit_session" && c.Value != "")
	}
	return u, signedIn, rec.Result().Cookies()
}

// TestLoginAccountBudget (R-SEC-3, R-LOGIN-1): guesses at one account spread over many
// addresses, each under the per-address limit, slow that account's password sign-in down
// once they pass Limits.AccountFailures: one real check per Limits.AccountSlowdown, other
// attempts answered at once with too_many_attempts, even with the right password. It
// never locks the person out: after the delay the right password signs in. Other accounts
// are not slowed, and an unknown email is treated alike, so nothing tells which exist.
func TestLoginAccountBudget(t *testing.T) {
	e := newEnv(t, func(c *signin.Config) {
		c.Limits.AccountFailures = 3
		c.Limits.AccountSlowdown = 10 * time.Second
	})
	addr := func(i int) string { return fmt.Sprintf("192.0.2.%d:4000", i) }
	wantCode := func(u *url.URL, signedIn bool, code string) {
		t.Helper()
		if signedIn || u.Path != "/old-login" || u.Query().Get("identity_exception") != code {
			t.Fatalf("sent to %q (signed in %v), want identity_exception=%s", u, signedIn, code)
		}
	}
	for _, email := range []string{"alice@example.com", "nobody@example.com"} {
		for i := range 3 { // one guess from each of three addresses
			u, in := loginFrom(t, e, addr(i), email, "guess")
			wantCode(u, in, flows.IdentityUnauthorized)
		}
		// Past the budget: one more check is made at once...
		u, in := loginFrom(t, e, addr(3), email, "guess")
		wantCode(u, in, flows.IdentityUnauthorized)
		// ... and within the delay, nothing is checked, from any address.
		u, in = loginFrom(t, e, addr(4), email, alicePW)
		wantCode(u, in, flows.IdentityTooManyAttempts)
		e.clock.Advance(5 * time.Second)
		u, in = loginFrom(t, e, addr(5), email, alicePW)
		wantCode(u, in, flows.IdentityTooManyAttempts)
		e.clock.Advance(5 * time.Second)
	}
	// After the delay the person signs in: slowed, never locked.
	if u, in := loginFrom(t, e, addr(6), "alice@example.com", alicePW); !in || u.String() != "/old-login" {
		t.Fatalf("the right password after the delay: sent to %q, signed in %v", u, in)
	}
	// Another account is not slowed.
	if _, in := loginFrom(t, e, addr(4), "bob@example.com", bobPW); !in {
		t.Fatal("bob was slowed by guesses at alice")
	}
	// The page says what happened.
	b := e.browser()
	p := b.get("/old-login?identity_exception=too_many_attempts")
	if !strings.Contains(p.body, "too many sign-in attempts for this account") {
		t.Fatalf("login page:\n%s", p.body)
	}
	// The window ends: the budget starts afresh.
	e.clock.Advance(15 * time.Minute)
	for i := range 3 {
		u, in := loginFrom(t, e, addr(i), "alice@example.com", "guess")
		wantCode(u, in, flows.IdentityUnauthorized)
	}
	if _, in := loginFrom(t, e, addr(7), "alice@example.com", alicePW); !in {
		t.Fatal("a new window starts slowed")
	}
}

// TestLoginAccountBudgetDevice (R-SEC-3): the owner is not slowed on a browser where they
// signed in with their password before (its device cookie), while guesses elsewhere slow
// the account down; a device cookie names one login, and one that failed
// ClientAuthMaxFailures times is ignored, so a copy of it is no way around the slowdown.
func TestLoginAccountBudgetDevice(t *testing.T) {
	e := newEnv(t, func(c *signin.Config) {
		c.Limits.AccountFailures = 3
		c.Limits.Failures = 2
	})
	const home = "198.51.100.7:5000"
	_, in, set := loginWith(t, e, home, "alice@example.com", alicePW, nil)
	var device *http.Cookie
	for _, c := range set {
		if c.Name == "oauthkit_device" {
			device = c
		}
	}
	if !in || device == nil || !device.HttpOnly || device.MaxAge < 30*24*3600 {
		t.Fatalf("signed in %v, device cookie %v", in, device)
	}
	for i := range 4 { // the attack: the account is slowed
		loginFrom(t, e, fmt.Sprintf("192.0.2.%d:4000", 10+i), "alice@example.com", "guess")
	}
	if u, _ := loginFrom(t, e, "192.0.2.9:4000", "alice@example.com", alicePW); u.Query().Get("identity_exception") != flows.IdentityTooManyAttempts {
		t.Fatalf("the account is not slowed: %q", u)
	}
	// The owner's browser is not slowed: a typo, then the right password, at once.
	if u, in, _ := loginWith(t, e, home, "alice@example.com", "typo", []*http.Cookie{device}); in || u.Query().Get("identity_exception") != flows.IdentityUnauthorized {
		t.Fatalf("the owner's typo: %q", u)
	}
	if u, in, _ := loginWith(t, e, home, "alice@example.com", alicePW, []*http.Cookie{device}); !in {
		t.Fatalf("the owner on their browser was slowed: %q", u)
	}
	// The cookie is alice's only.
	for i := range 4 {
		loginFrom(t, e, fmt.Sprintf("192.0.2.%d:4000", 20+i), "bob@example.com", "guess")
	}
	if u, _, _ := loginWith(t, e, "192.0.2.22:4000", "bob@example.com", bobPW, []*http.Cookie{device}); u.Query().Get("identity_exception") != flows.IdentityTooManyAttempts {
		t.Fatalf("alice's device cookie let bob's sign-in skip the slowdown: %q", u)
	}
	// A copy used to guess, from fresh addresses: after two failures it is ignored.
	for i := range 2 {
		loginWith(t, e, fmt.Sprintf("203.0.113.%d:4000", 1+i), "alice@example.com", "guess", []*http.Cookie{device})
	}
	if u, _, _ := loginWith(t, e, "203.0.113.9:4000", "alice@example.com", alicePW, []*http.Cookie{device}); u.Query().Get("identity_exception") != flows.IdentityTooManyAttempts {
		t.Fatalf("a device cookie that failed twice still skips the slowdown: %q", u)
	}
}
