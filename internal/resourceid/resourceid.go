package resourceid

import (
	"net/netip"
	"strconv"
	"strings"
)

// MaxLen is the longest resource identifier accepted, in bytes.
const MaxLen = 2048

// Error is why a string is not a resource identifier: a fixed sentence, without '"' or
// '\', that never holds the input, fit for an error_description.
type Error string

// Error returns the sentence.
func (e Error) Error() string { return string(e) }

// The reasons [Canonical] gives.
const (
	errEmpty      Error = "the resource identifier is empty"
	errLong       Error = "the resource identifier is too long"
	errChar       Error = "the resource identifier has a character not allowed in a URI"
	errFragment   Error = "the resource identifier must not have a fragment"
	errScheme     Error = "the resource identifier must be an absolute http or https URI"
	errUserinfo   Error = "the resource identifier must not have user information"
	errHost       Error = "the resource identifier has no valid host"
	errPort       Error = "the resource identifier has an invalid port"
	errPercent    Error = "the resource identifier has a malformed percent-encoding"
	errDot        Error = "the resource identifier must not have . or .. path segments"
	errEmptyQuery Error = "the resource identifier has an empty query"
	errSlash      Error = "the resource identifier must not have an encoded slash or backslash in its path"
)

// Canonical returns the canonical form of s, an absolute http or https URI identifying a
// resource (see the package documentation), or an [Error] saying why s is not one. The
// canonical form is its own canonical form.
func Canonical(s string) (string, error) {
	switch {
	case s == "":
		return "", errEmpty
	case len(s) > MaxLen:
		return "", errLong
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || !isURIChar(c) {
			return "", errChar
		}
	}
	if strings.IndexByte(s, '#') >= 0 {
		return "", errFragment
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", errScheme
	}
	scheme = strings.ToLower(scheme)
	var defaultPort string
	switch scheme {
	case "https":
		defaultPort = "443"
	case "http":
		defaultPort = "80"
	default:
		return "", errScheme
	}
	rest, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery && query == "" {
		return "", errEmptyQuery
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	host, port, err := parseAuthority(authority)
	if err != nil {
		return "", err
	}
	if port == defaultPort {
		port = ""
	}
	path, err = canonicalPath(path)
	if err != nil {
		return "", err
	}
	if hasQuery {
		if err := checkQuery(query); err != nil {
			return "", err
		}
	}

	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(path)
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String(), nil
}

// Equal reports whether a and b are valid resource identifiers with the same canonical
// form. An invalid identifier equals nothing, itself included.
func Equal(a, b string) bool {
	ca, err := Canonical(a)
	if err != nil {
		return false
	}
	if a == b {
		return true
	}
	cb, err := Canonical(b)
	return err == nil && ca == cb
}

// parseAuthority splits host[:port], refusing user information, and returns the
// canonical host and the port without leading zeros ("" when absent or empty).
func parseAuthority(a string) (host, port string, err error) {
	if strings.IndexByte(a, '@') >= 0 {
		return "", "", errUserinfo
	}
	var after string
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", errHost
		}
		lit := a[1:end]
		addr, err := netip.ParseAddr(lit)
		if err != nil || !addr.Is6() || addr.Zone() != "" || strings.IndexByte(lit, '%') >= 0 {
			return "", "", errHost
		}
		host, after = "["+addr.String()+"]", a[end+1:]
	} else {
		host, after = a, ""
		if i := strings.IndexByte(a, ':'); i >= 0 {
			host, after = a[:i], a[i:]
		}
		if !validHostname(host) {
			return "", "", errHost
		}
		host = strings.ToLower(host)
	}
	if after == "" {
		return host, "", nil
	}
	digits, ok := strings.CutPrefix(after, ":")
	if !ok {
		return "", "", errHost
	}
	if digits == "" {
		return host, "", nil
	}
	if len(digits) > 5 || strings.Trim(digits, "0123456789") != "" {
		return "", "", errPort
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > 65535 {
		return "", "", errPort
	}
	return host, strconv.Itoa(n), nil
}

// validHostname reports whether h is a reg-name (or IPv4 address) of unreserved
// characters without '~', made of non-empty dot-separated labels: no percent-encoding,
// no sub-delimiters, no empty label, no trailing dot.
func validHostname(h string) bool {
	if h == "" || h[0] == '.' || h[len(h)-1] == '.' || strings.Contains(h, "..") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !isAlnum(c) && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return true
}

// canonicalPath normalises the percent-encodings of p (uppercase hex; unreserved
// characters decoded), refuses characters outside pchar and "/", encoded slashes and
// backslashes (which a server that decodes before routing would read as separators) and
// dot segments, and writes the root path as "".
func canonicalPath(p string) (string, error) {
	if p == "" || p == "/" {
		return "", nil
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return "", errPercent
			}
			d := unhex(p[i+1])<<4 | unhex(p[i+2])
			if d == '/' || d == '\\' {
				return "", errSlash
			}
			if isUnreserved(d) {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(upperHex(p[i+1]))
				b.WriteByte(upperHex(p[i+2]))
			}
			i += 2
		case c == '/' || isPchar(c):
			b.WriteByte(c)
		default:
			return "", errChar
		}
	}
	out := b.String()
	for _, seg := range strings.Split(out, "/") {
		if seg == "." || seg == ".." {
			return "", errDot
		}
	}
	return out, nil
}

// checkQuery refuses a query with characters other than pchar, "/" and "?", or with a
// malformed percent-encoding. The query is not normalised.
func checkQuery(q string) error {
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '%':
			if i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2]) {
				return errPercent
			}
			i += 2
		case c == '/' || c == '?' || isPchar(c):
		default:
			return errChar
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isUnreserved: RFC 3986 §2.3.
func isUnreserved(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// isPchar: RFC 3986 §3.3 pchar without pct-encoded: unreserved, sub-delims, ':', '@'.
func isPchar(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:@", c) >= 0
}

// isURIChar: the characters that may appear anywhere in a URI (RFC 3986 §2).
func isURIChar(c byte) bool {
	return isUnreserved(c) || strings.IndexByte(":/?#[]@!$&'()*+,;=%", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}
