package console

import (
	"fmt"
	"strings"

	"github.com/oauthkit/oauthkit/redirecturi"
)

// SplitRedirectURIs splits the text of a form's redirect URI field into its URIs: one per
// line, or several on a line separated by commas (the registration form of the
// LiveChat-style API), blank lines and surrounding spaces ignored. It does not check them;
// [Console.CreateApp] does.
func SplitRedirectURIs(text string) []string {
	var out []string
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if u := strings.TrimSpace(line); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// checkRedirectURIs returns the redirect URIs normalised, each once, or records why they
// are not valid, naming the first that is not.
func checkRedirectURIs(p *problems, uris []string) []string {
	if len(uris) == 0 {
		p.add("redirect_uris", "Enter at least one redirect URI, such as https://app.example.com/callback.")
		return nil
	}
	if len(uris) > maxRedirectURIs {
		p.add("redirect_uris", fmt.Sprintf("An app may have at most %d redirect URIs.", maxRedirectURIs))
		return nil
	}
	var out []string
	for i, u := range uris {
		n, err := normaliseRedirectURI(strings.TrimSpace(u))
		if err != nil {
			p.add("redirect_uris", fmt.Sprintf("Redirect URI %d is not valid: %s. Use an absolute URI without query, fragment or user name, such as https://app.example.com/callback.", i+1, err))
			return nil
		}
		if !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// normaliseRedirectURI checks u as a registered redirect URI and returns it in the form it
// is matched in: the scheme, and the authority of a URI that has one, in lower case (both
// are compared case-insensitively). The path is kept as written: it is compared exactly.
// The reason of an error is the short fixed text of package redirecturi, never the URI.
func normaliseRedirectURI(u string) (string, error) {
	if err := redirecturi.ValidateRegistered(u); err != nil {
		return "", reason(err)
	}
	scheme, rest, _ := strings.Cut(u, ":")
	n := strings.ToLower(scheme) + ":"
	if auth, ok := strings.CutPrefix(rest, "//"); ok {
		host, path, _ := strings.Cut(auth, "/")
		n += "//" + strings.ToLower(host)
		if strings.Contains(auth, "/") {
			n += "/" + path
		}
	} else {
		n += rest
	}
	if err := redirecturi.ValidateRegistered(n); err != nil {
		return "", reason(err) // not expected: lower case changes no rule's answer
	}
	return n, nil
}

// reason is the fixed reason of a redirecturi error, without the package's prefix.
type reasonError string

func (r reasonError) Error() string { return string(r) }

func reason(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return reasonError(msg)
}
