package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
)

// TestFederatedStateTable: the table of used sign-in states cannot be turned against real
// sign-ins. Callbacks without this browser's sealed cookie (no cookie, a forged one, one
// sealed for another state) are refused and recorded nowhere; a table filled past its
// size forgets its oldest states instead of refusing new ones; and a replay within the
// window is still refused.
func TestFederatedStateTable(t *testing.T) {
	alice := person("alice@example.com", "up-1", "agent")
	t.Run("junk states cost nothing", func(t *testing.T) {
		fe := newFedEnv(t)
		b := fe.browser()
		// A real sign-in started, whose sealed cookie the attacker does not have.
		authURL, _ := url.Parse(fe.startFederated(b, "/login"))
		real := authURL.Query().Get("state")
		srvURL, _ := url.Parse(fe.srv.URL)
		var cookieName string
		for _, c := range b.c.Jar.Cookies(srvURL) {
			if strings.HasPrefix(c.Name, "oauthkit_fed_") {
				cookieName = c.Name
			}
		}
		attacker := fe.browser()
		for i := range 200 {
			state := strings.Repeat("j", 43) + string(rune('a'+i%26)) + strings.Repeat("x", i%7)
			q := url.Values{"state": {state}, "code": {"c"}, "iss": {fe.up.srv.URL}}
			redirectLocation(t, attacker.getOnce("/login/callback?"+q.Encode()), http.StatusFound)
		}
		// The real state, with a forged cookie of the right name.
		attacker.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: cookieName, Value: "Zm9yZ2Vk", Path: "/"}})
		q := url.Values{"state": {real}, "code": {"c"}, "iss": {fe.up.srv.URL}}
		redirectLocation(t, attacker.getOnce("/login/callback?"+q.Encode()), http.StatusFound)
		// Another sign-in's genuine cookie, renamed for the real state.
		other := fe.browser()
		fe.startFederated(other, "/login")
		for _, c := range other.c.Jar.Cookies(srvURL) {
			if strings.HasPrefix(c.Name, "oauthkit_fed_") {
				attacker.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: cookieName, Value: c.Value, Path: "/"}})
			}
		}
		redirectLocation(t, attacker.getOnce("/login/callback?"+q.Encode()), http.StatusFound)
		if n := flows.UsedFedStates(fe.flows); n != 0 {
			t.Fatalf("%d states recorded from callbacks without their cookie", n)
		}
		// The person's own sign-in is untouched.
		cb := fe.authorizeUpstream(authURL.String(), alice)
		redirectLocation(t, b.getOnce(strings.TrimPrefix(cb, fe.srv.URL)), http.StatusFound)
		if b.sessionValue() == "" || flows.UsedFedStates(fe.flows) != 1 {
			t.Fatalf("the real sign-in failed (session %q, %d states)", b.sessionValue(), flows.UsedFedStates(fe.flows))
		}
	})
	t.Run("a full table never refuses", func(t *testing.T) {
		fe := newFedEnv(t)
		flows.FillUsedFedStates(fe.flows, flows.MaxUsedFedStates+10)
		if n := flows.UsedFedStates(fe.flows); n > flows.MaxUsedFedStates {
			t.Fatalf("the table holds %d states, more than %d", n, flows.MaxUsedFedStates)
		}
		b := fe.browser()
		authURL := fe.startFederated(b, "/login")
		srvURL, _ := url.Parse(fe.srv.URL)
		saved := b.c.Jar.Cookies(srvURL)
		cb := strings.TrimPrefix(fe.authorizeUpstream(authURL, alice), fe.srv.URL)
		if u := redirectLocation(t, b.getOnce(cb), http.StatusFound); u.Query().Get("identity_exception") != "" || b.sessionValue() == "" {
			t.Fatalf("a sign-in with a full table: sent to %q, session %q", u, b.sessionValue())
		}
		// Its replay with a copy of the cookie is still refused.
		thief := fe.browser()
		thief.c.Jar.SetCookies(srvURL, saved)
		u := redirectLocation(t, thief.getOnce(cb), http.StatusFound)
		if u.Query().Get("identity_exception") != flows.IdentityInvalidRequest || !strings.Contains(fe.logs.String(), "already used") {
			t.Fatalf("replay: sent to %q\n%s", u, fe.logs)
		}
		if n := flows.UsedFedStates(fe.flows); n > flows.MaxUsedFedStates {
			t.Fatalf("the table holds %d states, more than %d", n, flows.MaxUsedFedStates)
		}
	})
}
