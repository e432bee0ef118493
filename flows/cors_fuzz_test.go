package flows

import (
	"net/url"
	"strings"
	"testing"
)

// TestCanonicalOrigin: origins are read in one spelling: scheme and host lowercased, a
// default port dropped, IPv6 in RFC 5952 form; anything but scheme://host[:port] is no
// origin.
func TestCanonicalOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://app.example":                          "https://app.example",
		"HTTPS://App.EXAMPLE":                          "https://app.example",
		"https://app.example:443":                      "https://app.example",
		"http://app.example:80":                        "http://app.example",
		"http://app.example:443":                       "http://app.example:443",
		"https://app.example:80":                       "https://app.example:80",
		"http://localhost:5173":                        "http://localhost:5173",
		"http://127.0.0.1:8080":                        "http://127.0.0.1:8080",
		"http://[::1]:8080":                            "http://[::1]:8080",
		"http://[0:0:0:0:0:0:0:1]":                     "http://[::1]",
		"http://[2001:DB8::1]":                         "http://[2001:db8::1]",
		"vscode-webview://abc":                         "vscode-webview://abc",
		"chrome-extension://abcdefg":                   "chrome-extension://abcdefg",
		"https://xn--bcher-kva.example":                "https://xn--bcher-kva.example",
		"null":                                         "",
		"":                                             "",
		"*":                                            "",
		"https://*.example":                            "",
		"https://app.example/":                         "",
		"https://app.example/x":                        "",
		"https://app.example?":                         "",
		"https://app.example#":                         "",
		"https://u@app.example":                        "",
		"https://app.example:":                         "",
		"https://app.example:0":                        "",
		"https://app.example:0443":                     "",
		"https://app.example:65536":                    "",
		"https://app.example:+443":                     "",
		"https://app.example:44a":                      "",
		"https://":                                     "",
		"://app.example":                               "",
		"1https://app.example":                         "",
		"https:app.example":                            "",
		"https://[::1":                                 "",
		"https://[::1]x":                               "",
		"https://[fe80::1%25eth0]":                     "",
		"https://[127.0.0.1]":                          "",
		"https://bücher.example":                       "",
		"https://app.example ":                         "",
		"https://app.example\r\nX:":                    "",
		"https://" + strings.Repeat("a", maxOriginLen): "",
	} {
		got, ok := canonicalOrigin(in)
		if got != want || ok != (want != "") {
			t.Errorf("canonicalOrigin(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// FuzzCanonicalOrigin: the Origin header of any request goes through canonicalOrigin.
// It never panics; what it accepts is stable (idempotent, and the same whatever the case
// of the input), has the shape scheme://host[:port] that net/url reads the same way, and
// holds nothing but the characters of such an origin, so that echoing the request's
// Origin header in Access-Control-Allow-Origin cannot inject anything.
func FuzzCanonicalOrigin(f *testing.F) {
	for _, s := range []string{
		"https://app.example", "HTTPS://App.Example:443", "http://localhost:5173", "http://[::1]:8080",
		"http://[0:0::1]", "vscode-webview://abc", "null", "*", "https://*.example", "https://app.example/",
		"https://u@app.example", "https://app.example:0", "https://[fe80::1%eth0]", "https://bücher.example",
		"http://[::ffff:127.0.0.1]", "a://b:1", "https://app.example\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := canonicalOrigin(s)
		if !ok {
			if c != "" {
				t.Fatalf("canonicalOrigin(%q) refused it but returned %q", s, c)
			}
			return
		}
		if again, ok := canonicalOrigin(c); !ok || again != c {
			t.Fatalf("canonicalOrigin(%q) = %q, not stable: %q, %v", s, c, again, ok)
		}
		if up, ok := canonicalOrigin(strings.ToUpper(s)); !ok || up != c {
			t.Fatalf("canonicalOrigin(%q) = %q, but of its upper case %q, %v", s, c, up, ok)
		}
		if len(s) > maxOriginLen || len(c) > len(s) {
			t.Fatalf("canonicalOrigin(%q) = %q: longer than allowed", s, c)
		}
		for _, in := range []string{s, c} {
			for i := 0; i < len(in); i++ {
				ch := in[i]
				if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("+-._:/[]", ch) >= 0) {
					t.Fatalf("canonicalOrigin accepted %q with the byte %q", s, ch)
				}
			}
		}
		u, err := url.Parse(c)
		if err != nil {
			t.Fatalf("canonicalOrigin(%q) = %q, which net/url refuses: %v", s, c, err)
		}
		if u.Scheme+"://"+u.Host != c || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
			t.Fatalf("canonicalOrigin(%q) = %q, which net/url reads as %#v", s, c, u)
		}
		if strings.Contains(u.Host, "*") || u.Host == "" {
			t.Fatalf("canonicalOrigin(%q) = %q: host %q", s, c, u.Host)
		}
	})
}
