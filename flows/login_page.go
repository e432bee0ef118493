package flows

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"time"
)

// loginPageData is what the "login" template receives.
type loginPageData struct {
	Action, LogoutPath, CSRF, ReturnTo, Email string
	Error, ErrorCode                          string
	// Notice is a message that is not an error ("You are signed out.").
	Notice string
	// App names the application whose authorization request brought the person here.
	App string
	// Account is the signed-in login, if any. With Continue (where the person was going),
	// the page offers to continue as Account besides signing in as someone else; without,
	// it says who is signed in and offers to sign out.
	Account, Continue string
	// FederatedURL, with federated sign-in, starts it; FederatedName names the upstream.
	FederatedURL, FederatedName string
}

// signedOutParam, on the sign-in page's query, says the person has just signed out.
const signedOutParam = "signed_out"

// Typed-email cookie: the login typed in a failed sign-in, for the page to fill in again.
const (
	typedEmailCookie       = "oauthkit_login_email"
	secureTypedEmailCookie = "__Host-oauthkit_login_email"
	typedEmailPurpose      = "typed login email\x00"
	typedEmailLifetime     = 5 * time.Minute
)

func (s *Server) typedEmailCookie() string {
	if s.secure {
		return secureTypedEmailCookie
	}
	return typedEmailCookie
}

// setTypedEmail keeps email for the next sign-in page, sealed (the cookie is stored on
// the person's disk) and HttpOnly.
func (s *Server) setTypedEmail(w http.ResponseWriter, email string) {
	sealed := s.hasher.Seal(typedEmailPurpose, []byte(email))
	http.SetCookie(w, &http.Cookie{
		Name: s.typedEmailCookie(), Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(typedEmailLifetime / time.Second), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// takeTypedEmail returns the email a failed sign-in kept, if any, and clears the cookie.
func (s *Server) takeTypedEmail(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(s.typedEmailCookie())
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.typedEmailCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	email, err := s.hasher.Open(typedEmailPurpose, sealed)
	if err != nil || len(email) > 320 {
		return ""
	}
	return string(email)
}

// showLogin renders the sign-in page.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := loginPageData{
		Action:     s.link(s.cfg.Paths.PasswordLogin),
		LogoutPath: s.link(s.cfg.Paths.Logout),
		CSRF:       s.csrfToken(w, r),
		ReturnTo:   safeReturnTo(q.Get("return_to")),
		Email:      q.Get("entity_id"), // links from elsewhere may still name the login
	}
	if typed := s.takeTypedEmail(w, r); typed != "" {
		d.Email = typed
	}
	if code := q.Get("identity_exception"); identityText[code] != "" {
		d.Error, d.ErrorCode = identityText[code], code
	}
	d.App = s.requestingApp(r, d.ReturnTo)
	acct, signedIn, _ := s.currentAccount(r)
	switch {
	case !signedIn:
		if q.Has(signedOutParam) && d.Error == "" {
			d.Notice = "You are signed out."
		}
	case d.Error != "":
		// The page explains a failure; it shows the form.
	case d.ReturnTo == "":
		d.Account = acct.Login
	default:
		d.Account, d.Continue = acct.Login, d.ReturnTo
	}
	if s.fed != nil {
		d.FederatedURL, d.FederatedName = s.federatedLoginURL(d.ReturnTo), s.fed.cfg.Name
	}
	s.render(w, r, http.StatusOK, "login", d)
}

// requestingApp is the name of the client whose authorization request returnTo is, or "".
func (s *Server) requestingApp(r *http.Request, returnTo string) string {
	if returnTo == "" {
		return ""
	}
	u, err := url.Parse(returnTo)
	if err != nil || !s.isAuthorizePath(u.Path) {
		return ""
	}
	id := u.Query().Get("client_id")
	if id == "" || len(id) > 200 {
		return ""
	}
	c, err := s.store.Client(r.Context(), id)
	if err != nil {
		return ""
	}
	return c.Name
}
