package console

import (
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/redirecturi"
)

func TestSplitRedirectURIs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" \r\n\n ", nil},
		{"https://a.example/cb", []string{"https://a.example/cb"}},
		{"https://a.example/cb\r\n  http://127.0.0.1/cb  \n", []string{"https://a.example/cb", "http://127.0.0.1/cb"}},
		{"https://a.example/cb,https://b.example/cb", []string{"https://a.example/cb", "https://b.example/cb"}},
	} {
		if got := SplitRedirectURIs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("SplitRedirectURIs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormaliseRedirectURI(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://App.Example.COM/Cb":      "https://app.example.com/Cb",
		"https://app.example.com":         "https://app.example.com",
		"My_App://Host/Path":              "my_app://host/Path",
		"my_app://":                       "my_app://",
		"Com.Example.App:/OAuth2Redirect": "com.example.app:/OAuth2Redirect",
		"http://[::1]:8080/cb":            "http://[::1]:8080/cb",
	} {
		got, err := normaliseRedirectURI(in)
		if err != nil || got != want {
			t.Errorf("normaliseRedirectURI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "https://a.example/cb?x", "https://u@a.example/cb", "javascript:alert(1)", "/cb"} {
		if _, err := normaliseRedirectURI(in); err == nil {
			t.Errorf("normaliseRedirectURI(%q) accepted it", in)
		} else if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("the error echoes the URI: %v", err)
		}
	}
}

// FuzzRedirectURIs: the redirect URI field of the form is untrusted text. Splitting yields
// trimmed, non-empty items without separators; normalising yields a URI that is valid,
// normal (normalising it again changes nothing), differs from the input only in case, and
// allows exactly the requests the input would have.
func FuzzRedirectURIs(f *testing.F) {
	for _, s := range []string{
		"https://a.example/cb", "HTTPS://A.EXAMPLE/cb\nhttp://127.0.0.1:8080/x", "my_APP://Cb", "Com.Ex:/cb",
		"https://a.example/cb,https://b.example", "https://a.example/%2e%2e/x", "http://[::1]/cb", " \r\n ",
		"https://a.example/cb?x#y", "https://xn--bcher-kva.example/cb", "HTTP://LOCALHOST:9/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, u := range SplitRedirectURIs(text) {
			if u == "" || strings.TrimSpace(u) != u || strings.ContainsAny(u, "\r\n,") {
				t.Fatalf("SplitRedirectURIs(%q) yielded %q", text, u)
			}
			n, err := normaliseRedirectURI(u)
			if err != nil {
				if redirecturi.ValidateRegistered(u) == nil {
					t.Fatalf("normaliseRedirectURI refused the valid %q: %v", u, err)
				}
				continue
			}
			if redirecturi.ValidateRegistered(n) != nil || !strings.EqualFold(n, u) {
				t.Fatalf("normaliseRedirectURI(%q) = %q", u, n)
			}
			if again, err := normaliseRedirectURI(n); err != nil || again != n {
				t.Fatalf("normaliseRedirectURI(%q) = %q, %v; want it unchanged", n, again, err)
			}
			if err := redirecturi.Match([]string{n}, u); err != nil {
				t.Fatalf("%q, registered as %q, no longer matches itself: %v", u, n, err)
			}
		}
	})
}
