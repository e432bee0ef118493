package federation

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// A federated sign-in in progress is kept in the browser, in a cookie that only this
// server can read or forge: the state, nonce, PKCE verifier and return_to, sealed with
// AES-256-GCM under a key derived from the server key and the state itself. The callback
// can open it only with the state the upstream hands back, so the callback is bound to the
// browser that started the sign-in (RFC 9700 §4.7: CSRF and code injection). Each sign-in
// has its own cookie, named after its state, so sign-ins in two tabs do not clobber each
// other. The cookie is HttpOnly and SameSite=Lax (the upstream's redirect back is a
// top-level GET, which Lax lets through), lives fedStateLifetime, and is cleared by the
// callback; the state is also remembered as used in this process until it expires (in a
// table of fixed size, see usedStates), so a replay is refused even with a copy of the
// cookie (across several server processes the upstream's single-use code covers it).
const (
	fedStateLifetime   = 10 * time.Minute
	fedCookiePrefix    = "oauthkit_fed_"
	fedSecureCookiePfx = "__Host-oauthkit_fed_"
	fedSealPurpose     = "federation state\x00"
	maxUsedStates      = 100_000
)

// fedState is a federated sign-in in progress.
type fedState struct {
	State    string `json:"-"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r,omitempty"`
	Expires  int64  `json:"e"` // Unix seconds
}

func (b *server) newFedState(returnTo string) fedState {
	return fedState{
		State:    credentials.NewSecret(""),
		Nonce:    credentials.NewSecret(""),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: returnTo,
		Expires:  b.cfg.Now().Add(fedStateLifetime).Unix(),
	}
}

// fedCookieName names the cookie of the sign-in with state.
func (b *server) fedCookieName(state string) string {
	h := b.cfg.Hasher.Hash(fedSealPurpose + state)
	prefix := fedCookiePrefix
	if b.secure {
		prefix = fedSecureCookiePfx
	}
	return prefix + hex.EncodeToString(h[:6])
}

func (b *server) setFedStateCookie(w http.ResponseWriter, st fedState) {
	payload, _ := json.Marshal(st)
	sealed := b.cfg.Hasher.Seal(fedSealPurpose+st.State, payload)
	http.SetCookie(w, &http.Cookie{
		Name:     b.fedCookieName(st.State),
		Value:    base64.RawURLEncoding.EncodeToString(sealed),
		Path:     "/",
		MaxAge:   int(fedStateLifetime / time.Second),
		HttpOnly: true,
		Secure:   b.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// takeFedState finds, opens and clears the cookie of the sign-in with state, and marks the
// state used. Any failure is fedInvalidRequest.
func (u *Upstream) takeFedState(w http.ResponseWriter, r *http.Request, b *server, state string) (fedState, error) {
	if state == "" || len(state) > 256 {
		return fedState{}, fedFail(fedInvalidRequest, "callback without a valid state")
	}
	name := b.fedCookieName(state)
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return fedState{}, fedFail(fedInvalidRequest, "no sign-in with this state was started in this browser (or it has expired)")
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: b.secure, SameSite: http.SameSiteLaxMode,
	})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return fedState{}, fedFail(fedInvalidRequest, "malformed sign-in cookie")
	}
	payload, err := b.cfg.Hasher.Open(fedSealPurpose+state, sealed)
	if err != nil {
		return fedState{}, fedFail(fedInvalidRequest, "the sign-in cookie does not match the state")
	}
	var st fedState
	if err := json.Unmarshal(payload, &st); err != nil {
		return fedState{}, fedFail(fedInvalidRequest, "malformed sign-in cookie: %v", err)
	}
	st.State, st.ReturnTo = state, flows.SafeReturnTo(st.ReturnTo)
	now := b.cfg.Now()
	expires := time.Unix(st.Expires, 0)
	if !now.Before(expires) {
		return fedState{}, fedFail(fedInvalidRequest, "the sign-in started more than %s ago", fedStateLifetime)
	}
	if !u.used.use(b.cfg.Hasher.Hash(fedSealPurpose+state), expires, now) {
		return fedState{}, fedFail(fedInvalidRequest, "the sign-in state was already used")
	}
	return st, nil
}

// usedStates remembers the states already used, each until it expires, so that a replay
// within a state's lifetime is refused. Only a state whose sealed cookie opened is
// recorded: a callback without this browser's cookie costs nothing here. The table has a
// fixed size and a full one forgets its oldest entry rather than refuse: recording
// maxUsedStates states within fedStateLifetime takes as many completed round trips
// through /login and the callback, and what an evicted state then loses is only this
// process's own replay check; the upstream's single-use code still refuses the replay.
type usedStates struct {
	mu   sync.Mutex
	seen *simplelru.LRU[store.Hash, int64] // state hash → expiry, Unix nanoseconds
}

func newUsedStates(size int) *usedStates {
	seen, _ := simplelru.NewLRU[store.Hash, int64](max(1, size), nil) // fails only on size < 1
	return &usedStates{seen: seen}
}

// use marks key used until expires, and reports whether it was unused. Expired entries at
// the old end of the table are dropped on the way, O(1) per call on average.
func (u *usedStates) use(key store.Hash, expires, now time.Time) bool {
	n := now.UnixNano()
	u.mu.Lock()
	defer u.mu.Unlock()
	if exp, ok := u.seen.Peek(key); ok && n < exp {
		return false
	}
	for {
		k, exp, ok := u.seen.GetOldest()
		if !ok || n < exp {
			break
		}
		u.seen.Remove(k)
	}
	u.seen.Add(key, expires.UnixNano())
	return true
}

// len is how many states the table holds.
func (u *usedStates) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seen.Len()
}
