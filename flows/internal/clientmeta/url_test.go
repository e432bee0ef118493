package clientmeta_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
)

func TestValidateURLAccepts(t *testing.T) {
	for _, s := range []string{
		"https://example.com/client.json",
		"https://app.example.com/oauth/client-metadata.json",
		"https://example.com/",               // "/" is advised against, not forbidden
		"https://example.com:8443/c",         // a port is allowed
		"https://example.com:443/c",          // and is part of the identifier
		"https://xn--bcher-kva.example/c",    // punycode
		"https://203.0.114.7/c",              // IP literals pass the syntax (Resolve checks they are public)
		"https://[2001:4860:4860::8888]/c",   // canonical IPv6
		"https://example.com/a/b%20c/d.json", // normal-form escapes
		"https://example.com/~user/app;v=1",  // sub-delims in the path
		"https://" + strings.Repeat("a", 63) + ".example/" + strings.Repeat("p", 150),
	} {
		if err := clientmeta.ValidateURL(s); err != nil {
			t.Errorf("ValidateURL(%q) = %v", s, err)
		}
		if !clientmeta.IsClientIDURL(s) {
			t.Errorf("IsClientIDURL(%q) = false", s)
		}
	}
}

func TestValidateURLRefuses(t *testing.T) {
	for s, want := range map[string]string{
		"":                                                "https URL",
		"client-123":                                      "https URL",
		"http://example.com/c":                            "https URL",
		"HTTPS://example.com/c":                           "https URL",
		"https:example.com/c":                             "https URL",
		"javascript://example.com/c":                      "https URL",
		"https://example.com":                             "must have a path",
		"https://example.com/c#f":                         "fragment",
		"https://example.com/c#":                          "fragment",
		"https://example.com/c?x=1":                       "query",
		"https://example.com/c?":                          "query",
		"https://user@example.com/c":                      "userinfo",
		"https://user:pw@example.com/c":                   "userinfo",
		"https://Example.com/c":                           "lower case",
		"https://example.com/a/../c":                      "path traversal",
		"https://example.com/./c":                         "path traversal",
		"https://example.com/a/..":                        "path traversal",
		"https://example.com/a/%2e%2e/c":                  "path traversal",
		"https://example.com/a/%2E/c":                     "path traversal",
		"https://example.com//c":                          "double slash",
		"https://example.com/a\\b":                        "not a valid URL",
		"https://example.com/a%2fb":                       "encoded slash",
		"https://example.com/%7euser":                     "normal form",
		"https://exa mple.com/c":                          "not a valid URL",
		"https://example.com/c d":                         "not a valid URL",
		"https://bücher.example/c":                        "not a valid URL",
		"https://ex%61mple.com/c":                         "not a valid URL",
		"https://example.com:0/c":                         "malformed port",
		"https://example.com:080/c":                       "malformed port",
		"https://example.com:65536/c":                     "malformed port",
		"https://example.com:/c":                          "malformed port",
		"https://127.1/c":                                 "not a valid URL",
		"https://2130706433/c":                            "not a valid URL",
		"https://example.com./c":                          "not a valid URL",
		"https:///c":                                      "not a valid URL",
		"https://[::ffff:7f00:1]/c":                       "not a valid URL",
		"https://[fe80::1%25eth0]/c":                      "not a valid URL",
		"https://example.com/c,d":                         "not a valid URL",
		"https://example.com/" + strings.Repeat("p", 236): "longer than 255 bytes",
	} {
		err := clientmeta.ValidateURL(s)
		var e *clientmeta.Error
		if !errors.As(err, &e) || !errors.Is(err, clientmeta.ErrInvalidURL) {
			t.Errorf("ValidateURL(%q) = %v, want an *Error of ErrInvalidURL", s, err)
			continue
		}
		if !strings.Contains(e.Description, want) {
			t.Errorf("ValidateURL(%q): description %q, want it to contain %q", s, e.Description, want)
		}
		if clientmeta.IsClientIDURL(s) {
			t.Errorf("IsClientIDURL(%q) = true", s)
		}
	}
}
