package signin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/internal/form"
	"github.com/oauthkit/oauthkit/internal/password"
	"github.com/oauthkit/oauthkit/store"
)

// identityText explains each identity exception on the sign-in page.
var identityText = map[string]string{
	flows.IdentityInvalidRequest:           "The sign-in request was not valid. Please try again.",
	flows.IdentityUnauthorized:             "The email or password is not correct.",
	flows.IdentityServerError:              "Something went wrong on our side. Please try again in a moment.",
	flows.IdentityAccessDenied:             "Your account is not allowed to sign in.",
	flows.IdentityLost:                     "You have been signed out. Please sign in again.",
	flows.IdentityCredentialsLoginDisabled: "Password sign-in is disabled for this account. Use your organization's sign-in instead.",
	flows.IdentityTooManyAttempts:          "There have been too many sign-in attempts for this account. Please wait a few seconds and try again.",
	flows.IdentityTemporarilyUnavailable:   "We are handling too many sign-ins right now. Please try again in a moment.",
}

// loginHandler serves Paths.Login, where sign-in starts. With a federation it sends the
// person to the upstream provider (federated.go). Without, it forwards, query and all, to
// the password sign-in page; a POST is forwarded with 303, so its body is never re-posted.
func (a *Authenticator) loginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
			if a.fed != nil {
				a.startFederated(w, r)
				return
			}
			target := a.srv().Link(a.cfg.Paths.PasswordLogin)
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
		default:
			flows.MethodNotAllowed(w, "GET, HEAD, POST")
		}
	})
}

// passwordLoginHandler serves the password sign-in page (Paths.PasswordLogin): GET shows
// the form, POST checks email and password (argon2id, constant-time failure paths, one
// generic error) and starts a session.
func (a *Authenticator) passwordLoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			a.showLogin(w, r)
		case http.MethodPost:
			a.postLogin(w, r)
		default:
			flows.MethodNotAllowed(w, "GET, HEAD, POST")
		}
	})
}

func (a *Authenticator) postLogin(w http.ResponseWriter, r *http.Request) {
	ctx, b := r.Context(), a.srv()
	p, err := form.Read(w, r)
	if err != nil {
		a.loginFailed(w, r, flows.IdentityInvalidRequest, "", "")
		return
	}
	returnTo := flows.SafeReturnTo(p["return_to"])
	if !b.CheckCSRF(r, p[csrfField]) {
		a.loginFailed(w, r, flows.IdentityInvalidRequest, "", returnTo)
		return
	}
	email := strings.TrimSpace(p["email"])
	if form.CheckText(email) != nil {
		// No account has such a login: the generic failure, without a lookup (strings.ToLower
		// would also turn invalid UTF-8 into U+FFFD).
		b.cfg.Logger.InfoContext(ctx, "oauthkit: password sign-in refused: the email holds control characters or invalid UTF-8")
		a.loginFailed(w, r, flows.IdentityUnauthorized, "", returnTo)
		return
	}
	email = strings.ToLower(email)
	pw := p["password"]
	if email == "" || pw == "" || len(email) > 320 || len(pw) > 1024 {
		a.loginFailed(w, r, flows.IdentityInvalidRequest, email, returnTo)
		return
	}
	now := b.cfg.Now()
	key := email + "\x00" + b.cfg.ClientAddr(r).String()
	if blocked, _ := a.logins.Blocked(key, now); blocked {
		a.loginFailed(w, r, flows.IdentityUnauthorized, email, returnTo)
		return
	}
	// Guessing one account's password from many addresses: past its budget, the email is
	// checked at most once per Limits.AccountSlowdown, whoever asks, except from a browser
	// where it signed in before (device.go). The answer is the same whether or not the
	// account exists.
	device := a.device(b, r, email, now)
	if device == "" {
		if ok, _ := a.accounts.Admit(email, now, a.cfg.Limits.AccountSlowdown); !ok {
			b.cfg.Logger.WarnContext(ctx, "oauthkit: password sign-in slowed: too many failures for this email")
			a.loginFailed(w, r, flows.IdentityTooManyAttempts, email, returnTo)
			return
		}
	}
	failed := func() {
		a.logins.Fail(key, now)
		a.accounts.Fail(email, now)
		if device != "" {
			a.logins.Fail(device, now)
		}
		a.loginFailed(w, r, flows.IdentityUnauthorized, email, returnTo)
	}
	acct, err := a.store.AccountByLogin(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := a.passwords.Waste(ctx, pw); err != nil {
			a.passwordBusy(w, r, err, email, returnTo)
			return
		}
		failed()
		return
	case err != nil:
		b.cfg.Logger.ErrorContext(ctx, "oauthkit: sign-in lookup failed", "err", err)
		a.loginFailed(w, r, flows.IdentityServerError, email, returnTo)
		return
	}
	ok := false
	if acct.PasswordHash == "" {
		err = a.passwords.Waste(ctx, pw)
	} else {
		ok, err = a.passwords.Verify(ctx, pw, acct.PasswordHash)
	}
	switch {
	case errors.Is(err, password.ErrMalformed):
		b.cfg.Logger.ErrorContext(ctx, "oauthkit: stored password hash is malformed", "account_id", acct.ID, "err", err)
	case err != nil:
		a.passwordBusy(w, r, err, email, returnTo)
		return
	}
	if !ok {
		failed()
		return
	}
	// Checked only after the password, so the answer reveals nothing to a guesser.
	if acct.PasswordLoginDisabled {
		a.loginFailed(w, r, flows.IdentityCredentialsLoginDisabled, email, returnTo)
		return
	}
	if !b.MaySignIn(acct) {
		a.loginFailed(w, r, flows.IdentityAccessDenied, email, returnTo)
		return
	}
	if err := a.SignedIn(w, r, acct); err != nil {
		b.cfg.Logger.ErrorContext(ctx, "oauthkit: starting a session failed", "err", err)
		a.loginFailed(w, r, flows.IdentityServerError, email, returnTo)
		return
	}
	a.setDevice(b, w, email)
	if returnTo == "" {
		returnTo = b.Link(a.cfg.Paths.PasswordLogin)
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

// passwordBusy answers a sign-in whose password could not be checked: every argon2id slot
// busy and the queue full (or the request gone). It is not a failure of the login.
func (a *Authenticator) passwordBusy(w http.ResponseWriter, r *http.Request, err error, email, returnTo string) {
	a.srv().cfg.Logger.WarnContext(r.Context(), "oauthkit: password sign-in refused: too many password checks at once", "err", err)
	a.loginFailed(w, r, flows.IdentityTemporarilyUnavailable, email, returnTo)
}

// loginFailed sends the person back to the sign-in page with identity_exception.
// The login that was typed, whether or not it exists, goes along in a short-lived sealed
// cookie rather than the URL (where history, logs and proxies would keep it), so the page
// can fill it in again without revealing which logins exist.
func (a *Authenticator) loginFailed(w http.ResponseWriter, r *http.Request, code, email, returnTo string) {
	b := a.srv()
	q := url.Values{"identity_exception": {code}}
	if returnTo != "" {
		q.Set("return_to", returnTo)
	}
	if email != "" {
		b.setTypedEmail(w, email)
	}
	http.Redirect(w, r, b.Link(a.cfg.Paths.PasswordLogin)+"?"+q.Encode(), http.StatusSeeOther)
}

// logoutHandler serves Paths.Logout: GET shows a sign-out button, POST (with CSRF token)
// ends the session and returns to the sign-in page, which says "You are signed out" (and,
// with federated sign-in, waits there rather than going straight back to the upstream).
func (a *Authenticator) logoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := a.srv()
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			d := struct{ Action, CSRF, Account, LoginPath string }{
				Action: b.Link(a.cfg.Paths.Logout), CSRF: b.CSRFToken(w, r), LoginPath: b.Link(a.cfg.Paths.Login),
			}
			if acct, ok, _ := a.currentAccount(b, r); ok {
				d.Account = acct.Login
			}
			a.render(w, r, "logout", d, flows.FormAction())
		case http.MethodPost:
			p, err := form.Read(w, r)
			if err != nil || !b.CheckCSRF(r, p[csrfField]) {
				http.Redirect(w, r, b.Link(a.cfg.Paths.Logout), http.StatusSeeOther)
				return
			}
			if a.cfg.RevokeTokensOnLogout {
				// The application asked that signing out also end what the account's apps
				// hold.
				if acct, ok, _ := a.currentAccount(b, r); ok {
					if _, err := b.RevokeAccountTokens(r.Context(), acct.ID); err != nil {
						b.cfg.Logger.ErrorContext(r.Context(), "oauthkit: revoking tokens at logout failed", "account_id", acct.ID, "err", err)
					}
				}
			}
			if err := a.endSession(r.Context(), b, w, r); err != nil {
				b.cfg.Logger.ErrorContext(r.Context(), "oauthkit: ending a session failed", "err", err)
			}
			http.Redirect(w, r, b.Link(a.cfg.Paths.Login)+"?"+signedOutParam+"=1", http.StatusSeeOther)
		default:
			flows.MethodNotAllowed(w, "GET, HEAD, POST")
		}
	})
}

// csrfField is the form field that carries the CSRF token (flows.Server.CSRFToken).
const csrfField = "csrf_token"
