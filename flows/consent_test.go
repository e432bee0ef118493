package flows_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// consentPage signs a new browser in as alice and opens the consent page for q.
func (e *env) consentPage(q url.Values) (*browser, page) {
	e.t.Helper()
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)
	p := b.get(e.authURL(q))
	if !isConsentPage(p) {
		e.t.Fatalf("no consent page (status %d):\n%s", p.StatusCode, p.body)
	}
	return b, p
}

// asksConsent reports whether an authorization request of b for q stops at the consent
// page; otherwise it must be a 302 with a code to the client.
func (b *browser) asksConsent(q url.Values) bool {
	b.e.t.Helper()
	p := b.getOnce("/?" + q.Encode())
	if p.StatusCode == http.StatusOK && isConsentPage(p) {
		return true
	}
	if cb := clientRedirect(b.e.t, p, http.StatusFound, confRedirect); cb.Get("code") == "" {
		b.e.t.Fatalf("neither consent nor a code: %v", cb)
	}
	return false
}

// noGrant fails unless alice has no remembered grant for conf-app.
func (e *env) noGrant() {
	e.t.Helper()
	if g, err := e.store.Grant(context.Background(), aliceID, confID); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatalf("grant = %+v, %v; want none", g, err)
	}
}

// TestConsentPage: the consent page names the app, the account, and each requested scope
// with its catalog description, and offers Allow and Deny (R-AUTHZ-6, R-SCOPE-1).
func TestConsentPage(t *testing.T) {
	e := newEnv(t)
	_, p := e.consentPage(authzQuery(url.Values{"scope": {"chats--my:ro customers:own"}}))
	text := p.text()
	for _, want := range []string{"<strong>Conf App</strong> wants to access your account", "alice@example.com", "Read your chats", "Act for customers", "chats--my:ro", "customers:own"} {
		if !strings.Contains(text, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Read all chats", "Manage agents"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("consent page lists %q, which was not requested", unwanted)
		}
	}
	if got := submitButtons(p); !slices.Equal(got, []string{"decision=allow", "decision=deny"}) {
		t.Errorf("submit buttons = %q, want decision=allow and decision=deny", got)
	}
	if action, form := pageForm(t, p, nil); action != "/" || form.Get("csrf_token") == "" || form.Get("request") == "" {
		t.Errorf("consent form posts to %q with %v", action, form)
	}
}

// TestConsentPageEscapesAppName: the app's name is text, never markup (R-AUTHZ-6).
func TestConsentPageEscapesAppName(t *testing.T) {
	e := newEnv(t)
	c := e.storedClient(confID)
	c.Name = `<img src=x onerror=alert(1)>`
	e.putClient(c)
	_, p := e.consentPage(authzQuery(nil))
	if strings.Contains(p.body, "<img") || !strings.Contains(p.body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatalf("the app name is not escaped:\n%s", p.body)
	}
}

// TestConsentDeny: Deny answers access_denied with state and iss, by 303, and remembers
// nothing (R-AUTHZ-6, R-SEC-4, RFC 9207).
func TestConsentDeny(t *testing.T) {
	for _, mode := range errorModes {
		t.Run(mode.name, func(t *testing.T) {
			e := newEnv(t, mode.mutate)
			b, p := e.consentPage(authzQuery(nil))
			p = b.submitOnce(p, url.Values{"decision": {"deny"}}, nil)
			if mode.name == "to client" {
				wantClientError(t, e, clientRedirect(t, p, http.StatusSeeOther, confRedirect), "access_denied", "st-1")
			} else {
				wantQuery(t, errorPageRedirect(t, p, http.StatusSeeOther), map[string]string{"oauth_exception": "access_denied"})
			}
			e.noGrant()
			if !b.asksConsent(authzQuery(nil)) {
				t.Fatal("consent was not asked again after a denial")
			}
		})
	}
}

// TestConsentAllowRemembered: Allow redirects with a code by 303 and remembers the grant,
// so the next request of the same account and client skips consent (R-AUTHZ-6, R-SEC-4).
func TestConsentAllowRemembered(t *testing.T) {
	e := newEnv(t)
	b, p := e.consentPage(authzQuery(url.Values{"scope": {"chats--my:ro"}}))
	cb := clientRedirect(t, b.submitOnce(p, url.Values{"decision": {"allow"}}, nil), http.StatusSeeOther, confRedirect)
	wantQuery(t, cb, map[string]string{"code": cb.Get("code"), "state": "st-1", "iss": e.srv.URL})
	g, err := e.store.Grant(context.Background(), aliceID, confID)
	if err != nil || !slices.Equal(g.Scopes, []string{"chats--my:ro"}) || !slices.Equal(g.ClientScopes, allScopes) {
		t.Fatalf("grant = %+v, %v", g, err)
	}
	if b.asksConsent(authzQuery(url.Values{"scope": {"chats--my:ro"}, "state": {"second"}})) {
		t.Fatal("consent asked again for a remembered grant")
	}
}

// TestConsentAskedAgain: a remembered grant is used only while it covers the request and
// the client's scopes are unchanged; prompt=consent always asks (R-AUTHZ-6).
func TestConsentAskedAgain(t *testing.T) {
	tests := []struct {
		name    string
		granted string                   // scopes allowed first
		change  func(e *env)             // between the two requests
		then    url.Values               // the second request's parameters
		ask     bool                     // whether consent is asked again
		after   func(e *env, b *browser) // further checks
	}{
		{name: "same scopes", granted: "chats--my:ro chats--all:ro", then: url.Values{"scope": {"chats--all:ro,chats--my:ro"}}},
		{name: "fewer scopes", granted: "chats--my:ro chats--all:ro", then: url.Values{"scope": {"chats--my:ro"}}},
		{name: "prompt=consent", granted: "chats--my:ro", then: url.Values{"scope": {"chats--my:ro"}, "prompt": {"consent"}}, ask: true},
		{
			name: "a scope beyond the grant", granted: "chats--my:ro", then: url.Values{"scope": {"chats--my:ro chats--all:rw"}}, ask: true,
			after: func(e *env, b *browser) {
				// Allowing the wider request adds to the grant: both scopes now pass.
				b.authorize(e.authURL(authzQuery(url.Values{"scope": {"chats--my:ro chats--all:rw"}})), "", "", "allow")
				if b.asksConsent(authzQuery(url.Values{"scope": {"chats--all:rw"}})) || b.asksConsent(authzQuery(url.Values{"scope": {"chats--my:ro"}})) {
					e.t.Fatal("consent asked for scopes already granted")
				}
			},
		},
		{
			name: "client scopes changed", granted: "chats--my:ro",
			change: func(e *env) {
				c := e.storedClient(confID)
				c.Scopes = []string{"chats--my:ro", "chats--all:ro"}
				e.putClient(c)
			},
			then: url.Values{"scope": {"chats--my:ro"}}, ask: true,
		},
		{
			name: "client scopes reordered only", granted: "chats--my:ro",
			change: func(e *env) {
				c := e.storedClient(confID)
				c.Scopes = slices.Clone(c.Scopes)
				slices.Reverse(c.Scopes)
				e.putClient(c)
			},
			then: url.Values{"scope": {"chats--my:ro"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b, p := e.consentPage(authzQuery(url.Values{"scope": {tt.granted}}))
			callback(t, b.submit(p, url.Values{"decision": {"allow"}}), confRedirect)
			if tt.change != nil {
				tt.change(e)
			}
			if got := b.asksConsent(authzQuery(tt.then)); got != tt.ask {
				t.Fatalf("consent asked = %v, want %v", got, tt.ask)
			}
			if tt.after != nil {
				tt.after(e, b)
			}
		})
	}
}

// TestConsentPrivateClient: a private client used by an account of its organization asks
// no consent; an account of another organization gets unauthorized_client (R-AUTHZ-6).
func TestConsentPrivateClient(t *testing.T) {
	e := newEnv(t)
	q := authzQuery(url.Values{"client_id": {privID}})
	for _, who := range []struct{ login, pw, id string }{
		{"alice@example.com", alicePW, aliceID},
		{"root@example.com", rootPW, rootID},
	} {
		b := e.browser()
		b.signedInAs(who.login, who.pw)
		cb := clientRedirect(t, b.getOnce("/?"+q.Encode()), http.StatusFound, confRedirect)
		if c := e.storedCode(cb.Get("code")); c.ClientID != privID || c.AccountID != who.id || cb.Get("state") != "st-1" {
			t.Fatalf("%s: callback %v, code %+v", who.login, cb, c)
		}
	}

	bob := e.browser()
	bob.signedInAs("bob@example.com", bobPW)
	wantClientError(t, e, clientRedirect(t, bob.getOnce("/?"+q.Encode()), http.StatusFound, confRedirect), "unauthorized_client", "st-1")
	// Not even with prompt=consent.
	q.Set("prompt", "consent")
	wantClientError(t, e, clientRedirect(t, bob.getOnce("/?"+q.Encode()), http.StatusFound, confRedirect), "unauthorized_client", "st-1")
}

// TestConsentPostRefused: a consent POST without the CSRF token, with a wrong one, with
// another browser's, or marked cross-site is refused on the error page and issues no code
// nor grant; so is an unknown decision (R-LOGIN-4, R-AUTHZ-6, R-SEC-4).
func TestConsentPostRefused(t *testing.T) {
	tests := []struct {
		name   string
		fields url.Values
		hdr    http.Header
		other  bool // use another browser's consent token
	}{
		{name: "no csrf_token", fields: url.Values{"csrf_token": nil}},
		{name: "empty csrf_token", fields: url.Values{"csrf_token": {""}}},
		{name: "wrong csrf_token", fields: url.Values{"csrf_token": {strings.Repeat("0", 64)}}},
		{name: "another browser's csrf_token", other: true},
		{name: "Sec-Fetch-Site cross-site", hdr: http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{name: "Sec-Fetch-Site same-site", hdr: http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{name: "cross-site with a same-origin Origin", hdr: http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"SERVER"}}},
		{name: "foreign Origin", hdr: http.Header{"Origin": {"https://evil.example"}}},
		{name: "unknown decision", fields: url.Values{"decision": {"maybe"}}},
		{name: "no decision", fields: url.Values{"decision": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b, p := e.consentPage(authzQuery(nil))
			fields := url.Values{"decision": {"allow"}}
			for k, v := range tt.fields {
				fields[k] = v
			}
			if tt.other {
				_, p2 := e.consentPage(authzQuery(nil))
				_, f2 := pageForm(t, p2, nil)
				fields.Set("csrf_token", f2.Get("csrf_token"))
			}
			var hdr http.Header
			if tt.hdr != nil {
				hdr = http.Header{}
				for k, v := range tt.hdr {
					if v[0] == "SERVER" {
						v = []string{e.srv.URL}
					}
					hdr[k] = v
				}
			}
			r := b.submitOnce(p, fields, hdr)
			wantQuery(t, errorPageRedirect(t, r, http.StatusSeeOther), map[string]string{"oauth_exception": "invalid_request"})
			e.noGrant()
			// The page itself still works from the right origin with its token.
			if cb := callback(t, b.submitOnce(p, url.Values{"decision": {"allow"}}, nil), confRedirect); cb.Get("code") == "" {
				t.Fatalf("the genuine consent POST failed: %v", cb)
			}
		})
	}
}
