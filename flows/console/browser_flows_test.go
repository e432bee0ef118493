package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows/console"
)

// signIn opens the console signed out, which leads to the built-in sign-in page, and signs
// in as alice, which leads back to the console's page path.
func (tb *tab) signIn(e *env, path, heading string) {
	tb.t.Helper()
	tb.open("sign-in page", e.srv.URL+path)
	tb.fill("email", "alice@example.com")
	tb.fill("password", alicePW)
	tb.follow("after signing in", `form[action="/old-login"] button[type=submit]`)
	if got := tb.text("h1"); got != heading {
		tb.t.Fatalf("after signing in the page is %q, want %q", got, heading)
	}
}

// demoApp is an OAuth client web app on its own origin: its callback exchanges the code
// with golang.org/x/oauth2 and hands the token to the test.
type demoApp struct {
	srv    *httptest.Server
	conf   *oauth2.Config // set by the test before the flow starts
	verify string
	tokens chan *oauth2.Token
}

func newDemoApp(t *testing.T) *demoApp {
	d := &demoApp{tokens: make(chan *oauth2.Token, 1), verify: oauth2.GenerateVerifier()}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/callback" || q.Get("state") != "browser-state" || q.Get("code") == "" {
			http.Error(w, "unexpected request "+r.URL.String(), http.StatusBadRequest)
			return
		}
		tok, err := d.conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(d.verify))
		if err != nil {
			http.Error(w, "exchange: "+err.Error(), http.StatusBadGateway)
			return
		}
		d.tokens <- tok
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="en"><title>Demo app</title><main><h1>Signed in to the demo app</h1></main></html>`)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// TestBrowserAppCodeFlow: sign in, register an app, copy its secret, run the code flow
// with that app through golang.org/x/oauth2, see it under connected apps, remove its
// access, and its token is refused.
func TestBrowserAppCodeFlow(t *testing.T) {
	e := newEnv(t, options{console: console.Config{SignOutPath: "/logout"}})
	tb := newTab(t)
	demo := newDemoApp(t)
	redirect := demo.srv.URL + "/callback"

	tb.signIn(e, "/console/apps", "Your apps")
	tb.follow("registration form", `a[href="/console/apps/new"].button`)
	tb.fill("f-name", "Browser demo")
	tb.fill("f-redirect_uris", redirect)
	tb.do("choosing a scope", chromedp.Click(chromedp.CSS(`input[name=scopes][value="chats--my:ro"]`)))
	tb.follow("the new app", `form[action="/console/apps"] button[type=submit]`)
	secret := tb.value("client-secret")
	clientID := tb.text("#client-id")
	if len(secret) < 43 || clientID == "" {
		t.Fatalf("the app page shows client %q and secret %q", clientID, secret)
	}
	tb.do("reloading", chromedp.Reload())
	if tb.has("#client-secret") {
		t.Fatal("the secret is shown again after a reload")
	}

	demo.conf = &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"chats--my:ro"},
		Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/", TokenURL: e.srv.URL + "/v2/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	tb.open("consent page", demo.conf.AuthCodeURL("browser-state", oauth2.S256ChallengeOption(demo.verify)))
	if got := tb.text("h1"); !strings.Contains(got, "Browser demo") {
		t.Fatalf("the consent page says %q", got)
	}
	tb.follow("the demo app signed in", `button[name=decision][value=allow]`)
	var tok *oauth2.Token
	select {
	case tok = <-demo.tokens:
	case <-tb.ctx.Done():
		t.Fatal("the demo app got no token")
	}
	if e.info(tok.AccessToken) != http.StatusOK {
		t.Fatal("the token the app got does not work")
	}

	tb.open("connected apps", e.srv.URL+"/console/connected")
	if got := tb.text("ul.items"); !strings.Contains(got, "Browser demo") || !strings.Contains(got, "Read your chats") {
		t.Fatalf("the connected apps list says %q", got)
	}
	tb.follow("removal confirmation", fmt.Sprintf(`a[href="/console/accounts/%s/connected/%s/remove"]`, aliceID, clientID))
	if e.info(tok.AccessToken) != http.StatusOK {
		t.Fatal("the confirmation page removed access")
	}
	tb.follow("connected apps after the removal", `button.danger[type=submit]`)
	if got := tb.text(`[role=status]`); !strings.Contains(got, "Access was removed") {
		t.Errorf("the notice says %q", got)
	}
	if e.info(tok.AccessToken) != http.StatusUnauthorized {
		t.Error("the token still works after its access was removed")
	}
	if _, err := demo.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("the refresh token still works after its access was removed")
	}
}

// TestBrowserPersonalToken: create a personal access token, use it with Basic, revoke it.
func TestBrowserPersonalToken(t *testing.T) {
	e := newEnv(t, options{})
	tb := newTab(t)
	tb.signIn(e, "/console/tokens", "Personal access tokens")
	// The keyboard's first stop is the skip link, which leads to the page's content.
	tb.do("pressing Tab", chromedp.KeyEvent(kb.Tab))
	if got := run(tb, "the focus", chromedp.Evaluate[string](`document.activeElement.textContent`)); got != "Skip to content" {
		t.Errorf("the first Tab focuses %q, want the skip link", got)
	}
	tb.do("pressing Enter", chromedp.KeyEvent(kb.Enter))
	if got := run(tb, "the focus", chromedp.Evaluate[string](`document.activeElement.id`)); got != "content" {
		t.Errorf("the skip link moves the focus to %q, want the main content", got)
	}
	tb.fill("f-name", "deploy script")
	tb.do("choosing a scope", chromedp.Click(chromedp.CSS(`input[name=scopes][value="chats--my:ro"]`)))
	tb.follow("the new token", `form[action="/console/tokens"] button[type=submit]`)
	pat := tb.value("pat-secret")
	user := tb.text("#account-id")
	if user != aliceID || pat == "" {
		t.Fatalf("the page shows user %q and token %q", user, pat)
	}
	if e.apiBasic(user, pat) != http.StatusOK {
		t.Fatal("the token does not work with Basic")
	}
	tb.follow("revocation confirmation", `a.danger[href$="/revoke"]`)
	if e.apiBasic(user, pat) != http.StatusOK {
		t.Fatal("the confirmation page revoked the token")
	}
	tb.follow("tokens after the revocation", `button.danger[type=submit]`)
	if got := tb.text(`[role=status]`); !strings.Contains(got, "revoked") {
		t.Errorf("the notice says %q", got)
	}
	if e.apiBasic(user, pat) != http.StatusUnauthorized {
		t.Error("the revoked token still works")
	}
}
