package console

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

func flashConsole(t testing.TB, now *time.Time) *Console {
	h, err := credentials.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return &Console{hasher: h, now: func() time.Time { return *now }}
}

// flashRoundTrip sets a flash for acct and returns the request that carries it back.
func flashRoundTrip(c *Console, acct store.Account, kind, id, secret string) *http.Request {
	w := httptest.NewRecorder()
	c.setFlash(w, acct, kind, id, secret)
	r := httptest.NewRequest(http.MethodGet, "/console/apps/x", nil)
	for _, ck := range w.Result().Cookies() {
		r.AddCookie(ck)
	}
	return r
}

// TestFlash: a secret comes back once, on its own page, to the account that made it,
// within its lifetime.
func TestFlash(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := flashConsole(t, &now)
	alice, bob := store.Account{ID: "alice"}, store.Account{ID: "bob"}

	r := flashRoundTrip(c, alice, flashAppCreated, "app-1", "s3cret")
	if _, ok := c.takeFlash(httptest.NewRecorder(), r, alice, flashAppCreated, "app-2"); ok {
		t.Error("the flash of app-1 was shown on app-2's page")
	}
	if _, ok := c.takeFlash(httptest.NewRecorder(), r, alice, flashAppRotated, "app-1"); ok {
		t.Error("the flash of a creation was taken for a rotation")
	}
	if _, ok := c.takeFlash(httptest.NewRecorder(), r, bob, flashAppCreated, "app-1"); ok {
		t.Error("another account opened the flash")
	}
	w := httptest.NewRecorder()
	f, ok := c.takeFlash(w, r, alice, flashAppCreated, "app-1")
	if !ok || f.Secret != "s3cret" {
		t.Fatalf("takeFlash = %+v, %v", f, ok)
	}
	if ck := w.Result().Cookies(); len(ck) != 1 || ck[0].MaxAge >= 0 {
		t.Errorf("the flash is not cleared once shown: %+v", ck)
	}

	r = flashRoundTrip(c, alice, flashTokenCreated, "ci", "pat")
	now = now.Add(flashLifetime)
	if _, ok := c.takeFlash(httptest.NewRecorder(), r, alice, flashTokenCreated, ""); ok {
		t.Error("an expired flash was shown")
	}
}

// FuzzFlashCookie: the cookie comes from the browser; whatever it holds, takeFlash
// answers without a panic and accepts nothing it did not seal.
func FuzzFlashCookie(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := flashConsole(f, &now)
	acct := store.Account{ID: "alice"}
	good := flashRoundTrip(c, acct, flashAppCreated, "app-1", "s3cret")
	ck, _ := good.Cookie(flashCookie)
	f.Add(ck.Value)
	f.Add("")
	f.Add("!!!")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"k":"app-created","i":"app-1","s":"x","e":9999999999}`)))
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", flashCookie+"="+v)
		fl, ok := c.takeFlash(httptest.NewRecorder(), r, acct, flashAppCreated, "")
		// The only flash sealed under this key and account is good's (the seal's nonce is
		// random, so a fuzzing worker has its own good cookie).
		if ok && (fl.ID != "app-1" || fl.Secret != "s3cret") {
			t.Fatalf("a cookie that was not sealed here was accepted: %q → %+v", v, fl)
		}
	})
}
