package resourceid

import "strings"

// WellKnown returns the URL of the metadata of the resource (or issuer) identified by id
// under the well-known name (e.g. "oauth-protected-resource"): id's canonical form with
// "/.well-known/" and name inserted between the host and the path, and the query kept
// after them (RFC 9728 §3.1, RFC 8414 §3.1). The root path is no path, so that
// "https://api.example.com/" gives "https://api.example.com/.well-known/NAME" and
// "https://api.example.com/mcp" gives "https://api.example.com/.well-known/NAME/mcp".
//
// name must be a well-known URI suffix (RFC 8615 §3: a segment-nz of lowercase letters,
// digits, '-', '.' and '_'); WellKnown panics otherwise, as that is a programming error.
func WellKnown(id, name string) (string, error) {
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-._") != "" {
		panic("resourceid: invalid well-known name " + name)
	}
	c, err := Canonical(id)
	if err != nil {
		return "", err
	}
	// c is scheme "://" host [":" port] path ["?" query]; the authority ends at the first
	// '/' or '?' after the scheme.
	start := strings.Index(c, "://") + 3
	end := len(c)
	if i := strings.IndexAny(c[start:], "/?"); i >= 0 {
		end = start + i
	}
	return c[:end] + "/.well-known/" + name + c[end:], nil
}
