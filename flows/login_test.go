package flows_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
)

// TestLoginFailures: failed password sign-ins answer 303 to /old-login with
// identity_exception; a wrong password and an unknown email look alike;
// credentials_login_disabled is told only to whoever knows the password; the page then
// explains the error and keeps the typed email, which is never in the URL (R-LOGIN-1,
// R-LOGIN-3, R-ERR-3, R-SEC-4).
func TestLoginFailures(t *testing.T) {
	const (
		unauthorized = "The email or password is not correct."
		disabled     = "Password sign-in is disabled for this account. Use your organization&#39;s sign-in instead."
		invalid      = "The sign-in request was not valid. Please try again."
	)
	tests := []struct {
		name, email, pw   string
		disable           bool // alice has PasswordLoginDisabled
		code, entity, msg string
	}{
		{name: "wrong password", email: "alice@example.com", pw: "wrong", code: "unauthorized", entity: "alice@example.com", msg: unauthorized},
		{name: "unknown email", email: "nobody@example.com", pw: "wrong", code: "unauthorized", entity: "nobody@example.com", msg: unauthorized},
		{name: "unknown email, case and space", email: " Nobody@Example.com", pw: alicePW, code: "unauthorized", entity: "nobody@example.com", msg: unauthorized},
		{name: "another account's password", email: "alice@example.com", pw: bobPW, code: "unauthorized", entity: "alice@example.com", msg: unauthorized},
		{name: "password login disabled, right password", email: "alice@example.com", pw: alicePW, disable: true, code: "credentials_login_disabled", entity: "alice@example.com", msg: disabled},
		{name: "password login disabled, wrong password", email: "alice@example.com", pw: "wrong", disable: true, code: "unauthorized", entity: "alice@example.com", msg: unauthorized},
		{name: "empty password", email: "alice@example.com", pw: "", code: "invalid_request", entity: "alice@example.com", msg: invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.disable {
				a, err := e.store.Account(context.Background(), aliceID)
				if err != nil {
					t.Fatal(err)
				}
				a.PasswordLoginDisabled = true
				if err := e.store.PutAccount(context.Background(), a); err != nil {
					t.Fatal(err)
				}
			}
			b := e.browser()
			r := b.submitOnce(b.get("/old-login"), url.Values{"email": {tt.email}, "password": {tt.pw}}, nil)
			u := redirectLocation(t, r, http.StatusSeeOther)
			if u.Scheme != "" || u.Host != "" || u.Path != "/old-login" {
				t.Fatalf("failed sign-in sent to %q, want /old-login", u)
			}
			wantQuery(t, u.Query(), map[string]string{"identity_exception": tt.code})
			if loc := r.Header.Get("Location"); strings.Contains(loc, "example.com") {
				t.Errorf("the typed email is in the URL %q", loc)
			}
			noSessionCookie(t, r)
			if b.sessionValue() != "" {
				t.Fatal("a failed sign-in left a session cookie")
			}

			p := b.get(u.String())
			if p.StatusCode != http.StatusOK || !isLoginPage(p) {
				t.Fatalf("login page after the failure: %d\n%s", p.StatusCode, p.body)
			}
			if !strings.Contains(p.body, `role="alert">`+tt.msg) || !strings.Contains(p.body, "<code>"+tt.code+"</code>") {
				t.Errorf("login page does not explain %s:\n%s", tt.code, p.body)
			}
			if !strings.Contains(p.body, `value="`+tt.entity+`"`) {
				t.Errorf("login page does not keep the email %s", tt.entity)
			}
		})
	}
}

// TestLoginCaseAndSpace: the login is compared case-insensitively, surrounding spaces
// trimmed (R-LOGIN-1); without return_to the person lands on the sign-in page, signed in.
func TestLoginCaseAndSpace(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	r := b.submitOnce(b.get("/old-login"), url.Values{"email": {"ALICE@example.com "}, "password": {alicePW}}, nil)
	if u := redirectLocation(t, r, http.StatusSeeOther); u.String() != "/old-login" {
		t.Fatalf("signed-in person sent to %q, want /old-login", u)
	}
	if p := b.get("/old-login"); !strings.Contains(p.body, "You are signed in as <strong>alice@example.com</strong>") {
		t.Fatalf("sign-in page does not show the account:\n%s", p.body)
	}
}

// TestLoginThrottled: after ClientAuthMaxFailures failures for one login within the window,
// even the right password is refused, with the same generic answer; the window ends by the
// clock (R-LOGIN-1, R-SEC-3).
func TestLoginThrottled(t *testing.T) {
	e := newEnv(t, func(c *signin.Config) { c.Limits.Failures = 3 })
	try := func(pw string) url.Values {
		b := e.browser()
		r := b.submitOnce(b.get("/old-login"), url.Values{"email": {"alice@example.com"}, "password": {pw}}, nil)
		return redirectLocation(t, r, http.StatusSeeOther).Query()
	}
	for range 3 {
		try("wrong")
	}
	wantQuery(t, try(alicePW), map[string]string{"identity_exception": "unauthorized"})
	e.clock.Advance(5 * time.Minute)
	if q := try(alicePW); len(q) != 0 {
		t.Fatalf("sign-in after the window: %v", q)
	}
}

// TestLoginPostRefused: a sign-in POST without a valid CSRF token or from another site is
// sent back to /old-login with identity_exception=invalid_request and starts no session
// (R-LOGIN-4, R-ERR-3).
func TestLoginPostRefused(t *testing.T) {
	tests := []struct {
		name   string
		fields url.Values
		hdr    http.Header
	}{
		{name: "no csrf_token", fields: url.Values{"csrf_token": nil}},
		{name: "wrong csrf_token", fields: url.Values{"csrf_token": {"x"}}},
		{name: "Sec-Fetch-Site cross-site", hdr: http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{name: "foreign Origin", hdr: http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser()
			fields := url.Values{"email": {"alice@example.com"}, "password": {alicePW}}
			for k, v := range tt.fields {
				fields[k] = v
			}
			r := b.submitOnce(b.get("/old-login"), fields, tt.hdr)
			u := redirectLocation(t, r, http.StatusSeeOther)
			if u.Path != "/old-login" {
				t.Fatalf("sent to %q, want /old-login", u)
			}
			wantQuery(t, u.Query(), map[string]string{"identity_exception": "invalid_request"})
			noSessionCookie(t, r)
			if b.sessionValue() != "" {
				t.Fatal("a refused sign-in left a session cookie")
			}
		})
	}
}

// TestSessionCookieHTTP: over http the session and CSRF cookies are HttpOnly, SameSite=Lax,
// Path=/, host-only, not Secure, and the session lasts SessionLifetime (R-LOGIN-4).
func TestSessionCookieHTTP(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	login := b.getOnce("/old-login")
	wantCookie(t, sessionCookieOf(t, login.Cookies(), "oauthkit_csrf"), false)
	r := b.submitOnce(login, url.Values{"email": {"alice@example.com"}, "password": {alicePW}}, nil)
	c := sessionCookieOf(t, r.Cookies(), "oauthkit_session")
	wantCookie(t, c, false)
	if c.MaxAge != 12*60*60 {
		t.Errorf("session cookie Max-Age = %d, want 43200", c.MaxAge)
	}
	if !strings.HasPrefix(c.Value, "oak:se_") || len(c.Value) < len("oak:se_")+43 {
		t.Errorf("session id %q is not a prefixed 256-bit secret", c.Value)
	}
}

// TestSessionCookieHTTPS: with an https issuer the cookies are Secure and carry the
// __Host- prefix (R-LOGIN-4).
func TestSessionCookieHTTPS(t *testing.T) {
	var cfg flows.Config
	newEnv(t, func(c *flows.Config) { cfg = *c })
	cfg.Issuer = "https://as.example"
	si, err := signin.New(signin.Config{Storage: cfg.Storage.(signin.Storage)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Authenticator = si
	s, err := flows.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()

	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, "https://as.example/old-login", nil))
	csrf := sessionCookieOf(t, get.Result().Cookies(), "__Host-oauthkit_csrf")
	wantCookie(t, csrf, true)
	_, form := pageForm(t, page{get.Result(), get.Body.String()}, url.Values{"email": {"alice@example.com"}, "password": {alicePW}})

	req := httptest.NewRequest(http.MethodPost, "https://as.example/old-login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://as.example")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(csrf)
	post := httptest.NewRecorder()
	h.ServeHTTP(post, req)
	if post.Code != http.StatusSeeOther || post.Header().Get("Location") != "/old-login" {
		t.Fatalf("sign-in: %d %q", post.Code, post.Header().Get("Location"))
	}
	cookies := post.Result().Cookies()
	wantCookie(t, sessionCookieOf(t, cookies, "__Host-oauthkit_session"), true)
	for _, c := range cookies {
		if c.Name == "oauthkit_session" {
			t.Errorf("an unprefixed session cookie was set: %v", c)
		}
	}
}

// TestSessionFixation: a session id present before sign-in, planted or left from an
// earlier sign-in, is replaced and stops working (R-LOGIN-4).
func TestSessionFixation(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.setSessionValue("oak:se_planted-by-an-attacker")
	b.signedInAs("alice@example.com", alicePW)
	first := b.sessionValue()
	if first == "oak:se_planted-by-an-attacker" {
		t.Fatal("the planted session id survived sign-in")
	}
	// Signed in, /old-login shows the sign-in form only on the way to somewhere.
	p := b.submit(b.get("/old-login?return_to=%2Flogout"), url.Values{"email": {"root@example.com"}, "password": {rootPW}})
	if !strings.Contains(p.body, "<strong>root@example.com</strong>") {
		t.Fatalf("second sign-in failed:\n%s", p.body)
	}
	if b.sessionValue() == first {
		t.Fatal("signing in again kept the session id")
	}
	old := e.browser()
	old.setSessionValue(first)
	if p := old.getOnce("/?" + authzQuery(nil).Encode()); redirectLocation(t, p, http.StatusFound).Path != "/login" {
		t.Fatal("the replaced session id still signs in")
	}
}

// TestSessionEnded: a session ended behind the browser's back (expired by the clock, or all
// the account's sessions ended by a password reset or a remote logout) sends the next
// authorization to sign in with identity_exception=identity_lost, clears the dead cookie,
// and signing in again returns to the request (R-LOGIN-4, R-ERR-3, R-AUTHZ-5).
func TestSessionEnded(t *testing.T) {
	for _, tt := range []struct {
		name string
		end  func(e *env)
	}{
		{"expired", func(e *env) { e.clock.Advance(12 * time.Hour) }},
		{"password reset or remote logout", func(e *env) {
			if err := e.store.DeleteAccountSessions(context.Background(), aliceID); err != nil {
				e.t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser()
			b.signedInAs("alice@example.com", alicePW)
			q := authzQuery(nil)
			if !b.asksConsent(q) {
				t.Fatal("a fresh session did not reach consent")
			}
			e.clock.Advance(11 * time.Hour)
			if !b.asksConsent(q) {
				t.Fatal("the session ended before SessionLifetime")
			}
			tt.end(e)

			r := b.getOnce("/?" + q.Encode())
			u := redirectLocation(t, r, http.StatusFound)
			if u.Path != "/login" {
				t.Fatalf("ended session: sent to %q, want /login", u)
			}
			wantQuery(t, u.Query(), map[string]string{"return_to": "/?" + q.Encode(), "identity_exception": "identity_lost"})
			if c := sessionCookieOf(t, r.Cookies(), "oauthkit_session"); c.MaxAge >= 0 {
				t.Errorf("the dead session cookie is not cleared: %v", c)
			}
			login := b.get(u.String())
			if !strings.Contains(login.body, `role="alert">You have been signed out. Please sign in again.`) {
				t.Fatalf("login page does not say the session ended:\n%s", login.body)
			}
			if p := b.submit(login, url.Values{"email": {"alice@example.com"}, "password": {alicePW}}); !isConsentPage(p) {
				t.Fatalf("signing in again did not return to the request:\n%s", p.body)
			}
		})
	}
}

// TestLogout: GET /logout shows a sign-out form to a signed-in person; POSTing it without
// the CSRF token changes nothing; with it the session ends (server-side too), the cookie
// is cleared, and the next authorization asks to sign in (R-LOGIN-4, R-SEC-4).
func TestLogout(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)
	sid := b.sessionValue()
	form := b.get("/logout")
	if !strings.Contains(form.body, "You are signed in as <strong>alice@example.com</strong>") {
		t.Fatalf("logout page:\n%s", form.body)
	}
	if action, _ := pageForm(t, form, nil); action != "/logout" {
		t.Fatalf("logout form posts to %q", action)
	}

	r := b.submitOnce(form, url.Values{"csrf_token": nil}, nil)
	if u := redirectLocation(t, r, http.StatusSeeOther); u.String() != "/logout" || b.sessionValue() != sid {
		t.Fatalf("logout without CSRF token: sent to %q, session %q", u, b.sessionValue())
	}
	r = b.submitOnce(form, nil, http.Header{"Origin": {"https://evil.example"}})
	if u := redirectLocation(t, r, http.StatusSeeOther); u.String() != "/logout" || b.sessionValue() != sid {
		t.Fatalf("cross-site logout: sent to %q, session %q", u, b.sessionValue())
	}

	r = b.submitOnce(form, nil, nil)
	if u := redirectLocation(t, r, http.StatusSeeOther); u.String() != "/login?signed_out=1" {
		t.Fatalf("after logout sent to %q, want /login?signed_out=1", u)
	}
	if p := b.get("/login?signed_out=1"); !strings.Contains(p.body, "You are signed out.") || !isLoginPage(p) {
		t.Fatalf("sign-in page after logout:\n%s", p.body)
	}
	if c := sessionCookieOf(t, r.Cookies(), "oauthkit_session"); c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("logout does not clear the cookie: %v", c)
	}
	if b.sessionValue() != "" {
		t.Fatal("the browser still holds a session cookie")
	}
	if u := redirectLocation(t, b.getOnce("/?"+authzQuery(nil).Encode()), http.StatusFound); u.Path != "/login" {
		t.Fatalf("authorization after logout sent to %q, want /login", u)
	}
	// A copy of the old cookie is worthless: the session ended on the server.
	copyB := e.browser()
	copyB.setSessionValue(sid)
	if u := redirectLocation(t, copyB.getOnce("/?"+authzQuery(nil).Encode()), http.StatusFound); u.Path != "/login" || u.Query().Get("identity_exception") != "identity_lost" {
		t.Fatalf("the ended session still signs in: sent to %q", u)
	}
	if p := b.get("/logout"); !strings.Contains(p.body, "You are not signed in.") || strings.Contains(p.body, "<form") {
		t.Fatalf("logout page when signed out:\n%s", p.body)
	}
}

// TestLoginReturnTo: return_to only ever leads to a path on this server. Values a browser
// would resolve to another host (scheme-relative, backslash, tab or newline that browsers
// strip, absolute URLs, other schemes) are dropped and the person lands on /old-login.
// Percent-encoded slashes or backslashes are not decoded by browsers in a Location path,
// so "/%2F%2Fevil.example" is a path on this server and may be kept (R-LOGIN-4).
func TestLoginReturnTo(t *testing.T) {
	tests := []struct {
		returnTo string
		want     string // the Location after sign-in
	}{
		{"//evil.example", "/old-login"},
		{"///evil.example", "/old-login"},
		{"https://evil.example/x", "/old-login"},
		{"http:evil.example", "/old-login"},
		{"javascript:alert(1)", "/old-login"},
		{`/\evil.example`, "/old-login"},
		{`\\evil.example`, "/old-login"},
		{"/\t/evil.example", "/old-login"},
		{"/\n/evil.example", "/old-login"},
		{"evil.example", "/old-login"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"/%5Cevil.example", "/%5Cevil.example"},
		{"/.//evil.example", "/evil.example"},
		{"/../..//evil.example", "/evil.example"},
		{"/authorize?client_id=x&state=y", "/authorize?client_id=x&state=y"},
	}
	e := newEnv(t)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	for _, tt := range tests {
		t.Run(tt.returnTo, func(t *testing.T) {
			for _, via := range []string{"query", "form"} {
				b := e.browser()
				login := b.get("/old-login?" + url.Values{"return_to": {tt.returnTo}}.Encode())
				fields := url.Values{"email": {"alice@example.com"}, "password": {alicePW}}
				if via == "form" {
					fields.Set("return_to", tt.returnTo)
				}
				r := b.submitOnce(login, fields, nil)
				loc := r.Header.Get("Location")
				u := redirectLocation(t, r, http.StatusSeeOther)
				if abs := r.Request.URL.ResolveReference(u); abs.Host != host || strings.ContainsAny(loc, "\\\t\r\n") || strings.HasPrefix(loc, "//") {
					t.Fatalf("via %s: Location %q leaves the server", via, loc)
				}
				if loc != tt.want {
					t.Errorf("via %s: Location %q, want %q", via, loc, tt.want)
				}
			}
		})
	}
}

// TestLoginEntry: /login forwards to the password sign-in page with its query, and a
// signed-out GET of /old-login shows the form (R-LOGIN-1).
func TestLoginEntry(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	u := redirectLocation(t, b.getOnce("/login?return_to=%2F%3Fa%3Db"), http.StatusSeeOther)
	if u.String() != "/old-login?return_to=%2F%3Fa%3Db" {
		t.Fatalf("/login forwards to %q", u)
	}
	p := b.get(u.String())
	if _, f := pageForm(t, p, nil); !isLoginPage(p) || f.Get("return_to") != "/?a=b" || f.Get("csrf_token") == "" {
		t.Fatalf("sign-in page form %v:\n%s", f, p.body)
	}
}
