package signin

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/internal/password"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// TestLoginPasswordChecksBusy: when every argon2id slot is busy and the wait queue is
// full, password sign-in answers at once with identity_exception=temporarily_unavailable,
// for a known and an unknown email alike, without counting a failure; once a slot is free,
// sign-in works.
func TestLoginPasswordChecksBusy(t *testing.T) {
	a, h := newTestServer(t, Config{Limits: Limits{Failures: 1}})
	l := password.NewLimiter(1, 0) // one slot, no queue
	a.passwords = l
	release, err := l.Acquire(context.Background()) // a long check holds the only slot
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ email, pw string }{
		{"alice@example.com", alicePW},
		{"alice@example.com", "wrong"},
		{"nobody@example.com", "wrong"},
	} {
		u, in := loginFrom(t, h, "192.0.2.1:4000", tt.email, tt.pw)
		if in || u.Path != "/old-login" || u.Query().Get("identity_exception") != flows.IdentityTemporarilyUnavailable {
			t.Fatalf("%s while busy: sent to %q (signed in %v), want identity_exception=temporarily_unavailable", tt.email, u, in)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/old-login?identity_exception=temporarily_unavailable", nil))
	if !strings.Contains(rec.Body.String(), "too many sign-ins right now") {
		t.Fatalf("login page:\n%s", rec.Body)
	}
	release()
	// Not counted as failures: with a limit of one failure, the right password still works.
	if u, in := loginFrom(t, h, "192.0.2.1:4000", "alice@example.com", alicePW); !in {
		t.Fatalf("sign-in once a slot is free: sent to %q", u)
	}
}

const alicePW = "alice-password"

// newTestServer is a server signing in with cfg (its Storage filled in) over a store
// holding alice, and its handler.
func newTestServer(t *testing.T, cfg Config) (*Authenticator, http.Handler) {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	h, err := password.Hash(alicePW, password.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutOrganization(ctx, store.Organization{ID: "org-a", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAccount(ctx, store.Account{ID: "alice", Login: "alice@example.com", OrganizationID: "org-a", PasswordHash: h}); err != nil {
		t.Fatal(err)
	}
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro", Description: "Read your chats"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := credentials.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Storage = st
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	srv, err := flows.New(flows.Config{
		Issuer: "http://as.example", Storage: st, Hasher: hasher, Scopes: cat, Authenticator: a,
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, srv.Handler()
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// loginFrom signs in at the password page as email with pw, from addr, and returns where
// the answer sends the browser and whether it started a session.
func loginFrom(t *testing.T, h http.Handler, addr, email, pw string) (*url.URL, bool) {
	t.Helper()
	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, "http://as.example/old-login", nil))
	body, _ := io.ReadAll(get.Result().Body)
	form := url.Values{"email": {email}, "password": {pw}}
	for _, m := range hiddenRe.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	req := httptest.NewRequest(http.MethodPost, "http://as.example/old-login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://as.example")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range get.Result().Cookies() {
		req.AddCookie(c)
	}
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	u, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookieName && c.Value != "" {
			return u, true
		}
	}
	return u, false
}
