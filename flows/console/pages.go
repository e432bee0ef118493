package console

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/internal/form"
	"github.com/oauthkit/oauthkit/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// defaultPages are the built-in pages: plain HTML and inline CSS, no JavaScript.
var defaultPages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// base is what every page receives: the layout's title, navigation and messages.
type base struct {
	// Title is the page's title and heading.
	Title string
	// Section names the navigation entry of the page: "apps", "tokens", "connected" or
	// "organization".
	Section string
	// Account is the signed-in login; Admin is true for an administrator, who sees the
	// organization's page.
	Account string
	Admin   bool
	// Nav holds the links of the navigation.
	Nav nav
	// CSRF is the token every form sends as csrf_token.
	CSRF string
	// Notice is a message about what was just done (shown with role="status").
	Notice string
	// Error is a problem with the request as a whole (shown with role="alert").
	Error string
}

// nav are the paths of the navigation, as the browser reaches them.
type nav struct {
	Apps, NewApp, Tokens, Connected, Organization, SignOut string
}

// link is the path by which the browser reaches the console's path p.
func (c *Console) link(p string) string { return c.srv.Link(c.cfg.Path + p) }

// session answers r for a page that needs a signed-in account: it returns the account
// and the page's base, or answers itself (sends the person to sign in, or an error page)
// and returns ok false.
func (c *Console) session(w http.ResponseWriter, r *http.Request, title, section string) (store.Account, base, bool) {
	acct, ok, err := c.auth.Account(r)
	if err != nil {
		c.log.ErrorContext(r.Context(), "oauthkit: console: who is signed in is unknown", "err", err)
		c.errorPage(w, r, base{Title: "Temporarily unavailable"}, http.StatusServiceUnavailable,
			"The service is temporarily unavailable. Please try again in a moment.")
		return store.Account{}, base{}, false
	}
	if !ok {
		returnTo := c.srv.Link(r.URL.Path)
		if r.Method == http.MethodGet && r.URL.RawQuery != "" {
			returnTo += "?" + r.URL.RawQuery
		}
		c.auth.SignIn(w, r, returnTo)
		return store.Account{}, base{}, false
	}
	b := base{
		Title: title, Section: section, Account: acct.Login, Admin: c.isAdmin(acct),
		CSRF: c.srv.CSRFToken(w, r),
		Nav: nav{
			Apps: c.link("/apps"), NewApp: c.link("/apps/new"), Tokens: c.link("/tokens"),
			Connected: c.link("/connected"), Organization: c.link("/organization"),
		},
	}
	if c.cfg.SignOutPath != "" {
		b.Nav.SignOut = c.srv.Link(c.cfg.SignOutPath)
	}
	if c.mayUse(acct) != nil {
		c.errorPage(w, r, b, http.StatusForbidden, "Your account may not use the developer console.")
		return store.Account{}, base{}, false
	}
	return acct, b, true
}

// render sends the page template name with status, logging a template error.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	if err := flows.WritePage(w, status, c.pages, name, data, flows.FormAction()); err != nil {
		c.log.ErrorContext(r.Context(), "oauthkit: console: rendering a page failed", "page", name, "err", err)
	}
}

// errorPageData is what "console_error" receives.
type errorPageData struct {
	base
	// Message explains what happened.
	Message string
}

func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, b base, status int, msg string) {
	if b.Title == "" {
		b.Title = http.StatusText(status)
	}
	c.render(w, r, status, "console_error", errorPageData{base: b, Message: msg})
}

// fail answers an error of the console's methods: 404 and 403 for what the person may not
// see or do, and 503 for anything else, logged and not shown.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, b base, err error) {
	b.Notice, b.Error = "", ""
	switch {
	case errors.Is(err, ErrNotFound):
		b.Title = "Not found"
		c.errorPage(w, r, b, http.StatusNotFound, "There is no such thing here, or it is not yours to see.")
	case errors.Is(err, ErrForbidden):
		b.Title = "Not allowed"
		c.errorPage(w, r, b, http.StatusForbidden, "Your account may not do this.")
	default:
		c.log.ErrorContext(r.Context(), "oauthkit: console: a request failed", "path", r.URL.Path, "err", err)
		b.Title = "Temporarily unavailable"
		c.errorPage(w, r, b, http.StatusServiceUnavailable, "Something went wrong on our side. Nothing was changed that you were not told about; please try again in a moment.")
	}
}

// readForm reads a form POST (application/x-www-form-urlencoded, at most 64 KiB) and checks
// its CSRF token. On failure it answers the request and returns ok false.
func (c *Console) readForm(w http.ResponseWriter, r *http.Request, b base) (url.Values, bool) {
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		c.errorPage(w, r, b, http.StatusUnsupportedMediaType, "The form was not sent as a form.")
		return nil, false
	}
	body, err := form.ReadBody(w, r)
	if err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		c.errorPage(w, r, b, status, "The form could not be read.")
		return nil, false
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		c.errorPage(w, r, b, http.StatusBadRequest, "The form could not be read.")
		return nil, false
	}
	if !c.srv.CheckCSRF(r, vals.Get("csrf_token")) {
		b.Title = "The form has expired"
		c.errorPage(w, r, b, http.StatusForbidden, "The form has expired or did not come from this site. Go back, reload the page and try again.")
		return nil, false
	}
	return vals, true
}

// seeOther answers a form that succeeded: 303 to the console's path p, so that reloading
// the next page never posts the form again.
func (c *Console) seeOther(w http.ResponseWriter, r *http.Request, p string) {
	http.Redirect(w, r, c.link(p), http.StatusSeeOther)
}

// notices are the fixed messages a page shows for the notice parameter of its query, so
// that a link can never make a page say something else.
var notices = map[string]string{
	"deleted": "The app was deleted and every token issued to it was revoked.",
	"revoked": "The token was revoked. It no longer works.",
	"removed": "Access was removed and the app's tokens were revoked.",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("notice")] }

// when formats t for a page: "" for the zero time.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// machineTime is t for a <time datetime> attribute.
func machineTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// pathSeg escapes an identifier as one path segment of a link.
func pathSeg(s string) string { return url.PathEscape(s) }
