package flows

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/password"
	"github.com/oauthkit/oauthkit/store"
)

// Identity exceptions: why sign-in failed, sent to the login page as identity_exception
// (R-ERR-3).
const (
	// IdentityInvalidRequest: the form or callback was malformed or forged (CSRF, state).
	IdentityInvalidRequest = "invalid_request"
	// IdentityUnauthorized: wrong email or password, or too many recent failures.
	IdentityUnauthorized = "unauthorized"
	// IdentityServerError: storage failed.
	IdentityServerError = "server_error"
	// IdentityAccessDenied: the account holds no sign-in role, or the person cancelled at
	// the upstream provider.
	IdentityAccessDenied = "access_denied"
	// IdentityLost: the browser's session has ended (logout elsewhere, expiry, password
	// reset).
	IdentityLost = "identity_lost"
	// IdentityCredentialsLoginDisabled: the account signs in through the upstream provider
	// only.
	IdentityCredentialsLoginDisabled = "credentials_login_disabled"
	// IdentityTooManyAttempts: sign-in for this email failed too often recently, from
	// anywhere (Config.LoginAccountMaxFailures); the password was not checked. Trying again
	// after a few seconds gets a real check.
	IdentityTooManyAttempts = "too_many_attempts"
	// IdentityTemporarilyUnavailable: the server is checking too many passwords at once;
	// the password was not checked. Trying again in a moment works.
	IdentityTemporarilyUnavailable = "temporarily_unavailable"
)

// Defaults of the per-email sign-in budget (Config.LoginAccountMaxFailures).
const (
	defaultLoginAccountMaxFailures   = 20
	defaultLoginAccountFailureWindow = 15 * time.Minute
	defaultLoginAccountSlowdown      = 10 * time.Second
)

var identityText = map[string]string{
	IdentityInvalidRequest:           "The sign-in request was not valid. Please try again.",
	IdentityUnauthorized:             "The email or password is not correct.",
	IdentityServerError:              "Something went wrong on our side. Please try again in a moment.",
	IdentityAccessDenied:             "Your account is not allowed to sign in.",
	IdentityLost:                     "You have been signed out. Please sign in again.",
	IdentityCredentialsLoginDisabled: "Password sign-in is disabled for this account. Use your organization's sign-in instead.",
	IdentityTooManyAttempts:          "There have been too many sign-in attempts for this account. Please wait a few seconds and try again.",
	IdentityTemporarilyUnavailable:   "We are handling too many sign-ins right now. Please try again in a moment.",
}

// LoginHandler returns /login, where sign-in starts. With Config.Federation it sends the
// person to the upstream provider (R-LOGIN-2, federation_login.go). Without, it forwards,
// query and all, to the password sign-in page; a POST is forwarded with 303, so its body is
// never re-posted (R-SEC-4).
func (s *Server) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
			if s.fed != nil {
				s.startFederated(w, r)
				return
			}
			target := s.link(s.cfg.Paths.PasswordLogin)
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
		default:
			methodNotAllowed(w, "GET, HEAD, POST")
		}
	})
}

// PasswordLoginHandler returns the password sign-in page (the seed's /old-login, R-LOGIN-1):
// GET shows the form, POST checks email and password (argon2id, constant-time failure
// paths, one generic error) and starts a session.
func (s *Server) PasswordLoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			s.showLogin(w, r)
		case http.MethodPost:
			s.postLogin(w, r)
		default:
			methodNotAllowed(w, "GET, HEAD, POST")
		}
	})
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, e := readFormParams(w, r)
	if e != nil {
		s.loginFailed(w, r, IdentityInvalidRequest, "", "")
		return
	}
	returnTo := safeReturnTo(p["return_to"])
	if !s.checkCSRF(r, p[csrfField]) {
		s.loginFailed(w, r, IdentityInvalidRequest, "", returnTo)
		return
	}
	email := strings.TrimSpace(p["email"])
	if checkText("email", email) != nil {
		// No account has such a login: the generic failure, without a lookup (strings.ToLower
		// would also turn invalid UTF-8 into U+FFFD).
		s.log.InfoContext(ctx, "oauthkit: password sign-in refused: the email holds control characters or invalid UTF-8")
		s.loginFailed(w, r, IdentityUnauthorized, "", returnTo)
		return
	}
	email = strings.ToLower(email)
	pw := p["password"]
	if email == "" || pw == "" || len(email) > 320 || len(pw) > 1024 {
		s.loginFailed(w, r, IdentityInvalidRequest, email, returnTo)
		return
	}
	now := s.now()
	key := s.throttleKey(email, r)
	if blocked, _ := s.logins.blocked(key, now); blocked {
		s.loginFailed(w, r, IdentityUnauthorized, email, returnTo)
		return
	}
	// Guessing one account's password from many addresses: past its budget, the email is
	// checked at most once per LoginAccountSlowdown, whoever asks (R-SEC-3), except from a
	// browser where it signed in before (login_device.go). The answer is the same whether
	// or not the account exists.
	device := s.device(r, email, now)
	if device == "" {
		if ok, _ := s.accounts.admit(email, now, s.cfg.LoginAccountSlowdown); !ok {
			s.log.WarnContext(ctx, "oauthkit: password sign-in slowed: too many failures for this email")
			s.loginFailed(w, r, IdentityTooManyAttempts, email, returnTo)
			return
		}
	}
	failed := func() {
		s.logins.fail(key, now)
		s.accounts.fail(email, now)
		if device != "" {
			s.logins.fail(device, now)
		}
		s.loginFailed(w, r, IdentityUnauthorized, email, returnTo)
	}
	acct, err := s.store.AccountByLogin(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := s.passwords.Waste(ctx, pw); err != nil {
			s.passwordBusy(w, r, err, email, returnTo)
			return
		}
		failed()
		return
	case err != nil:
		s.log.ErrorContext(ctx, "oauthkit: sign-in lookup failed", "err", err)
		s.loginFailed(w, r, IdentityServerError, email, returnTo)
		return
	}
	ok := false
	if acct.PasswordHash == "" {
		err = s.passwords.Waste(ctx, pw)
	} else {
		ok, err = s.passwords.Verify(ctx, pw, acct.PasswordHash)
	}
	switch {
	case errors.Is(err, password.ErrMalformed):
		s.log.ErrorContext(ctx, "oauthkit: stored password hash is malformed", "account_id", acct.ID, "err", err)
	case err != nil:
		s.passwordBusy(w, r, err, email, returnTo)
		return
	}
	if !ok {
		failed()
		return
	}
	// Checked only after the password, so the answer reveals nothing to a guesser.
	if acct.PasswordLoginDisabled {
		s.loginFailed(w, r, IdentityCredentialsLoginDisabled, email, returnTo)
		return
	}
	if !s.maySignIn(acct) {
		s.loginFailed(w, r, IdentityAccessDenied, email, returnTo)
		return
	}
	if err := s.startSession(ctx, w, r, acct); err != nil {
		s.log.ErrorContext(ctx, "oauthkit: starting a session failed", "err", err)
		s.loginFailed(w, r, IdentityServerError, email, returnTo)
		return
	}
	s.setDevice(w, email)
	if returnTo == "" {
		returnTo = s.link(s.cfg.Paths.PasswordLogin)
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

// passwordBusy answers a sign-in whose password could not be checked: every argon2id slot
// busy and the queue full (or the request gone). It is not a failure of the login.
func (s *Server) passwordBusy(w http.ResponseWriter, r *http.Request, err error, email, returnTo string) {
	s.log.WarnContext(r.Context(), "oauthkit: password sign-in refused: too many password checks at once", "err", err)
	s.loginFailed(w, r, IdentityTemporarilyUnavailable, email, returnTo)
}

// maySignIn reports whether acct holds a role that may sign in (Config.Policy.SignInRoles).
func (s *Server) maySignIn(acct store.Account) bool {
	if len(s.cfg.Policy.SignInRoles) == 0 {
		return true
	}
	for _, r := range s.cfg.Policy.SignInRoles {
		if acct.HasRole(r) {
			return true
		}
	}
	return false
}

// loginFailed sends the person back to the sign-in page with identity_exception (R-ERR-3).
// The login that was typed, whether or not it exists, goes along in a short-lived sealed
// cookie rather than the URL (where history, logs and proxies would keep it), so the page
// can fill it in again without revealing which logins exist.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, code, email, returnTo string) {
	q := url.Values{"identity_exception": {code}}
	if returnTo != "" {
		q.Set("return_to", returnTo)
	}
	if email != "" {
		s.setTypedEmail(w, email)
	}
	http.Redirect(w, r, s.link(s.cfg.Paths.PasswordLogin)+"?"+q.Encode(), http.StatusSeeOther)
}

// LogoutHandler returns /logout: GET shows a sign-out button, POST (with CSRF token) ends
// the session and returns to the sign-in page, which says "You are signed out" (and, with
// federated sign-in, waits there rather than going straight back to the upstream).
func (s *Server) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			d := struct{ Action, CSRF, Account, LoginPath string }{
				Action: s.link(s.cfg.Paths.Logout), CSRF: s.csrfToken(w, r), LoginPath: s.link(s.cfg.Paths.Login),
			}
			if acct, ok, _ := s.currentAccount(r); ok {
				d.Account = acct.Login
			}
			s.render(w, r, http.StatusOK, "logout", d)
		case http.MethodPost:
			p, e := readFormParams(w, r)
			if e != nil || !s.checkCSRF(r, p[csrfField]) {
				http.Redirect(w, r, s.link(s.cfg.Paths.Logout), http.StatusSeeOther)
				return
			}
			if s.cfg.RevokeTokensOnLogout {
				// R-LOGIN-4: the application asked that signing out also end what the
				// account's apps hold.
				if acct, ok, _ := s.currentAccount(r); ok {
					if _, err := s.store.RevokeAccountTokens(r.Context(), acct.ID); err != nil {
						s.log.ErrorContext(r.Context(), "oauthkit: revoking tokens at logout failed", "account_id", acct.ID, "err", err)
					}
				}
			}
			if err := s.endSession(r.Context(), w, r); err != nil {
				s.log.ErrorContext(r.Context(), "oauthkit: ending a session failed", "err", err)
			}
			http.Redirect(w, r, s.link(s.cfg.Paths.Login)+"?"+signedOutParam+"=1", http.StatusSeeOther)
		default:
			methodNotAllowed(w, "GET, HEAD, POST")
		}
	})
}

// safeReturnTo returns s if it is a path on this server ("/..." but not "//..." or "/\...",
// no scheme, host or control characters), else "". It keeps the sign-in pages from being an
// open redirect.
func safeReturnTo(s string) string {
	if s == "" || s[0] != '/' || len(s) > 4096 || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return ""
	}
	for i := 0; i < len(s); i++ {
		// Printable ASCII only: the paths this server sends people back to are its own,
		// already percent-encoded; anything else is a crafted value.
		if s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\' {
			return ""
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return s
}

// readFormParams reads a form POST body (application/x-www-form-urlencoded only), bounded
// and with repeated fields refused.
func readFormParams(w http.ResponseWriter, r *http.Request) (params, *Error) {
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		return nil, invalidRequest("the form must be application/x-www-form-urlencoded")
	}
	return readBodyParams(w, r)
}
