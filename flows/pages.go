package flows

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

// defaultPages are the built-in login, consent, error and logout pages: plain HTML, no
// JavaScript.
var defaultPages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// setPageHeaders sends the headers every HTML page carries (R-SEC-5): no framing, no
// referrer leaking codes or state, no caching of pages with CSRF tokens, no scripts.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// render executes the page template name into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.ErrorContext(r.Context(), "oauthkit: rendering a page failed", "page", name, "err", err)
		setPageHeaders(w)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("server_error\n"))
		return
	}
	setPageHeaders(w)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// methodNotAllowed answers a request whose method the handler does not serve: 405 with the
// methods it does (RFC 9110 §15.5.6). The handlers check methods themselves because each
// may be mounted alone, without a method-matching pattern.
func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}
