package redirecturi

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateRegisteredAccepts(t *testing.T) {
	for _, uri := range []string{
		"https://my-application.com",                       // seed
		"https://get-customers-app.samplehosting.com/",     // seed
		"http://localhost:3000",                            // seed
		"https://google.pl/info",                           // seed
		"HTTPS://A.COM/CB",                                 // R-REDIR-1 case
		"my_app://",                                        // R-REDIR-1 seed custom scheme
		"my_app://callback/done",                           // R-REDIR-1
		"my_app://auth_cb",                                 // R-REDIR-1 '_' in a custom-scheme host
		"com.example.app:/oauth2redirect/example-provider", // R-REDIR-1 RFC 8252 §7.1
		"x+y.z-w://h",                                      // R-REDIR-1 scheme chars
		"http://127.0.0.1",                                 // R-REDIR-2 RFC 8252 §7.3
		"http://127.0.0.1:8080/cb",                         // R-REDIR-2
		"http://[::1]/cb",                                  // R-REDIR-2
		"https://[2001:db8::1]:8443/",                      // R-REDIR-2
		"https://[::ffff:192.0.2.1]/",                      // R-REDIR-2 canonical mapped form
		"https://a.com:1/cb",                               // R-REDIR-2 smallest port
		"https://a.com:65535/cb",                           // R-REDIR-2 largest port
		"https://a-b.c-d.example/cb/",                      // R-REDIR-2
		"https://2.example.com/",                           // R-REDIR-2 numeric first label
		"https://a.com/cb;v=1/x",                           // R-REDIR-3 path parameter
		"https://a.com/a%20b/%3A%40/~x_y.z-w",              // R-REDIR-3 normal escapes
		"https://a.com/!$&'()*+;=:@",                       // R-REDIR-3 pchar
		"https://a.com/..x/x../.x/x./",                     // R-REDIR-3 dots inside names
		"https://xn--bcher-kva.example/",                   // R-REDIR-5 punycode
		"https://" + strings.Repeat("a", 63) + ".com",      // R-REDIR-5 63-byte label
	} {
		if err := ValidateRegistered(uri); err != nil {
			t.Errorf("ValidateRegistered(%q) = %v, want nil", uri, err)
		}
	}
}

func TestValidateRegisteredRefuses(t *testing.T) {
	tests := []struct {
		uri, reason string
	}{
		{"", "empty"},                                                     // R-REDIR-5
		{"cb", "missing scheme"},                                          // R-REDIR-1
		{"/cb", "missing scheme"},                                         // R-REDIR-1
		{":/cb", "missing scheme"},                                        // R-REDIR-1
		{"_app://x", "missing scheme"},                                    // R-REDIR-1
		{"javascript:alert(1)", "scheme not allowed"},                     // R-REDIR-1
		{"data:text/html;base64,PHNjcmlwdD4=", "scheme not allowed"},      // R-REDIR-1
		{"file:///etc/passwd", "scheme not allowed"},                      // R-REDIR-1
		{"blob:https://a.com/x", "scheme not allowed"},                    // R-REDIR-1
		{"About:blank", "scheme not allowed"},                             // R-REDIR-1
		{"vbscript:x", "scheme not allowed"},                              // R-REDIR-1
		{"my.app:", "opaque URI"},                                         // R-REDIR-1 RFC 8252 §7.1
		{"urn:ietf:wg:oauth:2.0:oob", "opaque URI"},                       // R-REDIR-1
		{"http:example.com", "missing host"},                              // R-REDIR-5 opaque
		{"https:///cb", "missing host"},                                   // R-REDIR-2
		{"my_app://:80/cb", "missing host"},                               // R-REDIR-2
		{"https://a.com:https/cb", "malformed port"},                      // R-REDIR-2
		{"https://a.com:99999/cb", "malformed port"},                      // R-REDIR-2
		{"https://a.com:+80/cb", "malformed port"},                        // R-REDIR-2
		{"https://[::1]x/cb", "malformed authority"},                      // R-REDIR-2
		{"https://[::1/cb", "malformed IPv6 literal"},                     // R-REDIR-2
		{"https://[127.0.0.1]/", "malformed IPv6 literal"},                // R-REDIR-2
		{"https://[v1.x]/", "malformed IPv6 literal"},                     // R-REDIR-2
		{"https://[::FFFF:C000:0201]/", "not in canonical form"},          // R-REDIR-2
		{"https://01.2.3.4/", "malformed IPv4 address"},                   // R-REDIR-2
		{"https://1.2.3.4.5/", "malformed IPv4 address"},                  // R-REDIR-2
		{"https://a.0x10/", "malformed IPv4 address"},                     // R-REDIR-2
		{"https://-a.com/", "malformed host"},                             // R-REDIR-5
		{"https://a..com/", "malformed host"},                             // R-REDIR-5
		{"https://" + strings.Repeat("a", 64) + ".com", "malformed host"}, // R-REDIR-5
		{"https://a.com/cb/../x", "path traversal"},                       // R-REDIR-3
		{"https://a.com/%2E", "path traversal"},                           // R-REDIR-3
		{"https://a.com/.%2E;x", "path traversal"},                        // R-REDIR-3
		{"https://a.com/%2E%20", "path traversal"},                        // R-REDIR-3
		{"https://a.com/a%2F", "encoded slash"},                           // R-REDIR-3
		{"https://a.com/a%5c", "encoded slash or backslash"},              // R-REDIR-3
		{"https://a.com/a%25", "encoded percent"},                         // R-REDIR-3
		{"https://a.com/a%7F", "control character"},                       // R-REDIR-3
		{"https://a.com/a[1]", "character not allowed in path"},           // R-REDIR-3
		{"https://a.com/cb?", "query not allowed"},                        // R-REDIR-4
		{"https://a.com/cb#", "fragment not allowed"},                     // R-REDIR-4
		{"https://a.com/cb?a#b", "fragment not allowed"},                  // R-REDIR-4
		{"https://u@a.com/", "userinfo not allowed"},                      // R-REDIR-5
		{"https://u:p@a.com/", "userinfo not allowed"},                    // R-REDIR-5
		{"https://bücher.example/", "non-ASCII"},                          // R-REDIR-5
		{"https://a.com/\u2024\u2024/", "non-ASCII"},                      // R-REDIR-5 one-dot leaders
		{"https://a.com/<x>", "character not allowed in a URI"},           // R-REDIR-5
		{"https://a.com/\"", "character not allowed in a URI"},            // R-REDIR-5
		{"https://a.com/a,b", "comma in registered URI"},                  // registration list
		{"https://a.com/" + strings.Repeat("x", MaxLen), "longer than"},   // R-REDIR-5
	}
	for _, tt := range tests {
		err := ValidateRegistered(tt.uri)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateRegistered(%q) = %v, want ErrInvalid", tt.uri, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("ValidateRegistered(%q) = %v, want reason %q", tt.uri, err, tt.reason)
		}
		checkErrorText(t, err, tt.uri)
	}
}

func TestRequestedMayHoldComma(t *testing.T) {
	// Only registrations must avoid ',' (list separator); a requested path below a
	// registered prefix may hold one.
	if err := Match(r("https://a.com/cb"), "https://a.com/cb/a,b"); err != nil {
		t.Errorf("Match = %v", err)
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only separators", " , ,, ", nil},
		{"one", "https://a.com/cb", []string{"https://a.com/cb"}},
		{"seed list", "https://a.com/cb, http://localhost:3000 ,my_app://",
			[]string{"https://a.com/cb", "http://localhost:3000", "my_app://"}},
		{"empties and duplicates dropped", ",https://a.com,,https://b.com,https://a.com,",
			[]string{"https://a.com", "https://b.com"}},
		{"tabs trimmed", "\thttps://a.com\t,\nhttps://b.com\n", []string{"https://a.com", "https://b.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList(tt.in)
			if err != nil {
				t.Fatalf("ParseList(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseList(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseListInvalid(t *testing.T) {
	tests := []struct {
		in, detail string
	}{
		{"https://a.com/cb?x=1", "query not allowed (list item 1)"},
		{"https://a.com, , javascript:alert(1)", "scheme not allowed (list item 2)"},
		{"https://a.com,https://a.com/a b", "(list item 2)"},
		{"https://a.com,/relative", "missing scheme (list item 2)"},
	}
	for _, tt := range tests {
		got, err := ParseList(tt.in)
		if !errors.Is(err, ErrInvalid) || got != nil {
			t.Errorf("ParseList(%q) = %q, %v; want nil, ErrInvalid", tt.in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.detail) {
			t.Errorf("ParseList(%q) error %q lacks %q", tt.in, err, tt.detail)
		}
	}
}
