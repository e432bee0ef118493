package clientmeta

import (
	"errors"
	"strings"

	"github.com/oauthkit/oauthkit/redirecturi"
)

// MaxURLLen is the longest client ID URL accepted, in bytes: the longest client_id the
// rest of the server stores.
const MaxURLLen = 255

// IsClientIDURL reports whether s is a client ID URL that [Resolver.Resolve] would fetch:
// [ValidateURL] accepts it. It is a syntactic check only, with no I/O, for an endpoint
// deciding whether an unknown client_id is to be resolved here.
func IsClientIDURL(s string) bool { return ValidateURL(s) == nil }

// ValidateURL checks s against the rules for a client ID URL (Client ID Metadata
// Document draft, section 3): the https scheme, no userinfo, a path, no "." or ".."
// path segment, no fragment; and, where the draft only advises, this package refuses
// too: no query (the draft says a client ID URL SHOULD NOT have one). A port is allowed.
//
// Beyond that, s must be in the strict form package redirecturi requires of a redirect
// URI (ASCII only; a DNS name, a canonical IPv4 address or a canonical IPv6 literal as
// host; a port without leading zeros; a path in RFC 3986 normal form without "//",
// backslashes, encoded slashes or dot segments in any encoding), be written in lower
// case up to the path ("https://", the host), and be at most [MaxURLLen] bytes. A URL
// is compared as a string everywhere, so these rules keep one client from having two
// spellings. A path of just "/" is accepted, though the draft advises against it.
//
// The error is an *[Error] wrapping [ErrInvalidURL].
func ValidateURL(s string) error { return errOrNil(validateURL(s)) }

func validateURL(s string) *Error {
	rest, ok := strings.CutPrefix(s, "https://")
	switch {
	case len(s) > MaxURLLen:
		return urlError("client_id is longer than %d bytes", MaxURLLen)
	case !ok:
		return urlError("client_id must be an https URL")
	case strings.Contains(s, "#"):
		return urlError("client_id must not have a fragment")
	case strings.Contains(s, "?"):
		return urlError("client_id must not have a query")
	}
	authority, _, hasPath := strings.Cut(rest, "/")
	switch {
	case strings.Contains(authority, "@"):
		return urlError("client_id must not have userinfo")
	case !hasPath:
		return urlError("client_id must have a path")
	case authority != strings.ToLower(authority):
		return urlError("client_id host must be in lower case")
	}
	if err := redirecturi.ValidateRegistered(s); err != nil {
		return urlError("client_id is not a valid URL: %s", redirectReason(err))
	}
	return nil
}

// redirectReason returns the fixed reason of an error of package redirecturi (whose
// text never holds the URI), or "malformed".
func redirectReason(err error) string {
	if r, ok := strings.CutPrefix(err.Error(), redirecturi.ErrInvalid.Error()+": "); ok && errors.Is(err, redirecturi.ErrInvalid) {
		return r
	}
	return "malformed"
}

// hostOf returns the host of a URL that passed ValidateURL, without port and without the
// brackets of an IPv6 literal.
func hostOf(s string) string {
	authority, _, _ := strings.Cut(strings.TrimPrefix(s, "https://"), "/")
	if strings.HasPrefix(authority, "[") {
		h, _, _ := strings.Cut(authority[1:], "]")
		return h
	}
	h, _, _ := strings.Cut(authority, ":")
	return h
}
