package flows

import (
	"crypto/subtle"
	"net/http"
)

// CSRF protection for the server's forms has two layers:
//
//  1. net/http's CrossOriginProtection refuses cross-origin POSTs from browsers that send
//     Sec-Fetch-Site or Origin (all current ones);
//  2. a signed double-submit token: a random value in an HttpOnly cookie, and in each form
//     the keyed hash of that value. A forging page can neither read the cookie nor compute
//     the hash without the server's key.
const (
	csrfCookieName       = "oauthkit_csrf"
	secureCSRFCookieName = "__Host-oauthkit_csrf"
	csrfField            = "csrf_token"
)

func (s *Server) csrfCookie() string {
	if s.secure {
		return secureCSRFCookieName
	}
	return csrfCookieName
}

// csrfToken returns the token to embed in a form for this browser, setting the CSRF cookie
// when the browser has none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.csrfCookie()); err == nil && c.Value != "" {
		return s.csrfFor(c.Value)
	}
	v, _ := s.mint(markCSRF)
	http.SetCookie(w, &http.Cookie{
		Name:     s.csrfCookie(),
		Value:    v,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
	return s.csrfFor(v)
}

// CSRFToken returns the CSRF token of the browser making r, setting its CSRF cookie on w
// when it has none yet. The application's own pages (a developer console) embed it so that
// the browser can use the personal access token API with its session: such POST and
// DELETE requests carry it in the X-CSRF-Token header. The token is tied to the browser's
// cookie and to the server's key; a page of another site can neither read nor compute it.
func (s *Server) CSRFToken(w http.ResponseWriter, r *http.Request) string {
	return s.csrfToken(w, r)
}

func (s *Server) csrfFor(cookie string) string {
	return s.hasher.Hash("csrf\x00" + cookie).String()
}

// CheckCSRF reports whether a form POST (or a request carrying the token in a header) is
// same-origin and carries the token of [Server.CSRFToken] that matches its CSRF cookie.
// Sign-in pages check their forms with it.
func (s *Server) CheckCSRF(r *http.Request, token string) bool { return s.checkCSRF(r, token) }

func (s *Server) checkCSRF(r *http.Request, token string) bool {
	if s.cop.Check(r) != nil {
		return false
	}
	c, err := r.Cookie(s.csrfCookie())
	if err != nil || c.Value == "" || token == "" {
		return false
	}
	want := s.csrfFor(c.Value)
	return subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}
