package redirecturi

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// uri is a redirect URI that passed every rule, split into the parts Match compares.
type uri struct {
	scheme    string // lowercased
	authority bool   // "//" follows the scheme
	host      string // lowercased; IPv6 literals keep their brackets; "" only for custom schemes
	port      string // digits as written, "" when absent
	path      string // raw (escaped), "" or starting with '/'
}

// invalid returns a short, fixed reason wrapped in ErrInvalid. It never holds input.
func invalid(reason string) error { return fmt.Errorf("%w: %s", ErrInvalid, reason) }

// dangerousSchemes can run code or read local data in the user agent.
var dangerousSchemes = map[string]bool{
	"javascript": true, "data": true, "vbscript": true, "file": true, "blob": true, "about": true,
}

// parseRegistered is parse plus the rules only registered URIs follow.
func parseRegistered(s string) (uri, error) {
	u, err := parse(s)
	if err == nil && strings.Contains(s, ",") {
		return uri{}, invalid("comma in registered URI")
	}
	return u, err
}

// parse applies every rule of the package documentation to s and splits it.
func parse(s string) (uri, error) {
	switch {
	case s == "":
		return uri{}, invalid("empty")
	case len(s) > MaxLen:
		return uri{}, invalid("longer than 2048 bytes")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			return uri{}, invalid("whitespace, control or non-ASCII character")
		}
		if !isURIChar(c) {
			return uri{}, invalid("character not allowed in a URI")
		}
	}
	if strings.Contains(s, "#") {
		return uri{}, invalid("fragment not allowed")
	}
	if strings.Contains(s, "?") {
		return uri{}, invalid("query not allowed")
	}

	// Scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." / "_" ) ":"; '_' is the LiveChat-style
	// API's extension to RFC 3986 §3.1. Parsed by hand because net/url rejects '_'.
	i := 0
	for i < len(s) && isSchemeChar(s[i], i == 0) {
		i++
	}
	if i == 0 || i == len(s) || s[i] != ':' {
		return uri{}, invalid("missing scheme")
	}
	u := uri{scheme: strings.ToLower(s[:i])}
	if dangerousSchemes[u.scheme] {
		return uri{}, invalid("scheme not allowed")
	}
	web := u.scheme == "http" || u.scheme == "https"

	rest := s[i+1:]
	if auth, ok := strings.CutPrefix(rest, "//"); ok {
		u.authority = true
		if j := strings.IndexByte(auth, '/'); j >= 0 {
			auth, u.path = auth[:j], auth[j:]
		}
		var err error
		if u.host, u.port, err = parseAuthority(auth, web); err != nil {
			return uri{}, err
		}
	} else {
		switch {
		case web:
			return uri{}, invalid("missing host")
		case !strings.HasPrefix(rest, "/"):
			// "my.app:" or "my.app:x": opaque; RFC 8252 §7.1 wants "my.app:/path".
			return uri{}, invalid("opaque URI")
		}
		u.path = rest
	}
	if err := checkPath(u.path); err != nil {
		return uri{}, err
	}
	if err := crossCheck(s, i, u); err != nil {
		return uri{}, err
	}
	return u, nil
}

// parseAuthority validates host[:port] and returns the lowercased host and the port. Only custom schemes may have an empty authority.
func parseAuthority(a string, web bool) (host, port string, err error) {
	if strings.Contains(a, "@") {
		return "", "", invalid("userinfo not allowed")
	}
	if a == "" {
		if web {
			return "", "", invalid("missing host")
		}
		return "", "", nil
	}
	a = strings.ToLower(a)
	var after string
	if a[0] == '[' {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", invalid("malformed IPv6 literal")
		}
		host, after = a[:end+1], a[end+1:]
		if err := checkIPv6(a[1:end]); err != nil {
			return "", "", err
		}
	} else {
		host, after = a, ""
		if j := strings.IndexByte(a, ':'); j >= 0 {
			host, after = a[:j], a[j:]
		}
		if err := checkHostname(host, web); err != nil {
			return "", "", err
		}
	}
	if after == "" {
		return host, "", nil
	}
	port, ok := strings.CutPrefix(after, ":")
	if !ok {
		return "", "", invalid("malformed authority")
	}
	if err := checkPort(port); err != nil {
		return "", "", err
	}
	return host, port, nil
}

// checkIPv6 accepts only the canonical RFC 5952 text of an IPv6 address without zone, so that
// one address has one spelling.
func checkIPv6(s string) error {
	if strings.Contains(s, "%") {
		return invalid("IPv6 zone not allowed")
	}
	addr, err := netip.ParseAddr(s)
	if err != nil || !addr.Is6() {
		return invalid("malformed IPv6 literal")
	}
	if addr.String() != s {
		return invalid("IPv6 literal not in canonical form")
	}
	return nil
}

// checkHostname accepts an ASCII DNS name (letters, digits, hyphens; custom schemes also
// allow '_') or a canonical dotted-quad IPv4 address. h is lowercased.
func checkHostname(h string, web bool) error {
	if h == "" {
		return invalid("missing host")
	}
	if len(h) > 253 {
		return invalid("host too long")
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return invalid("malformed host")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' && !web) {
				return invalid("malformed host")
			}
		}
	}
	// WHATWG URL parsers read a host whose last label is numeric as an IPv4 address
	// ("2130706433", "127.1", "0x7f.1"); accept only the one canonical spelling.
	last := labels[len(labels)-1]
	if strings.HasPrefix(last, "0x") || strings.Trim(last, "0123456789") == "" {
		addr, err := netip.ParseAddr(h)
		if err != nil || !addr.Is4() || addr.String() != h {
			return invalid("malformed IPv4 address")
		}
	}
	return nil
}

// checkPort accepts 1-65535 written in digits without a leading zero.
func checkPort(p string) error {
	if p == "" || p[0] == '0' || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return invalid("malformed port")
	}
	if n, err := strconv.Atoi(p); err != nil || n > 65535 {
		return invalid("malformed port")
	}
	return nil
}

// crossCheck parses s again with net/url and refuses any disagreement with our own reading,
// so that no consumer using the standard parser can see another host or path. schemeEnd is
// the index of the ':' ending the scheme.
func crossCheck(s string, schemeEnd int, u uri) error {
	// net/url rejects '_' in schemes; any substitute keeps the rest of the URI intact.
	std, err := url.Parse(strings.ReplaceAll(s[:schemeEnd], "_", "-") + s[schemeEnd:])
	if err != nil || std.Opaque != "" || std.User != nil || std.RawQuery != "" || std.ForceQuery ||
		std.Fragment != "" || !strings.EqualFold(std.Hostname(), strings.Trim(u.host, "[]")) ||
		std.Port() != u.port || std.EscapedPath() != u.path {
		return invalid("ambiguous URI")
	}
	return nil
}

// isSchemeChar reports whether c may appear in a scheme; the first must be a letter.
func isSchemeChar(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return true
	case first:
		return false
	}
	return c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' || c == '_'
}

// isURIChar reports whether c may appear in a URI at all (RFC 3986 §2): unreserved,
// gen-delims, sub-delims, or '%'.
func isURIChar(c byte) bool {
	return isUnreserved(c) || strings.IndexByte(":/?#[]@!$&'()*+,;=%", c) >= 0
}

// isUnreserved reports whether c is an RFC 3986 §2.3 unreserved character.
func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
