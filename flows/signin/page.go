package signin

import (
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/flows"
)

//go:embed templates/*.html
var templateFS embed.FS

// defaultPages are the built-in sign-in and sign-out pages, in the server's layout: plain
// HTML, no JavaScript.
var defaultPages = template.Must(flows.ParsePages(templateFS, "templates/*.html"))

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

func (b *server) typedEmailCookie() string {
	if b.secure {
		return secureTypedEmailCookie
	}
	return typedEmailCookie
}

// setTypedEmail keeps email for the next sign-in page, sealed (the cookie is stored on
// the person's disk) and HttpOnly.
func (b *server) setTypedEmail(w http.ResponseWriter, email string) {
	sealed := b.cfg.Hasher.Seal(typedEmailPurpose, []byte(email))
	http.SetCookie(w, &http.Cookie{
		Name: b.typedEmailCookie(), Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(typedEmailLifetime / time.Second), HttpOnly: true, Secure: b.secure, SameSite: http.SameSiteLaxMode,
	})
}

// takeTypedEmail returns the email a failed sign-in kept, if any, and clears the cookie.
func (b *server) takeTypedEmail(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(b.typedEmailCookie())
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{
		Name: b.typedEmailCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: b.secure, SameSite: http.SameSiteLaxMode,
	})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	email, err := b.cfg.Hasher.Open(typedEmailPurpose, sealed)
	if err != nil || len(email) > 320 {
		return ""
	}
	return string(email)
}

// showLogin renders the sign-in page. Its form may end, after sign-in, at the client of
// the authorization request it returns to (no consent page when consent is remembered):
// its form-action allows that client's redirect URI.
func (a *Authenticator) showLogin(w http.ResponseWriter, r *http.Request) {
	b := a.srv()
	q := r.URL.Query()
	d := loginPageData{
		Action:     b.Link(a.cfg.Paths.PasswordLogin),
		LogoutPath: b.Link(a.cfg.Paths.Logout),
		CSRF:       b.CSRFToken(w, r),
		ReturnTo:   flows.SafeReturnTo(q.Get("return_to")),
		Email:      q.Get("entity_id"), // links from elsewhere may still name the login
	}
	if typed := b.takeTypedEmail(w, r); typed != "" {
		d.Email = typed
	}
	if code := q.Get("identity_exception"); identityText[code] != "" {
		d.Error, d.ErrorCode = identityText[code], code
	}
	var targets []string
	if d.ReturnTo != "" {
		if c, redirect, ok := b.RequestingClient(r.Context(), d.ReturnTo); ok {
			d.App = c.Name
			if redirect != "" {
				targets = append(targets, redirect)
			}
		}
	}
	acct, signedIn, _ := a.currentAccount(b, r)
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
	if a.fed != nil {
		d.FederatedURL, d.FederatedName = a.federatedLoginURL(d.ReturnTo), a.fed.Name()
	}
	a.render(w, r, "login", d, flows.FormAction(targets...))
}

// render sends the sign-in page template name, logging a template error.
func (a *Authenticator) render(w http.ResponseWriter, r *http.Request, name string, data any, formAction string) {
	if err := flows.WritePage(w, http.StatusOK, a.pages, name, data, formAction); err != nil {
		a.srv().cfg.Logger.ErrorContext(r.Context(), "oauthkit: rendering a page failed", "page", name, "err", err)
	}
}

// federatedLoginURL is the link on the sign-in page that starts a federated sign-in.
func (a *Authenticator) federatedLoginURL(returnTo string) string {
	login := a.srv().Link(a.cfg.Paths.Login)
	if returnTo == "" {
		return login
	}
	return login + "?" + url.Values{"return_to": {returnTo}}.Encode()
}
