package signin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Sessions: a random session id in an HttpOnly, SameSite=Lax cookie (Secure under https),
// stored only as its keyed hash. With an https issuer the __Host- prefix binds the cookie
// to this exact origin (no Domain, Path=/, Secure), so a sibling subdomain cannot plant
// one.
const (
	sessionCookieName       = "oauthkit_session"
	secureSessionCookieName = "__Host-oauthkit_session"
	// sessionMark follows the token prefix in a session id.
	sessionMark = "se_"
)

func (b *server) sessionCookie() string {
	if b.secure {
		return secureSessionCookieName
	}
	return sessionCookieName
}

// Account returns the account whose session the request's cookie names (flows.Authenticator).
func (a *Authenticator) Account(r *http.Request) (store.Account, bool, error) {
	b, err := a.server()
	if err != nil {
		return store.Account{}, false, err
	}
	return a.currentAccount(b, r)
}

// SignIn sends the person to the sign-in page (flows.Authenticator). A session cookie that
// reached here names a session that has ended (logout elsewhere, password reset, expiry):
// the sign-in page says so with identity_exception=identity_lost, and the dead cookie is
// cleared.
func (a *Authenticator) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	b, err := a.server()
	if err != nil {
		http.Error(w, "server_error", http.StatusInternalServerError)
		return
	}
	q := url.Values{"return_to": {returnTo}}
	if c, err := r.Cookie(b.sessionCookie()); err == nil && c.Value != "" {
		q.Set("identity_exception", flows.IdentityLost)
		b.clearSessionCookie(w)
	}
	http.Redirect(w, r, b.Link(a.cfg.Paths.Login)+"?"+q.Encode(), flows.RedirectStatus(r))
}

// SignedIn signs acct in on this browser: it ends the request's previous session, if any,
// and starts a new one, so that a session id planted before sign-in is worthless (no
// session fixation). It is the federation.Config.SignedIn hook of the federated sign-in
// this package configures, and what an application calls when it has authenticated the
// person some other way.
func (a *Authenticator) SignedIn(w http.ResponseWriter, r *http.Request, acct store.Account) error {
	b, err := a.server()
	if err != nil {
		return err
	}
	ctx := r.Context()
	if c, err := r.Cookie(b.sessionCookie()); err == nil && c.Value != "" {
		if err := a.store.DeleteSession(ctx, b.cfg.Hasher.Hash(c.Value)); err != nil {
			return err
		}
	}
	id := credentials.NewSecret(b.cfg.TokenPrefix + sessionMark)
	now := b.cfg.Now()
	sess := store.Session{Hash: b.cfg.Hasher.Hash(id), AccountID: acct.ID, CreatedAt: now, ExpiresAt: now.Add(a.cfg.SessionLifetime)}
	if err := a.store.CreateSession(ctx, sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     b.sessionCookie(),
		Value:    id,
		Path:     "/",
		MaxAge:   int(a.cfg.SessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   b.secure,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// currentAccount resolves the session cookie of r to its account.
func (a *Authenticator) currentAccount(b *server, r *http.Request) (store.Account, bool, error) {
	sess, ok, err := a.currentSession(b, r)
	if !ok || err != nil {
		return store.Account{}, false, err
	}
	acct, err := a.store.Account(r.Context(), sess.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, false, nil
	}
	if err != nil {
		return store.Account{}, false, err
	}
	return acct, true, nil
}

func (a *Authenticator) currentSession(b *server, r *http.Request) (store.Session, bool, error) {
	c, err := r.Cookie(b.sessionCookie())
	if err != nil || c.Value == "" {
		return store.Session{}, false, nil
	}
	sess, err := a.store.Session(r.Context(), b.cfg.Hasher.Hash(c.Value), b.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, false, nil
	}
	if err != nil {
		return store.Session{}, false, err
	}
	return sess, true, nil
}

// endSession ends the request's session and clears its cookie.
func (a *Authenticator) endSession(ctx context.Context, b *server, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(b.sessionCookie()); err == nil && c.Value != "" {
		if err := a.store.DeleteSession(ctx, b.cfg.Hasher.Hash(c.Value)); err != nil {
			return err
		}
	}
	b.clearSessionCookie(w)
	return nil
}

// clearSessionCookie tells the browser to drop its session cookie.
func (b *server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: b.sessionCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: b.secure, SameSite: http.SameSiteLaxMode,
	})
}
