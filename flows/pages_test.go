package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// getFrom GETs path (following redirects on the server) as a request that names a foreign
// Origin, the way a cross-origin fetch would.
func (b *browser) getFrom(path, origin string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	req.Header.Set("Origin", origin)
	return b.do(req)
}

// TestPageSecurityHeaders: every HTML page forbids framing, referrers and caching, and
// sends no CORS header, even to a cross-origin request (R-SEC-5).
func TestPageSecurityHeaders(t *testing.T) {
	const evil = "https://evil.example"
	signedIn := func(e *env) *browser {
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		return b
	}
	pages := []struct {
		name  string
		fetch func(e *env) page
		want  string // a fragment proving it is the right page
	}{
		{"login", func(e *env) page { return e.browser().getFrom("/old-login", evil) }, `name="password"`},
		{"login with an error", func(e *env) page {
			return e.browser().getFrom("/old-login?identity_exception=unauthorized&entity_id=a%40b", evil)
		}, `role="alert"`},
		{"login via /login", func(e *env) page { return e.browser().getFrom("/login", evil) }, `name="password"`},
		{"login, signed in", func(e *env) page { return signedIn(e).getFrom("/old-login", evil) }, "You are signed in as"},
		{"consent", func(e *env) page { return signedIn(e).getFrom("/?"+authzQuery(nil).Encode(), evil) }, `name="decision"`},
		{"consent via /authorize", func(e *env) page {
			return signedIn(e).getFrom("/authorize?"+authzQuery(nil).Encode(), evil)
		}, `name="decision"`},
		{"error", func(e *env) page {
			return e.browser().getFrom("/ooops?oauth_exception=unauthorized_client&exception_details=client_id_not_found", evil)
		}, "<code>client_id_not_found</code>"},
		{"error reached by redirect", func(e *env) page { return e.browser().getFrom("/?client_id=nope", evil) }, "<code>unauthorized_client</code>"},
		{"logout, signed in", func(e *env) page { return signedIn(e).getFrom("/logout", evil) }, `action="/logout"`},
		{"logout, signed out", func(e *env) page { return e.browser().getFrom("/logout", evil) }, "You are not signed in."},
	}
	for _, tt := range pages {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.fetch(newEnv(t))
			if p.StatusCode != http.StatusOK || !strings.Contains(p.body, tt.want) {
				t.Fatalf("status %d, want 200 with %q:\n%s", p.StatusCode, tt.want, p.body)
			}
			h := p.Header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy = %q, want frame-ancestors 'none'", csp)
			}
			for k, want := range map[string]string{
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "no-referrer",
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
				"Content-Type":           "text/html; charset=utf-8",
			} {
				if got := h.Values(k); len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			for k := range h {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("CORS header %s: %q", k, h[k])
				}
			}
		})
	}
}

// TestErrorPage: the error page (the seed's /ooops) explains each known oauth_exception and
// exception_details with both codes visible, and echoes nothing it does not know (R-ERR-2,
// R-ERR-4).
func TestErrorPage(t *testing.T) {
	tests := []struct {
		query      string
		code       string // shown in <code>; "unknown" for anything not in the catalogue
		title      string
		detail     string // shown in <code>; "" for none
		detailText string
	}{
		{"oauth_exception=invalid_request", "invalid_request", "The request was not valid", "", ""},
		{"oauth_exception=unauthorized_client&exception_details=client_id_not_found", "unauthorized_client", "This app cannot sign you in", "client_id_not_found", "The app's client ID is missing or does not exist."},
		{"oauth_exception=unauthorized_client&exception_details=redirect_uri_not_set", "unauthorized_client", "This app cannot sign you in", "redirect_uri_not_set", "The app has no redirect URI configured"},
		{"oauth_exception=unauthorized_client&exception_details=invalid_redirect_uri", "unauthorized_client", "This app cannot sign you in", "invalid_redirect_uri", "has not registered, so you were not sent there."},
		{"oauth_exception=invalid_request&exception_details=too_many_redirects", "invalid_request", "This app is stuck in a redirect loop", "too_many_redirects", "too many times in a short time"},
		{"oauth_exception=access_denied", "access_denied", "Access was not granted", "", ""},
		{"oauth_exception=unsupported_response_type", "unsupported_response_type", "This kind of sign-in is not supported", "", ""},
		{"oauth_exception=invalid_scope", "invalid_scope", "The app asked for permissions it cannot have", "", ""},
		{"oauth_exception=server_error", "server_error", "Something went wrong on our side", "", ""},
		{"oauth_exception=temporarily_unavailable", "temporarily_unavailable", "The service is temporarily unavailable", "", ""},
		{"oauth_exception=missing_grant", "missing_grant", "The app is missing your permission", "", ""},
		{"", "unknown", "Something went wrong", "", ""},
		{"oauth_exception=%3Cscript%3Ealert(1)%3C%2Fscript%3E&exception_details=%3Cb%3Eevil", "unknown", "Something went wrong", "", ""},
		{"oauth_exception=invalid_scope&exception_details=see+https%3A%2F%2Fevil.example", "invalid_scope", "The app asked for permissions it cannot have", "", ""},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p := e.browser().get("/ooops?" + tt.query)
			if p.StatusCode != http.StatusOK {
				t.Fatalf("status %d", p.StatusCode)
			}
			if !strings.Contains(p.body, "<h1>"+tt.title+"</h1>") || !strings.Contains(p.body, "<code>"+tt.code+"</code>") {
				t.Errorf("want title %q and code %q:\n%s", tt.title, tt.code, p.body)
			}
			if tt.detail != "" && (!strings.Contains(p.body, "<code>"+tt.detail+"</code>") || !strings.Contains(p.text(), tt.detailText)) {
				t.Errorf("want detail %q explained:\n%s", tt.detail, p.body)
			}
			if tt.detail == "" && strings.Count(p.body, "<code>") != 1 {
				t.Errorf("an exception_details is shown:\n%s", p.body)
			}
			for _, echoed := range []string{"<script", "alert(1)", "<b>", "evil"} {
				if strings.Contains(p.body, echoed) {
					t.Errorf("the page echoes %q from the query", echoed)
				}
			}
		})
	}
}

// TestMethodNotAllowed: the authorization endpoint and the sign-in, sign-out and error pages
// answer other methods with 405 and Allow, and never with CORS headers.
func TestMethodNotAllowed(t *testing.T) {
	allow := map[string]string{
		"/":          "GET, POST",
		"/authorize": "GET, POST",
		"/login":     "GET, HEAD, POST",
		"/old-login": "GET, HEAD, POST",
		"/logout":    "GET, HEAD, POST",
		"/ooops":     "GET, HEAD",
	}
	e := newEnv(t)
	for path, want := range allow {
		for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
			t.Run(method+" "+path, func(t *testing.T) {
				req, _ := http.NewRequest(method, e.srv.URL+path+"?"+authzQuery(nil).Encode(), strings.NewReader("a=b"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", "https://evil.example")
				req.Header.Set("Access-Control-Request-Method", http.MethodPost)
				p := e.browser().once(req)
				if p.StatusCode != http.StatusMethodNotAllowed || p.Header.Get("Allow") != want {
					t.Fatalf("status %d Allow %q, want 405 with Allow %q", p.StatusCode, p.Header.Get("Allow"), want)
				}
				for k := range p.Header {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("CORS header %s", k)
					}
				}
			})
		}
	}
}

// TestFormPostsRedirectWith303: every redirect answering a form POST (sign-in, consent,
// sign-out), success or failure, is 303, so the browser follows with GET and never
// re-posts the form elsewhere (R-SEC-4).
func TestFormPostsRedirectWith303(t *testing.T) {
	login := url.Values{"email": {"alice@example.com"}, "password": {alicePW}}
	tests := []struct {
		name string
		post func(e *env) page
		to   string // path the redirect goes to, or the client's redirect URI
	}{
		{"sign-in", func(e *env) page { b := e.browser(); return b.submitOnce(b.get("/old-login"), login, nil) }, "/old-login"},
		{"sign-in with return_to", func(e *env) page {
			b := e.browser()
			return b.submitOnce(b.get("/old-login?return_to=%2F%3Fa%3Db"), login, nil)
		}, "/"},
		{"failed sign-in", func(e *env) page {
			b := e.browser()
			return b.submitOnce(b.get("/old-login"), url.Values{"email": {"alice@example.com"}, "password": {"x"}}, nil)
		}, "/old-login"},
		{"sign-in without CSRF token", func(e *env) page {
			b := e.browser()
			return b.submitOnce(b.get("/old-login"), url.Values{"csrf_token": nil, "email": {"a@b.c"}, "password": {"x"}}, nil)
		}, "/old-login"},
		{"consent allow", func(e *env) page {
			b, p := e.consentPage(authzQuery(nil))
			return b.submitOnce(p, url.Values{"decision": {"allow"}}, nil)
		}, confRedirect},
		{"consent deny", func(e *env) page {
			b, p := e.consentPage(authzQuery(nil))
			return b.submitOnce(p, url.Values{"decision": {"deny"}}, nil)
		}, confRedirect},
		{"consent refused for CSRF", func(e *env) page {
			b, p := e.consentPage(authzQuery(nil))
			return b.submitOnce(p, url.Values{"decision": {"allow"}, "csrf_token": nil}, nil)
		}, "/ooops"},
		{"consent after the session expired", func(e *env) page {
			b, p := e.consentPage(authzQuery(nil))
			e.clock.Advance(12*time.Hour + time.Second)
			return b.submitOnce(p, url.Values{"decision": {"allow"}}, nil)
		}, "/login"},
		{"sign-out", func(e *env) page {
			b := e.browser()
			b.signedInAs("alice@example.com", alicePW)
			return b.submitOnce(b.get("/logout"), nil, nil)
		}, "/login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.post(newEnv(t))
			u := redirectLocation(t, p, http.StatusSeeOther)
			if got := strings.TrimSuffix(u.Scheme+"://"+u.Host, "://") + u.Path; got != tt.to {
				t.Fatalf("redirect to %q, want %s", u, tt.to)
			}
		})
	}
}
