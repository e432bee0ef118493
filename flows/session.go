package flows

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// Session cookie names. With an https issuer the __Host- prefix binds the cookie to this
// exact origin (no Domain, Path=/, Secure), so a sibling subdomain cannot plant one.
const (
	sessionCookieName       = "oauthkit_session"
	secureSessionCookieName = "__Host-oauthkit_session"
)

func (s *Server) sessionCookie() string {
	if s.secure {
		return secureSessionCookieName
	}
	return sessionCookieName
}

// sessionAuthenticator is the built-in Authenticator: a random session id in an HttpOnly,
// SameSite=Lax cookie (Secure under https), stored only as its keyed hash (R-LOGIN-4).
type sessionAuthenticator struct{ s *Server }

func (a *sessionAuthenticator) Account(r *http.Request) (store.Account, bool, error) {
	return a.s.currentAccount(r)
}

// SignIn sends the person to sign in. A session cookie that reached here names a session
// that has ended (logout elsewhere, password reset, expiry): the sign-in page says so with
// identity_lost (R-ERR-3), and the dead cookie is cleared.
func (a *sessionAuthenticator) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	q := url.Values{"return_to": {returnTo}}
	if c, err := r.Cookie(a.s.sessionCookie()); err == nil && c.Value != "" {
		q.Set("identity_exception", IdentityLost)
		a.s.clearSessionCookie(w)
	}
	http.Redirect(w, r, a.s.link(a.s.cfg.Paths.Login)+"?"+q.Encode(), redirectStatus(r))
}

// currentAccount resolves the session cookie of r to its account.
func (s *Server) currentAccount(r *http.Request) (store.Account, bool, error) {
	sess, ok, err := s.currentSession(r)
	if !ok || err != nil {
		return store.Account{}, false, err
	}
	acct, err := s.store.Account(r.Context(), sess.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, false, nil
	}
	if err != nil {
		return store.Account{}, false, err
	}
	return acct, true, nil
}

func (s *Server) currentSession(r *http.Request) (store.Session, bool, error) {
	c, err := r.Cookie(s.sessionCookie())
	if err != nil || c.Value == "" {
		return store.Session{}, false, nil
	}
	sess, err := s.store.Session(r.Context(), s.hasher.Hash(c.Value), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, false, nil
	}
	if err != nil {
		return store.Session{}, false, err
	}
	return sess, true, nil
}

// startSession signs acct in: it ends the request's previous session, if any, and issues a
// new session id, so an id planted before sign-in is worthless (no session fixation).
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, acct store.Account) error {
	if c, err := r.Cookie(s.sessionCookie()); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(ctx, s.hasher.Hash(c.Value)); err != nil {
			return err
		}
	}
	id, h := s.mint(markSession)
	now := s.now()
	sess := store.Session{Hash: h, AccountID: acct.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionLifetime)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookie(),
		Value:    id,
		Path:     "/",
		MaxAge:   int(s.cfg.SessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// endSession ends the request's session and clears its cookie.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(s.sessionCookie()); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(ctx, s.hasher.Hash(c.Value)); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	return nil
}

// clearSessionCookie tells the browser to drop its session cookie.
func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// redirectStatus is 303 after a form POST, so the browser follows with GET and never
// re-posts the form to the next site (R-SEC-4); 302 otherwise.
func redirectStatus(r *http.Request) int {
	if r.Method == http.MethodPost {
		return http.StatusSeeOther
	}
	return http.StatusFound
}
