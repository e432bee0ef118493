package federation

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFederatedStateTable: the table of used sign-in states cannot be turned against real
// sign-ins. Callbacks without this browser's sealed cookie (no cookie, a forged one, one
// sealed for another state) are refused and recorded nowhere; a table filled past its
// size forgets its oldest states instead of refusing new ones; and a replay within the
// window is still refused.
func TestFederatedStateTable(t *testing.T) {
	callback := func(up *Upstream, b *server, state string, cookies ...*http.Cookie) error {
		r := httptest.NewRequest(http.MethodGet, "/login/callback?state="+state, nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		_, err := up.takeFedState(httptest.NewRecorder(), r, b, state)
		return err
	}
	sealed := func(b *server, st fedState) *http.Cookie {
		return &http.Cookie{Name: b.fedCookieName(st.State), Value: sealedFedCookie(t, b, st)}
	}
	t.Run("junk states cost nothing", func(t *testing.T) {
		up, b := testUpstream(t, testKey)
		real := b.newFedState("/")
		for i := range 200 {
			state := strings.Repeat("j", 43) + string(rune('a'+i%26)) + strings.Repeat("x", i%7)
			if callback(up, b, state) == nil {
				t.Fatal("a callback without a cookie was accepted")
			}
		}
		// The real state, with a forged cookie of the right name.
		if callback(up, b, real.State, &http.Cookie{Name: b.fedCookieName(real.State), Value: "Zm9yZ2Vk"}) == nil {
			t.Fatal("a forged cookie was accepted")
		}
		// Another sign-in's genuine cookie, renamed for the real state.
		other := sealed(b, b.newFedState("/"))
		other.Name = b.fedCookieName(real.State)
		if callback(up, b, real.State, other) == nil {
			t.Fatal("another sign-in's cookie was accepted")
		}
		if n := up.used.len(); n != 0 {
			t.Fatalf("%d states recorded from callbacks without their cookie", n)
		}
		// The person's own sign-in is untouched.
		if err := callback(up, b, real.State, sealed(b, real)); err != nil || up.used.len() != 1 {
			t.Fatalf("the real sign-in failed: %v (%d states)", err, up.used.len())
		}
	})
	t.Run("a full table never refuses", func(t *testing.T) {
		up, b := testUpstream(t, testKey)
		now := b.cfg.Now()
		for i := range maxUsedStates + 10 {
			up.used.use(b.cfg.Hasher.Hash(fmt.Sprint("filler-", i)), now.Add(fedStateLifetime), now)
		}
		if n := up.used.len(); n > maxUsedStates {
			t.Fatalf("the table holds %d states, more than %d", n, maxUsedStates)
		}
		st := b.newFedState("/")
		c := sealed(b, st)
		if err := callback(up, b, st.State, c); err != nil {
			t.Fatalf("a sign-in with a full table: %v", err)
		}
		// Its replay with a copy of the cookie is still refused.
		if err := callback(up, b, st.State, c); err == nil || !strings.Contains(err.Error(), "already used") {
			t.Fatalf("replay: %v", err)
		}
		if n := up.used.len(); n > maxUsedStates {
			t.Fatalf("the table holds %d states, more than %d", n, maxUsedStates)
		}
	})
}
