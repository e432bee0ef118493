package flows

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/internal/secrets"
)

// A federated sign-in in progress is kept in the browser, in a cookie that only this
// server can read or forge: the state, nonce, PKCE verifier and return_to, sealed with
// AES-256-GCM under a key derived from the server key and the state itself. The callback
// can open it only with the state the upstream hands back, so the callback is bound to the
// browser that started the sign-in (RFC 9700 §4.7: CSRF and code injection). Each sign-in
// has its own cookie, named after its state, so sign-ins in two tabs do not clobber each
// other. The cookie is HttpOnly and SameSite=Lax (the upstream's redirect back is a
// top-level GET, which Lax lets through), lives fedStateLifetime, and is cleared by the
// callback; the state is also remembered as used in this process until it expires, so a
// replay is refused even with a copy of the cookie (across several server processes the
// upstream's single-use code covers it).
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

func (s *Server) newFedState(returnTo string) fedState {
	return fedState{
		State:    secrets.New(""),
		Nonce:    secrets.New(""),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: returnTo,
		Expires:  s.now().Add(fedStateLifetime).Unix(),
	}
}

// fedCookieName names the cookie of the sign-in with state.
func (s *Server) fedCookieName(state string) string {
	h := s.hasher.Hash(fedSealPurpose + state)
	prefix := fedCookiePrefix
	if s.secure {
		prefix = fedSecureCookiePfx
	}
	return prefix + hex.EncodeToString(h[:6])
}

func (s *Server) setFedStateCookie(w http.ResponseWriter, st fedState) {
	payload, _ := json.Marshal(st)
	sealed := s.hasher.Seal(fedSealPurpose+st.State, payload)
	http.SetCookie(w, &http.Cookie{
		Name:     s.fedCookieName(st.State),
		Value:    base64.RawURLEncoding.EncodeToString(sealed),
		Path:     "/",
		MaxAge:   int(fedStateLifetime / time.Second),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// takeFedState finds, opens and clears the cookie of the sign-in with state, and marks the
// state used. Any failure is fedInvalidRequest.
func (s *Server) takeFedState(w http.ResponseWriter, r *http.Request, state string) (fedState, error) {
	if state == "" || len(state) > 256 {
		return fedState{}, fedFail(fedInvalidRequest, "callback without a valid state")
	}
	name := s.fedCookieName(state)
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return fedState{}, fedFail(fedInvalidRequest, "no sign-in with this state was started in this browser (or it has expired)")
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return fedState{}, fedFail(fedInvalidRequest, "malformed sign-in cookie")
	}
	payload, err := s.hasher.Open(fedSealPurpose+state, sealed)
	if err != nil {
		return fedState{}, fedFail(fedInvalidRequest, "the sign-in cookie does not match the state")
	}
	var st fedState
	if err := json.Unmarshal(payload, &st); err != nil {
		return fedState{}, fedFail(fedInvalidRequest, "malformed sign-in cookie: %v", err)
	}
	st.State, st.ReturnTo = state, safeReturnTo(st.ReturnTo)
	now := s.now()
	expires := time.Unix(st.Expires, 0)
	if !now.Before(expires) {
		return fedState{}, fedFail(fedInvalidRequest, "the sign-in started more than %s ago", fedStateLifetime)
	}
	if !s.fed.used.use(s.hasher.Hash(fedSealPurpose+state).String(), expires, now) {
		return fedState{}, fedFail(fedInvalidRequest, "the sign-in state was already used")
	}
	return st, nil
}

// usedStates remembers the states already used, each until it expires.
type usedStates struct {
	mu        sync.Mutex
	seen      map[string]time.Time
	nextPrune time.Time
}

func newUsedStates() *usedStates { return &usedStates{seen: make(map[string]time.Time)} }

// use marks key used until expires, and reports whether it was unused. When the set is full
// of unexpired states it refuses (fails closed).
func (u *usedStates) use(key string, expires, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.seen[key]; ok {
		return false
	}
	if len(u.seen) >= maxUsedStates || !now.Before(u.nextPrune) {
		for k, exp := range u.seen {
			if !now.Before(exp) {
				delete(u.seen, k)
			}
		}
		u.nextPrune = now.Add(time.Minute)
		if len(u.seen) >= maxUsedStates {
			return false
		}
	}
	u.seen[key] = expires
	return true
}
