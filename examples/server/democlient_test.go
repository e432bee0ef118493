package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// demoClientEnv is the demo client in front of a stub token endpoint that answers every
// exchange as the authorization server would (an 8-hour access token).
func demoClientEnv(t *testing.T) *httptest.Server {
	t.Helper()
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"oak:at_A","token_type":"Bearer","refresh_token":"oak:rt_R","expires_in":28800,`+
			`"scope":"chats--my:ro","account_id":"acct-1","organization_id":"org-demo"}`)
	}))
	t.Cleanup(as.Close)
	dc := newDemoClient(&oauth2.Config{
		ClientID: "demo-server-app", ClientSecret: "s",
		Endpoint:    oauth2.Endpoint{AuthURL: as.URL + "/", TokenURL: as.URL + "/v2/token", AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL: "http://127.0.0.1:9999/callback",
	}, "curl -s AS/v2/token -u demo-server-app:demo-server-secret")
	srv := httptest.NewServer(dc.routes())
	t.Cleanup(srv.Close)
	return srv
}

// demoGet fetches path from the demo client without following redirects.
func demoGet(t *testing.T, base, path string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var (
	scriptNonceRe = regexp.MustCompile(`<script nonce="([^"]+)">`)
	styleNonceRe  = regexp.MustCompile(`<style nonce="([^"]+)">`)
)

// TestDemoClientPages: every page of the demo client suits a phone (viewport), lets only
// its own style and script run, and says plainly what arrived.
func TestDemoClientPages(t *testing.T) {
	srv := demoClientEnv(t)
	resp, _ := demoGet(t, srv.URL, "/")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	state := loc.Query().Get("state")
	if resp.StatusCode != http.StatusFound || state == "" || loc.Query().Get("code_challenge") == "" {
		t.Fatalf("start: %d %s, want a redirect with state and PKCE", resp.StatusCode, loc)
	}

	for _, tc := range []struct {
		name, path string
		want       []string
		unwanted   []string
	}{{
		name: "tokens", path: "/callback?code=c1&state=" + state,
		want: []string{"access_token:  oak:at_A", "refresh_token: oak:rt_R", "account_id:    acct-1"},
		// Go's time.Time String (with its monotonic reading) is not for people.
		unwanted: []string{"m=+", "+0000"},
	}, {
		name: "a code the client did not ask for", path: "/callback?code=oak:ac_X&state=demo-state",
		want: []string{"The demo app did not ask for this code", "opened the authorization URL the server printed, by hand",
			"no <code>state</code> and no PKCE <code>code_verifier</code>", "curl -s AS/v2/token -u demo-server-app:demo-server-secret \\\n  -d code=oak:ac_X"},
	}, {
		name: "an error", path: "/callback?error=access_denied&error_description=no&state=x",
		want: []string{"The authorization failed:</strong> access_denied: no"},
	}, {
		name: "the implicit flow's callback", path: "/callback",
		want: []string{"URL fragment", "<noscript>", `id="implicit-fields"`, ".textContent = "},
		// The token is shown, never sent on nor written as markup.
		unwanted: []string{"innerHTML", "outerHTML", "document.write", "fetch(", "XMLHttpRequest", "sendBeacon", "WebSocket", "localStorage"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := demoGet(t, srv.URL, tc.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, w := range append([]string{`<meta name="viewport" content="width=device-width, initial-scale=1">`}, tc.want...) {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			for _, u := range tc.unwanted {
				if strings.Contains(body, u) {
					t.Errorf("page contains %q:\n%s", u, body)
				}
			}
			csp := resp.Header.Get("Content-Security-Policy")
			m := styleNonceRe.FindStringSubmatch(body)
			if m == nil || !strings.Contains(csp, "style-src 'nonce-"+m[1]+"'") || !strings.HasPrefix(csp, "default-src 'none';") || strings.Contains(csp, "unsafe") {
				t.Errorf("CSP %q does not allow exactly the page's own style", csp)
			}
			for _, s := range scriptNonceRe.FindAllStringSubmatch(body, -1) {
				if !strings.Contains(csp, "script-src 'nonce-"+s[1]+"'") {
					t.Errorf("CSP %q does not allow the page's script (nonce %s)", csp, s[1])
				}
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
		})
	}

	_, body := demoGet(t, srv.URL, "/callback?code=c2&state="+state)
	if strings.Contains(body, "oak:at_A") || !strings.Contains(body, "did not ask for this code") {
		t.Errorf("a state used once was accepted again:\n%s", body)
	}
	_, p1 := demoGet(t, srv.URL, "/callback")
	_, p2 := demoGet(t, srv.URL, "/callback")
	n1, n2 := scriptNonceRe.FindStringSubmatch(p1), scriptNonceRe.FindStringSubmatch(p2)
	if n1 == nil || n2 == nil || n1[1] == n2[1] {
		t.Errorf("script nonces %q and %q, want a fresh one per page", n1, n2)
	}
}

// TestDemoClientExpiry: the demo client shows when the token expires as a person reads it.
func TestDemoClientExpiry(t *testing.T) {
	srv := demoClientEnv(t)
	resp, _ := demoGet(t, srv.URL, "/")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	before := time.Now().UTC()
	_, body := demoGet(t, srv.URL, "/callback?code=c&state="+loc.Query().Get("state"))
	m := regexp.MustCompile(`expires: +(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC \(in (8h0m0s|7h59m5\ds)\)\n`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no readable expiry on the page:\n%s", body)
	}
	at, err := time.Parse(time.DateTime, m[1])
	if err != nil || at.Before(before.Add(8*time.Hour-2*time.Second)) || at.After(time.Now().Add(8*time.Hour+time.Second)) {
		t.Errorf("expires %s, want about 8 hours after %s", m[1], before)
	}
}

func TestReadableExpiry(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 15, 4, 0, time.UTC)
	for _, tc := range []struct {
		expiry time.Time
		want   string
	}{
		{now.Add(8 * time.Hour), "2026-12-01 20:15:04 UTC (in 8h0m0s)"},
		{now.Add(8*time.Hour - 300*time.Millisecond).In(time.FixedZone("CET", 3600)), "2026-12-01 20:15:03 UTC (in 8h0m0s)"},
		{now.Add(-time.Minute), "2026-12-01 12:14:04 UTC (expired)"},
		{time.Time{}, "not given (the token response had no expires_in)"},
	} {
		if got := readableExpiry(tc.expiry, now); got != tc.want {
			t.Errorf("readableExpiry(%v) = %q, want %q", tc.expiry, got, tc.want)
		}
	}
}
