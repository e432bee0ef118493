package flows_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Federated sign-in on top of the application's own session system: the application's
// Authenticator sends people to the upstream (Upstream.Start) and serves its callback
// (Upstream.Routes); federation.Config.SignedIn starts the application's session. No
// sign-in route of oauthkit is served.

// appSessions is an application's own cookie sessions, signing in through an upstream.
type appSessions struct {
	up    *federation.Upstream
	store store.Accounts

	mu       sync.Mutex
	sessions map[string]string // cookie value → account id
}

const appCookie = "app_session"

func (a *appSessions) Account(r *http.Request) (store.Account, bool, error) {
	c, err := r.Cookie(appCookie)
	if err != nil {
		return store.Account{}, false, nil
	}
	a.mu.Lock()
	id, ok := a.sessions[c.Value]
	a.mu.Unlock()
	if !ok {
		return store.Account{}, false, nil
	}
	acct, err := a.store.Account(r.Context(), id)
	return acct, err == nil, err
}

func (a *appSessions) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	a.up.Start(w, r, returnTo)
}

func (a *appSessions) Routes(s *flows.Server) ([]flows.Route, error) { return a.up.Routes(s) }

// signedIn is the federation.Config.SignedIn hook: the application starts its session.
func (a *appSessions) signedIn(w http.ResponseWriter, _ *http.Request, acct store.Account) error {
	id := credentials.NewSecret("")
	a.mu.Lock()
	a.sessions[id] = acct.ID
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: appCookie, Value: id, Path: "/", HttpOnly: true})
	return nil
}

// newAppFedEnv is a server whose Authenticator is the application's own, federated
// through a fake upstream.
func newAppFedEnv(t *testing.T) *fedEnv {
	t.Helper()
	up := newFakeUpstream(t)
	logs := &syncBuffer{}
	e := newEnv(t, func(c *flows.Config) {
		app := &appSessions{store: c.Storage, sessions: map[string]string{}}
		f := up.federation()
		f.Storage, f.SignedIn, f.SignInPage = c.Storage.(federation.Storage), app.signedIn, "/app/signin"
		var err error
		if app.up, err = federation.New(*f); err != nil {
			t.Fatal(err)
		}
		c.Authenticator = app
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	up.now = e.clock.Now
	return &fedEnv{env: e, up: up, logs: logs}
}

// TestFederationWithAppSessions: the code flow runs through the upstream and the
// application's session, and only the callback of oauthkit's sign-in is served.
func TestFederationWithAppSessions(t *testing.T) {
	fe := newAppFedEnv(t)
	b := fe.browser()
	request := "/?" + authzQuery(nil).Encode()
	authURL := fe.startFederated(b, request) // the authorization endpoint sends the person upstream
	cb := b.getOnce(strings.TrimPrefix(fe.authorizeUpstream(authURL, person("new@upstream.test", "up-1", "agent")), fe.srv.URL))
	if u := redirectLocation(t, cb, http.StatusFound); u.String() != request {
		t.Fatalf("after sign-in sent to %q, want %q", u, request)
	}
	if sessionCookieOf(t, cb.Cookies(), appCookie).Value == "" {
		t.Fatal("the application's session did not start")
	}
	for _, c := range cb.Cookies() {
		if strings.Contains(c.Name, "oauthkit_session") {
			t.Fatalf("oauthkit started a session of its own: %v", c)
		}
	}
	p := b.get(request)
	if !isConsentPage(p) {
		t.Fatalf("the signed-in person does not reach consent:\n%s", p.body)
	}
	q := callback(t, b.submit(p, url.Values{"decision": {"allow"}}), confRedirect)
	if q.Get("code") == "" {
		t.Fatalf("callback %v", q)
	}
	for _, path := range []string{"/login", "/old-login", "/logout"} {
		if p := b.getOnce(path); p.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404: the application's sign-in has no oauthkit route", path, p.StatusCode)
		}
	}
}

// TestFederationWithAppSessionsFailure: a sign-in the person cancelled upstream returns to
// the application's sign-in page, with identity_exception and return_to.
func TestFederationWithAppSessionsFailure(t *testing.T) {
	fe := newAppFedEnv(t)
	b := fe.browser()
	authURL, _ := url.Parse(fe.startFederated(b, "/?"+authzQuery(nil).Encode()))
	q := url.Values{"state": {authURL.Query().Get("state")}, "error": {"access_denied"}, "iss": {fe.up.srv.URL}}
	u := redirectLocation(t, b.getOnce("/login/callback?"+q.Encode()), http.StatusFound)
	if u.Path != "/app/signin" || u.Query().Get("identity_exception") != flows.IdentityAccessDenied || !strings.HasPrefix(u.Query().Get("return_to"), "/?") {
		t.Fatalf("a cancelled sign-in sent to %q", u)
	}
}
