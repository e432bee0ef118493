package flows

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

// defaultPages are the built-in login, consent, error and logout pages: plain HTML, no
// JavaScript.
var defaultPages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// basePageCSP is the Content-Security-Policy of every page without its form-action
// directive: no scripts, no framing, no base URL.
const basePageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"

// setPageHeaders sends the headers every HTML page carries (R-SEC-5): no framing, no
// referrer leaking codes or state, no caching of pages with CSRF tokens, no scripts, and
// forms that submit only to formAction (a CSP source list; "" leaves form-action out).
func setPageHeaders(w http.ResponseWriter, formAction string) {
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

// formActionSources is the form-action source list of a page whose forms post to this
// server and may end, through the redirects that follow, at the given redirect URIs: Chrome
// and Safari check form-action against every redirect of a form submission, so the consent
// page must allow the client's redirect origin or the browser refuses to deliver the code.
// A target that no CSP source can name exactly (an IPv6 literal, a scheme CSP cannot spell)
// drops the directive rather than break the sign-in; the other directives stay.
func formActionSources(targets ...string) string {
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

// render executes the page template name into a buffer first, so that a template error
// becomes a clean 500 instead of half a page. The sign-in page's form may end, after
// sign-in, at the client of the authorization request it returns to (no consent page
// when consent is remembered); its form-action allows that client's redirect URI.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var targets []string
	if name == "login" {
		targets = s.returnTarget(r.Context(), r.URL.Query().Get("return_to"))
	}
	s.renderPage(w, r, status, name, data, formActionSources(targets...))
}

// renderPage is render with the page's form-action source list.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data any, formAction string) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.ErrorContext(r.Context(), "oauthkit: rendering a page failed", "page", name, "err", err)
		setPageHeaders(w, "'none'")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("server_error\n"))
		return
	}
	setPageHeaders(w, formAction)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// returnTarget returns the redirect URI of the authorization request that returnTo (a
// sign-in page's return_to) names, when it names a known client and one of its registered
// redirect URIs; nil otherwise.
func (s *Server) returnTarget(ctx context.Context, returnTo string) []string {
	returnTo = safeReturnTo(returnTo)
	if returnTo == "" {
		return nil
	}
	u, err := url.Parse(returnTo)
	if err != nil || !s.isAuthorizePath(u.Path) {
		return nil
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || len(q["client_id"]) != 1 || len(q["redirect_uri"]) != 1 || checkText("client_id", q.Get("client_id")) != nil {
		return nil
	}
	client, err := s.store.Client(ctx, q.Get("client_id"))
	if err != nil || matchRedirect(client, q.Get("redirect_uri")) != nil {
		return nil
	}
	return []string{q.Get("redirect_uri")}
}

// isAuthorizePath reports whether path, as a browser sends it, is the authorization
// endpoint's.
func (s *Server) isAuthorizePath(path string) bool {
	return path == s.link(s.cfg.Paths.Authorize) ||
		(s.cfg.Paths.Authorize == DefaultPaths().Authorize && path == s.link("/authorize"))
}

// methodNotAllowed answers a request whose method the handler does not serve: 405 with the
// methods it does (RFC 9110 §15.5.6). The handlers check methods themselves because each
// may be mounted alone, without a method-matching pattern.
func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}
