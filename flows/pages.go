package flows

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

// defaultPages are the built-in consent and error pages: plain HTML, no JavaScript.
var defaultPages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// PageLayout returns a new template set holding the layout every page of the server
// shares: "head" (taking the page title) opens the page and "foot" closes it. A sign-in
// package parses its own pages into it, so that they look like the server's.
func PageLayout() *template.Template {
	return template.Must(template.ParseFS(templateFS, "templates/layout.html"))
}

// ParsePages is PageLayout with the templates of fsys matching patterns parsed into it.
func ParsePages(fsys fs.FS, patterns ...string) (*template.Template, error) {
	return PageLayout().ParseFS(fsys, patterns...)
}

// basePageCSP is the Content-Security-Policy of every page without its form-action
// directive: no scripts, no framing, no base URL.
const basePageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"

// SetPageHeaders sends the security headers every HTML page of the server carries: no
// framing, no referrer leaking codes or state, no caching of pages with CSRF tokens, no
// scripts, and forms that submit only to formAction (a CSP source list such as
// [FormAction] returns; "" leaves form-action out).
func SetPageHeaders(w http.ResponseWriter, formAction string) {
	h := w.Header()
	csp := basePageCSP
	if formAction != "" {
		csp += "; form-action " + formAction
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// FormAction is the form-action source list of a page whose forms post to this server and
// may end, through the redirects that follow, at the given redirect URIs: Chrome
// and Safari check form-action against every redirect of a form submission, so the consent
// page must allow the client's redirect origin or the browser refuses to deliver the code.
// A target that no CSP source can name exactly (an IPv6 literal, a scheme CSP cannot spell)
// drops the directive rather than break the sign-in; the other directives stay.
func FormAction(targets ...string) string {
	list := []string{"'self'"}
	for _, t := range targets {
		src, ok := cspSource(t)
		if !ok {
			return ""
		}
		list = append(list, src)
	}
	return strings.Join(list, " ")
}

// cspSource returns the CSP source expression (CSP3 §2.3.1) that allows the redirect URI
// u: its origin for http and https, its scheme for a native app's own scheme.
func cspSource(u string) (string, bool) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || !cspScheme(p.Scheme) {
		return "", false
	}
	scheme := strings.ToLower(p.Scheme)
	if scheme != "http" && scheme != "https" {
		return scheme + ":", true
	}
	host := strings.ToLower(p.Hostname())
	if host == "" {
		return "", false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return "", false // IPv6 literals and anything else host-source cannot spell
		}
	}
	src := scheme + "://" + host
	if port := p.Port(); port != "" {
		src += ":" + port
	}
	return src, true
}

// cspScheme reports whether s is a scheme CSP can spell: ALPHA *( ALPHA / DIGIT / "+" /
// "-" / "." ).
func cspScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// WritePage executes the template name of t with data into a buffer and sends it with
// status and the headers of [SetPageHeaders], so that a template error becomes a clean 500
// instead of half a page; that error is returned, for the caller's log.
func WritePage(w http.ResponseWriter, status int, t *template.Template, name string, data any, formAction string) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		SetPageHeaders(w, "'none'")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("server_error\n"))
		return err
	}
	SetPageHeaders(w, formAction)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// renderPage sends the page template name of the server's pages, logging a template
// error.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data any, formAction string) {
	if err := WritePage(w, status, s.pages, name, data, formAction); err != nil {
		s.log.ErrorContext(r.Context(), "oauthkit: rendering a page failed", "page", name, "err", err)
	}
}

// SafeReturnTo returns s if it is a path on this server ("/..." but not "//..." or
// "/\...", no scheme, host or control characters), else "". Sign-in pages check a
// return_to with it, so as not to be an open redirect.
func SafeReturnTo(s string) string {
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

// isAuthorizePath reports whether path, as a browser sends it, is the authorization
// endpoint's.
func (s *Server) isAuthorizePath(path string) bool {
	return path == s.link(s.cfg.Paths.Authorize) ||
		(s.cfg.Paths.Authorize == DefaultPaths().Authorize && path == s.link("/authorize"))
}

// RedirectStatus is the status of a redirect answering r: 303 after a form POST, so the
// browser follows with GET and never re-posts the form to the next site; 302 otherwise.
func RedirectStatus(r *http.Request) int {
	if r.Method == http.MethodPost {
		return http.StatusSeeOther
	}
	return http.StatusFound
}

// MethodNotAllowed answers a request whose method the handler does not serve: 405 with the
// methods it does (RFC 9110 §15.5.6). The handlers check methods themselves because each
// may be mounted alone, without a method-matching pattern.
func MethodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}
