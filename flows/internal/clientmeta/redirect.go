package clientmeta

import (
	"strings"

	"github.com/oauthkit/oauthkit/redirecturi"
)

// MatchRedirect reports whether requested is one of the document's redirect URIs. The
// comparison is simple string equality (the draft, after RFC 9700 section 2.1: a client
// that publishes its own registration gets exact matching, not the path-prefix matching
// of package redirecturi), with one exception: a registered http URI on the loopback
// literal 127.0.0.1 or [::1] matches the same URI with any port, or none (RFC 8252
// section 7.3; a native app listens on whatever port it gets). localhost is matched
// exactly, like any other host.
//
// It returns nil on a match; an error wrapping redirecturi.ErrInvalid when requested is
// malformed; redirecturi.ErrNotRegistered otherwise.
func (d Document) MatchRedirect(requested string) error {
	for _, reg := range d.RedirectURIs {
		if reg == requested {
			return nil
		}
		if loopbackLiteral(reg) && redirecturi.Match([]string{reg}, requested) == nil &&
			withoutPort(reg) == withoutPort(requested) {
			return nil
		}
	}
	return redirecturi.Match(nil, requested)
}

// loopbackLiteral reports whether the valid redirect URI s is an http URI on 127.0.0.1
// or [::1].
func loopbackLiteral(s string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(s), "http://")
	if !ok {
		return false
	}
	host, _, _ := strings.Cut(rest, "/")
	if strings.HasPrefix(host, "[::1]") {
		return host == "[::1]" || strings.HasPrefix(host, "[::1]:")
	}
	h, _, _ := strings.Cut(host, ":")
	return h == "127.0.0.1"
}

// withoutPort returns the valid http or https URI s without the port of its authority.
func withoutPort(s string) string {
	scheme, rest, _ := strings.Cut(s, "://")
	authority, path, hasPath := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && i > strings.LastIndexByte(authority, ']') {
		authority = authority[:i]
	}
	if hasPath {
		path = "/" + path
	}
	return scheme + "://" + authority + path
}
