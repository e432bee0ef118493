// Package redirecturi validates and matches OAuth redirect URIs.
//
// A client registers one or more redirect URIs ([ParseList] accepts the comma-separated form
// of the LiveChat-style API, [ValidateRegistered] checks one). At the authorization endpoint
// [Match] decides whether the requested redirect_uri is allowed by one of them. A wrong answer
// here is an open redirect or a stolen authorization code, so every rule fails closed:
// anything this package cannot read in exactly one way is refused, and as a last check net/url
// must read the same host, port and escaped path as this package does.
//
// The rules, applied identically to registered and requested URIs:
//
//   - Scheme: a scheme is required and matched exactly (schemes are case-insensitive,
//     RFC 3986 §3.1, so both are lowercased first). Besides http and https, native clients may
//     use a custom scheme; it may contain '_' (as in "my_app://"), which RFC 3986 does not
//     allow but the LiveChat-style API does. javascript, data, vbscript, file, blob and about
//     are refused.
//   - Host and port: http and https URIs need a host, matched exactly and case-insensitively,
//     and the port exactly as written: "https://a.com" and "https://a.com:443" are different
//     registrations. A port is 1-65535 in digits without a leading zero. Exception (RFC 8252
//     §7.3): a registered "http" URI whose host is the loopback literal "127.0.0.1" or "[::1]"
//     matches the same URI with any port, or none; [MatchExactPort], for confidential clients,
//     has no such exception. Only those two literals: other 127.0.0.0/8 addresses, "localhost"
//     and https loopback URIs match their port exactly, unless [MatchWith] is told
//     otherwise: [Options] can extend the exception to "http://localhost" (RFC 8252 §8.3
//     does not recommend it, but MCP clients use it). Custom schemes may have a host
//     (matched the same way) or none at all, either "my_app://" (empty authority) or the
//     RFC 8252 §7.1 form "com.example.app:/oauth2redirect" (no authority); the two forms do
//     not match each other.
//   - Path: the registered path must be a prefix of the requested path ending on a segment
//     boundary: "/cb" allows "/cb" and "/cb/x" but not "/cbx"; "/cb/" allows "/cb/" and
//     "/cb/x"; an empty path or "/" allows any path. Paths are compared in their raw, escaped
//     form. Refused anywhere in a path: segments made only of dots ("." "..", "...") in any
//     percent-encoding and with or without ";parameters" ("..;"), encoded '/' or '\', a
//     backslash, "//", encoded '%' (double encoding), control characters and non-ASCII bytes
//     (raw or encoded), malformed escapes, and any escape that is not in RFC 3986 §6.2.2
//     normal form (lowercase hex digits, or an escaped unreserved character such as "%62").
//   - Query and fragment: neither is allowed, not even an empty "?" or "#".
//   - Authority: no userinfo ('@' anywhere in the authority). Hosts are ASCII: DNS names of
//     letters, digits and hyphens (punycode "xn--" labels pass on syntax alone; no trailing
//     dot), a canonical dotted-quad IPv4 address, or a canonical RFC 5952 IPv6 literal without
//     zone. A host ending in a numeric label that is not a dotted quad ("2130706433",
//     "127.1", "0x7f.1") is refused, since browsers read those as IP addresses. Also refused:
//     the empty string, URIs over [MaxLen] bytes, whitespace, control or non-ASCII bytes
//     anywhere, characters RFC 3986 does not allow, relative URIs and opaque forms such as
//     "http:example.com".
//
// Registered URIs additionally may not contain a comma, which would make the comma-separated
// registration list ambiguous.
//
// Errors wrap [ErrInvalid] or [ErrNotRegistered] and carry only a short fixed reason, never
// the URI, so they can be logged or shown without echoing attacker input.
package redirecturi

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxLen is the longest redirect URI accepted, in bytes.
const MaxLen = 2048

var (
	// ErrInvalid is wrapped by every error about a malformed or forbidden redirect URI.
	ErrInvalid = errors.New("redirecturi: invalid redirect URI")
	// ErrNotRegistered is returned by [Match] for a well-formed redirect URI that no registered
	// URI allows.
	ErrNotRegistered = errors.New("redirecturi: redirect URI not registered")
)

// ValidateRegistered reports whether uri is acceptable as a registered redirect URI: it obeys
// every rule of the package documentation and holds no comma. The error wraps [ErrInvalid].
func ValidateRegistered(uri string) error {
	_, err := parseRegistered(uri)
	return err
}

// ParseList splits a comma-separated registration list, trims spaces around each item, drops
// empty items and exact duplicates, and validates each with [ValidateRegistered]. It returns
// the URIs as written (trimmed), in order; an empty or all-empty list gives nil, nil. The
// first invalid item fails the whole list with an error wrapping [ErrInvalid] that names the
// item's 1-based position among the non-empty items.
func ParseList(s string) ([]string, error) {
	var out []string
	n := 0
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n++
		if err := ValidateRegistered(item); err != nil {
			return nil, fmt.Errorf("%w (list item %d)", err, n)
		}
		if !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out, nil
}

// Match reports whether requested is allowed by at least one of the registered redirect URIs
// under the rules of the package documentation. It returns nil on a match; an error wrapping
// [ErrInvalid] when requested is malformed or forbidden; and [ErrNotRegistered] when it is
// well-formed but matches no registered URI, including when registered is empty (callers that
// must tell the client "no redirect URI configured" check that first). Registered URIs that
// fail [ValidateRegistered] never match anything.
//
// Match applies the RFC 8252 §7.3 loopback exception, which is meant for native apps (public
// clients) that listen on an ephemeral port; use [MatchExactPort] for confidential clients.
// It is [MatchWith] with Options{LoopbackAnyPort: true}.
func Match(registered []string, requested string) error {
	return MatchWith(registered, requested, Options{LoopbackAnyPort: true})
}

// MatchExactPort is [Match] without the RFC 8252 §7.3 loopback exception: the port of every
// URI, loopback ones included, must be exactly the registered one. It is the rule for
// confidential clients, which run on a server and can register the port they listen on.
// It is [MatchWith] with the zero Options.
func MatchExactPort(registered []string, requested string) error {
	return MatchWith(registered, requested, Options{})
}

// Options choose which registered http URIs match a requested one whatever its port. The
// zero value has no such exception: every port matches exactly, as in [MatchExactPort].
// Every other rule of the package holds whatever the options.
type Options struct {
	// LoopbackAnyPort turns on the RFC 8252 §7.3 exception for native apps (public
	// clients), which listen on an ephemeral port: a registered "http" URI whose host is
	// the loopback literal "127.0.0.1" or "[::1]" matches the same URI with any port, or
	// none.
	LoopbackAnyPort bool
	// LocalhostAnyPort extends the same exception to the host name "localhost": a
	// registered "http://localhost..." URI matches the same URI with any port, or none.
	// RFC 8252 §8.3 says such URIs work like loopback ones but are NOT RECOMMENDED: a
	// client that listens on the name "localhost" may listen on more than the loopback
	// interface, and the name may resolve elsewhere on a misconfigured device. MCP
	// clients register them all the same, so a server for MCP clients turns this on, for
	// public clients only. Only the exact name counts ("app.localhost" and
	// "localhost.example" match their port exactly), and only with http: an https
	// localhost URI matches its port exactly.
	LocalhostAnyPort bool
}

// MatchWith is [Match] with the port exceptions chosen by o: it reports whether requested
// is allowed by at least one of the registered redirect URIs, with the same errors.
func MatchWith(registered []string, requested string, o Options) error {
	req, err := parse(requested)
	if err != nil {
		return err
	}
	for _, r := range registered {
		reg, err := parseRegistered(r)
		if err == nil && reg.allows(req, o) {
			return nil
		}
	}
	return ErrNotRegistered
}

// allows reports whether the registered URI r allows the requested URI q under o.
func (r uri) allows(q uri, o Options) bool {
	if r.scheme != q.scheme || r.authority != q.authority || r.host != q.host {
		return false
	}
	// RFC 8252 §7.3 (and §8.3 for localhost): loopback redirect URIs with http match any
	// port. Hosts are lowercased, so "LOCALHOST" is "localhost" here.
	anyPort := r.scheme == "http" &&
		(o.LoopbackAnyPort && (r.host == "127.0.0.1" || r.host == "[::1]") ||
			o.LocalhostAnyPort && r.host == "localhost")
	if !anyPort && r.port != q.port {
		return false
	}
	return pathAllows(r.path, q.path)
}

// pathAllows reports whether the registered path allows the requested path: a prefix ending
// on a segment boundary. Both are raw, validated paths.
func pathAllows(reg, req string) bool {
	switch {
	case reg == "" || reg == "/":
		return true
	case strings.HasSuffix(reg, "/"):
		return strings.HasPrefix(req, reg)
	default:
		return req == reg || strings.HasPrefix(req, reg+"/")
	}
}
