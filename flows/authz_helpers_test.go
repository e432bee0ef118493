package flows_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// Helpers shared by the authorization-side tests (authorize_test.go, consent_test.go,
// login_test.go, pages_test.go).

// authzQuery is a valid authorization request of conf-app for agent scopes, with set
// replacing parameters and drop removing them.
func authzQuery(set url.Values, drop ...string) url.Values {
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {confID},
		"redirect_uri":  {confRedirect},
		"scope":         {agentScopes},
		"state":         {"st-1"},
	}
	for k, v := range set {
		q[k] = v
	}
	for _, k := range drop {
		delete(q, k)
	}
	return q
}

// once sends req through b's cookie jar and returns the first response, without following
// any redirect.
func (b *browser) once(req *http.Request) page {
	b.e.t.Helper()
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp, string(body)}
}

// getOnce GETs path on the server without following redirects.
func (b *browser) getOnce(path string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.once(req)
}

// pageForm returns the action and the fields of the first form of p: its hidden fields,
// then fields (which replace them; an empty value list removes the field).
func pageForm(t *testing.T, p page, fields url.Values) (string, url.Values) {
	t.Helper()
	m := formRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form on the page (status %d):\n%s", p.StatusCode, p.body)
	}
	form := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		if len(v) == 0 {
			delete(form, k)
			continue
		}
		form[k] = v
	}
	return html.UnescapeString(m[1]), form
}

// formPost builds a form POST to path on the server carrying hdr; a nil hdr means the
// headers of a same-origin browser form submission.
func (b *browser) formPost(path string, form url.Values, hdr http.Header) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if hdr == nil {
		hdr = http.Header{"Origin": {b.e.srv.URL}, "Sec-Fetch-Site": {"same-origin"}}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	return req
}

// submitOnce submits the first form of p like [browser.submit] and returns the first
// response, without following redirects. hdr as in [browser.formPost].
func (b *browser) submitOnce(p page, fields url.Values, hdr http.Header) page {
	b.e.t.Helper()
	action, form := pageForm(b.e.t, p, fields)
	return b.once(b.formPost(action, form, hdr))
}

// sessionValue returns the value of the session cookie b holds for the server, or "".
func (b *browser) sessionValue() string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "oauthkit_session" {
			return c.Value
		}
	}
	return ""
}

// setSessionValue plants a session cookie in b, as an attacker or an old copy would.
func (b *browser) setSessionValue(v string) {
	u, _ := url.Parse(b.e.srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "oauthkit_session", Value: v, Path: "/"}})
}

// signedInAs signs b in and fails the test unless the sign-in succeeded.
func (b *browser) signedInAs(login, pw string) {
	b.e.t.Helper()
	p := b.signIn(login, pw)
	if b.sessionValue() == "" || isLoginPage(p) {
		b.e.t.Fatalf("sign-in as %s failed: status %d\n%s", login, p.StatusCode, p.body)
	}
}

// redirectLocation parses the Location of a redirect with the given status.
func redirectLocation(t *testing.T, p page, status int) *url.URL {
	t.Helper()
	if p.StatusCode != status {
		t.Fatalf("status %d, want %d; Location %q; body:\n%s", p.StatusCode, status, p.Header.Get("Location"), p.body)
	}
	u, err := url.Parse(p.Header.Get("Location"))
	if err != nil {
		t.Fatalf("Location %q: %v", p.Header.Get("Location"), err)
	}
	return u
}

// errorPageRedirect asserts that p is a redirect with status to the error page on this
// server (never anywhere else), and returns its query.
func errorPageRedirect(t *testing.T, p page, status int) url.Values {
	t.Helper()
	u := redirectLocation(t, p, status)
	if u.Scheme != "" || u.Host != "" || u.Path != "/ooops" {
		t.Fatalf("redirect to %q, want the error page /ooops on this server", u)
	}
	return u.Query()
}

// clientRedirect asserts that p is a redirect with status to redirect (the client), and
// returns its query.
func clientRedirect(t *testing.T, p page, status int, redirect string) url.Values {
	t.Helper()
	if p.StatusCode != status {
		t.Fatalf("status %d, want %d; Location %q; body:\n%s", p.StatusCode, status, p.Header.Get("Location"), p.body)
	}
	return callback(t, p, redirect)
}

// wantQuery fails unless q holds exactly want (every key, one value each).
func wantQuery(t *testing.T, q url.Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := q[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q (query %v)", k, got, v, q)
		}
	}
	for k := range q {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected parameter %s=%q (query %v)", k, q[k], q)
		}
	}
}

// wantClientError checks an error response at the client (RFC 6749 §4.1.2.1, RFC 9207):
// exactly error, error_description, iss, and state when the request carried one.
// error_description must be non-empty and within RFC 6749's character set.
func wantClientError(t *testing.T, e *env, q url.Values, code, state string) {
	t.Helper()
	desc := q.Get("error_description")
	if desc == "" {
		t.Errorf("error_description is missing (query %v)", q)
	}
	for i := 0; i < len(desc); i++ {
		if c := desc[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Errorf("error_description %q has a character RFC 6749 forbids", desc)
			break
		}
	}
	want := map[string]string{"error": code, "error_description": desc, "iss": e.srv.URL}
	if state != "" {
		want["state"] = state
	}
	wantQuery(t, q, want)
}

// storedCode looks an issued authorization code up in the store.
func (e *env) storedCode(code string) store.AuthorizationCode {
	e.t.Helper()
	c, err := e.store.Code(context.Background(), e.hasher.Hash(code), e.clock.Now())
	if err != nil {
		e.t.Fatalf("code %q is not in the store: %v", code, err)
	}
	return c
}

// putClient stores c, failing the test on error.
func (e *env) putClient(c store.Client) {
	e.t.Helper()
	if err := e.store.PutClient(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
}

// storedClient returns the stored client with id.
func (e *env) storedClient(id string) store.Client {
	e.t.Helper()
	c, err := e.store.Client(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

var buttonRe = regexp.MustCompile(`<button\b[^>]*>`)
var attrRe = regexp.MustCompile(`\b([a-z-]+)="([^"]*)"`)

// submitButtons returns the name=value of every submit button of p.
func submitButtons(p page) []string {
	var out []string
	for _, tag := range buttonRe.FindAllString(p.body, -1) {
		attrs := map[string]string{}
		for _, a := range attrRe.FindAllStringSubmatch(tag, -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		if attrs["type"] == "submit" {
			out = append(out, attrs["name"]+"="+attrs["value"])
		}
	}
	slices.Sort(out)
	return out
}

// text is p's body with HTML character references decoded, for matching prose.
func (p page) text() string { return html.UnescapeString(p.body) }

// noSessionCookie fails if p sets a live session cookie.
func noSessionCookie(t *testing.T, p page) {
	t.Helper()
	for _, c := range p.Cookies() {
		if strings.Contains(c.Name, "oauthkit_session") && c.MaxAge >= 0 {
			t.Errorf("response sets a session cookie: %v", c)
		}
	}
}

// sessionCookieOf returns the cookie named name among cookies, failing if there is none.
func sessionCookieOf(t *testing.T, cookies []*http.Cookie, name string) *http.Cookie {
	t.Helper()
	for _, c := range cookies {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie among %v", name, cookies)
	return nil
}

// wantCookie checks the attributes of a session or CSRF cookie (R-LOGIN-4).
func wantCookie(t *testing.T, c *http.Cookie, secure bool) {
	t.Helper()
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != secure || c.Value == "" {
		t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Domain=%q Secure=%v, want HttpOnly, Lax, /, no Domain, Secure=%v",
			c.Name, c.HttpOnly, c.SameSite, c.Path, c.Domain, c.Secure, secure)
	}
}
