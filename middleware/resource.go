package middleware

import (
	"errors"

	"github.com/oauthkit/oauthkit/internal/resourceid"
)

// CanonicalResource returns the canonical form of a resource identifier (RFC 8707 §2):
// the form [Options.Resource] and [ResourceMetadata.Resource] take, and the one by which
// token audiences are compared. s must be an absolute http or https URI without user
// information and without fragment. Then:
//
//   - scheme and host are lowercased, an IPv6 literal is written as RFC 5952 says, and
//     the port is dropped when it is the scheme's default (443, 80);
//   - the root path is written as nothing: "https://api.example.com/" and
//     "https://api.example.com" are the same resource, "https://api.example.com";
//   - any other path is kept, case and trailing slash included:
//     "https://api.example.com/mcp", "https://api.example.com/MCP" and
//     "https://api.example.com/mcp/" are three resources;
//   - percent-encodings in the path are written with uppercase hex digits, and those of
//     letters, digits, '-', '.', '_' and '~' are decoded ("/%7Emcp" is "/~mcp");
//   - the query is kept, and compared, exactly as written.
//
// Spellings that would make the comparison surprising are refused rather than
// normalised: "." and ".." segments (raw or percent-encoded), percent-encoded '/' or
// '\' in the path, an empty query ("…?"), a host with percent-encodings or characters
// other than letters, digits, '-', '_' and '.' between non-empty labels, port 0,
// characters outside RFC 3986, and identifiers longer than 2048 bytes.
//
// The authorization server compares RFC 8707 resource parameters the same way.
func CanonicalResource(s string) (string, error) {
	c, err := resourceid.Canonical(s)
	if err != nil {
		return "", errors.New("middleware: " + err.Error())
	}
	return c, nil
}

// ResourceMetadataURL returns the URL at which the protected resource metadata of
// resource is published (RFC 9728 §3.1): "/.well-known/oauth-protected-resource" inserted
// between the host and the path of its canonical form, the query kept at the end. So
// "https://mcp.example.com" has its metadata at
// "https://mcp.example.com/.well-known/oauth-protected-resource" and
// "https://mcp.example.com/mcp" at
// "https://mcp.example.com/.well-known/oauth-protected-resource/mcp".
func ResourceMetadataURL(resource string) (string, error) {
	u, err := resourceid.WellKnown(resource, "oauth-protected-resource")
	if err != nil {
		return "", errors.New("middleware: " + err.Error())
	}
	return u, nil
}

// mustBeCanonical returns an error when s is not a resource identifier in canonical
// form, naming the canonical form when it has one.
func mustBeCanonical(s string) error {
	c, err := resourceid.Canonical(s)
	switch {
	case err != nil:
		return err
	case c != s:
		return errors.New(`not in canonical form; write it "` + c + `"`)
	}
	return nil
}

// audienceNames reports whether one of aud names the resource whose canonical identifier
// is resource: equal to it, or of the same canonical form. The first loop is the case of
// an authorization server that writes audiences canonically, as oauthkit's does; the
// second parses only when that fails.
func audienceNames(aud []string, resource string) bool {
	for _, a := range aud {
		if a == resource {
			return true
		}
	}
	for _, a := range aud {
		if c, err := resourceid.Canonical(a); err == nil && c == resource {
			return true
		}
	}
	return false
}

// validMetadataURL reports whether s can be sent as resource_metadata: an absolute
// http(s) URL of the strict syntax of resource identifiers (no fragment, no user
// information, nothing that needs escaping in a quoted-string).
func validMetadataURL(s string) bool {
	_, err := resourceid.Canonical(s)
	return err == nil
}
