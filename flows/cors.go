package flows

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// CORS decides which web pages may call the server from a browser (Cross-Origin Resource
// Sharing, Fetch standard). It concerns only the endpoints a browser-based client talks
// to: the metadata and JWKS documents, the token endpoint (with the LiveChat-style DELETE
// revocation on its path) and the RFC 7009 revocation endpoint. The authorization
// endpoint, the consent, sign-in and error pages, info, introspection, the personal access
// token API and the customer endpoint never send a CORS header, whatever the
// configuration: a person reaches the pages by navigation, not by script, and the APIs
// are for servers or for the server's own origin.
//
// The metadata and the JWKS are public documents, the same for every caller: they always
// carry Access-Control-Allow-Origin: *, so a browser-based MCP client can discover the
// server. The token and revocation endpoints send CORS headers only to the origins of
// AllowedOrigins, or to every origin with AllowAnyOrigin; the zero CORS sends none there.
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered 204 with
// Access-Control-Allow-Methods (the endpoint's methods and OPTIONS),
// Access-Control-Allow-Headers (Authorization, Content-Type, DPoP, MCP-Protocol-Version;
// on the documents any header) and Access-Control-Max-Age; an actual request also gets
// Access-Control-Expose-Headers: WWW-Authenticate, DPoP-Nonce, Retry-After, so that a
// script can read a challenge or a back-off. An origin that is not allowed gets the same
// status without any Access-Control- header, and its browser withholds the answer. When
// the answer depends on the origin (AllowedOrigins), it carries Vary: Origin.
// Access-Control-Allow-Credentials is never sent: browsers send no cookie with these
// requests and show no answer to a request that carried one. Token and revocation answers
// keep Cache-Control: no-store.
type CORS struct {
	// AllowedOrigins are the origins whose pages may call the token and revocation
	// endpoints, as a browser sends them: scheme://host or scheme://host:port, without
	// path or trailing slash, such as "https://app.example" or "http://localhost:5173".
	// Scheme and host are matched case-insensitively and a default port (":443" for
	// https, ":80" for http) is the same as none; nothing else is normalized: a
	// subdomain, another port or another scheme is another origin, and no wildcard is
	// accepted (AllowAnyOrigin is the only one). Hosts are ASCII (punycode for
	// international names). New fails on anything else.
	AllowedOrigins []string
	// AllowAnyOrigin lets pages of every origin call the token and revocation endpoints:
	// they answer with Access-Control-Allow-Origin: *. It is what a server for
	// browser-based MCP clients turns on, since those are public clients served from
	// origins nobody registers in advance. It is safe because nothing the browser adds by
	// itself authenticates a request there: no cookie or session counts, only what the
	// calling script sends (client_id, a code with its code_verifier, a refresh token, a
	// client secret), which it could as well send from a server, where CORS does not
	// apply. With "*", browsers never attach cookies or HTTP authentication and refuse to
	// show the answer to a request carrying them. AllowedOrigins is then moot.
	AllowAnyOrigin bool
	// MaxAge is how long a browser may reuse a preflight answer (Access-Control-Max-Age,
	// in whole seconds). Default 2 hours, the longest Chromium honours. It must not be
	// negative.
	MaxAge time.Duration
	// Disabled sends no CORS header anywhere, the metadata and JWKS included, and leaves
	// OPTIONS to the endpoints (405): for a deployment whose reverse proxy adds its own.
	Disabled bool
}

// defaultCORSMaxAge is the default of CORS.MaxAge.
const defaultCORSMaxAge = 2 * time.Hour

// maxOriginLen bounds the origins read, from the configuration and from requests: a
// scheme, a DNS name of at most 253 bytes and a port fit well within it.
const maxOriginLen = 300

// The CORS headers the server sends.
const (
	corsEndpointHeaders = "Authorization, Content-Type, DPoP, MCP-Protocol-Version"
	// "*" is any header for requests without credentials (Fetch standard); the header
	// MCP clients send is named too, for user agents that predate the wildcard.
	corsDocumentHeaders = "*, MCP-Protocol-Version"
	corsExposedHeaders  = "WWW-Authenticate, DPoP-Nonce, Retry-After"
)

// corsPolicy is CORS checked and compiled by New.
type corsPolicy struct {
	off     bool
	any     bool
	origins map[string]bool // canonical origins
	maxAge  string          // Access-Control-Max-Age
}

// compile checks c and returns its policy.
func (c CORS) compile() (corsPolicy, error) {
	if c.MaxAge < 0 {
		return corsPolicy{}, errors.New("flows: Config.CORS.MaxAge must not be negative")
	}
	setDefault(&c.MaxAge, defaultCORSMaxAge)
	p := corsPolicy{off: c.Disabled, any: c.AllowAnyOrigin, maxAge: strconv.FormatInt(int64(c.MaxAge/time.Second), 10)}
	for _, o := range c.AllowedOrigins {
		canon, ok := canonicalOrigin(o)
		if !ok {
			return corsPolicy{}, fmt.Errorf("flows: Config.CORS.AllowedOrigins: %q is not an origin: want scheme://host or scheme://host:port, without path or wildcard (AllowAnyOrigin allows every origin)", o)
		}
		if p.origins == nil {
			p.origins = make(map[string]bool)
		}
		p.origins[canon] = true
	}
	return p, nil
}

// CrossOriginEndpoint wraps h, an endpoint that browser-based clients call with methods
// (none means POST), in the CORS policy of the token endpoint (Config.CORS): the token
// endpoint with grants of one's own, or a registration endpoint, mounted ahead of
// [Server.Handler], which applies it to its own token and revocation endpoints. OPTIONS
// is answered 204 by the wrapper, with the CORS headers of a preflight for an allowed
// origin; every other request goes to h, with Access-Control-Allow-Origin and
// Access-Control-Expose-Headers for an allowed origin. When Config.CORS allows no origin
// (the default), h is returned unchanged.
func (s *Server) CrossOriginEndpoint(h http.Handler, methods ...string) http.Handler {
	p := s.cors
	if p.off || !p.any && len(p.origins) == 0 {
		return h
	}
	if len(methods) == 0 {
		methods = []string{http.MethodPost}
	}
	allow := strings.Join(methods, ", ") + ", " + http.MethodOptions
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		allowed := false
		if p.any {
			hd.Set("Access-Control-Allow-Origin", "*")
			allowed = true
		} else {
			// The answer depends on Origin, also when there is none: a cache must not
			// give one origin's answer to another.
			hd.Add("Vary", "Origin")
			if o, ok := requestOrigin(r); ok && p.origins[o] {
				hd.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
				allowed = true
			}
		}
		if r.Method == http.MethodOptions {
			hd.Set("Allow", allow)
			if allowed && r.Header.Get("Access-Control-Request-Method") != "" {
				hd.Set("Access-Control-Allow-Methods", allow)
				hd.Set("Access-Control-Allow-Headers", corsEndpointHeaders)
				hd.Set("Access-Control-Max-Age", p.maxAge)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			hd.Set("Access-Control-Expose-Headers", corsExposedHeaders)
		}
		h.ServeHTTP(w, r)
	})
}

// CrossOriginDocument wraps h, a public document served with GET and HEAD that any page
// may read (the metadata, the JWKS, a metadata document of one's own), so that its answers
// carry Access-Control-Allow-Origin: * and OPTIONS is answered 204 with the CORS headers
// of a preflight. [Server.Handler] applies it to the metadata and the JWKS. With
// Config.CORS.Disabled, h is returned unchanged.
func (s *Server) CrossOriginDocument(h http.Handler) http.Handler {
	p := s.cors
	if p.off {
		return h
	}
	const allow = "GET, HEAD, OPTIONS"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		if r.Method != http.MethodOptions {
			h.ServeHTTP(w, r)
			return
		}
		hd.Set("Allow", allow)
		if r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", allow)
			hd.Set("Access-Control-Allow-Headers", corsDocumentHeaders)
			hd.Set("Access-Control-Max-Age", p.maxAge)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// requestOrigin returns the canonical form of the request's one Origin header.
func requestOrigin(r *http.Request) (string, bool) {
	vs := r.Header.Values("Origin")
	if len(vs) != 1 {
		return "", false
	}
	return canonicalOrigin(vs[0])
}

// canonicalOrigin returns the serialization of an origin (RFC 6454 §6.2) in one spelling:
// scheme and host lowercased, a default http or https port dropped, an IPv6 literal in
// RFC 5952 form. It refuses anything that is not scheme://host[:port]: "null", a path (a
// trailing slash too), userinfo, a query, wildcards, non-ASCII bytes.
func canonicalOrigin(s string) (string, bool) {
	if len(s) > maxOriginLen {
		return "", false
	}
	scheme, rest, found := strings.Cut(s, "://")
	if !found || !validOriginScheme(scheme) {
		return "", false
	}
	scheme = strings.ToLower(scheme)
	var host, port string
	hasPort := false
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", false
		}
		addr, err := netip.ParseAddr(rest[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", false
		}
		host = "[" + addr.String() + "]"
		if after := rest[end+1:]; after != "" {
			if port, hasPort = strings.CutPrefix(after, ":"); !hasPort {
				return "", false
			}
		}
	} else {
		host, port, hasPort = strings.Cut(rest, ":")
		if !validOriginHost(host) {
			return "", false
		}
		host = strings.ToLower(host)
	}
	if hasPort {
		if !validOriginPort(port) {
			return "", false
		}
		if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
			hasPort = false
		}
	}
	if hasPort {
		return scheme + "://" + host + ":" + port, true
	}
	return scheme + "://" + host, true
}

// validOriginScheme reports whether s is an RFC 3986 §3.1 scheme.
func validOriginScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// validOriginHost reports whether s is a host name or IPv4 address in ASCII letters,
// digits, '-', '.' and '_' (browsers send extension and app origins with such hosts).
func validOriginHost(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// validOriginPort reports whether p is 1-65535 in digits without a leading zero.
func validOriginPort(p string) bool {
	if p == "" || p[0] == '0' || len(p) > 5 {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n <= 65535 && strings.Trim(p, "0123456789") == ""
}
