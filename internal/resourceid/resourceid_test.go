package resourceid

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com":           "https://api.example.com",
		"https://api.example.com/":          "https://api.example.com",
		"HTTPS://API.Example.COM/":          "https://api.example.com",
		"https://api.example.com:443/":      "https://api.example.com",
		"https://api.example.com:/":         "https://api.example.com",
		"https://api.example.com:0443":      "https://api.example.com",
		"http://api.example.com:80/mcp":     "http://api.example.com/mcp",
		"http://api.example.com:443/mcp":    "http://api.example.com:443/mcp",
		"https://api.example.com:8443":      "https://api.example.com:8443",
		"https://api.example.com/mcp":       "https://api.example.com/mcp",
		"https://api.example.com/mcp/":      "https://api.example.com/mcp/",
		"https://api.example.com/MCP":       "https://api.example.com/MCP",
		"https://api.example.com/a%7eb%3f":  "https://api.example.com/a~b%3F",
		"https://api.example.com/%41%62":    "https://api.example.com/Ab",
		"https://api.example.com/a//b":      "https://api.example.com/a//b",
		"https://api.example.com/x?b=1&a=2": "https://api.example.com/x?b=1&a=2",
		"https://api.example.com/?q=%7e":    "https://api.example.com?q=%7e",
		"https://api.example.com?q":         "https://api.example.com?q",
		"https://api.example.com/x?a/b?c":   "https://api.example.com/x?a/b?c",
		"http://127.0.0.1:8080/":            "http://127.0.0.1:8080",
		"http://[::1]:8080/mcp":             "http://[::1]:8080/mcp",
		"http://[0:0:0:0:0:0:0:1]/":         "http://[::1]",
		"https://[2001:DB8::A]":             "https://[2001:db8::a]",
		"https://a_b.example.com/:@!$&'()*": "https://a_b.example.com/:@!$&'()*",
	} {
		got, err := Canonical(in)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestCanonicalRefuses(t *testing.T) {
	for in, want := range map[string]Error{
		"": errEmpty,
		"https://x.example/" + strings.Repeat("a", MaxLen): errLong,
		"api.example.com":                  errScheme,
		"/mcp":                             errScheme,
		"urn:example:api":                  errScheme,
		"ftp://api.example.com":            errScheme,
		"https:api.example.com":            errScheme,
		"https://api.example.com/#":        errFragment,
		"https://api.example.com#frag":     errFragment,
		"https://user@api.example.com":     errUserinfo,
		"https://:pw@api.example.com":      errUserinfo,
		"https://":                         errHost,
		"https:///mcp":                     errHost,
		"https://:443":                     errHost,
		"https://api..example.com":         errHost,
		"https://api.example.com.":         errHost,
		"https://.example.com":             errHost,
		"https://api%2Eexample.com":        errHost,
		"https://api.example.com!":         errHost,
		"https://a~b.example.com":          errHost,
		"https://[::1":                     errHost,
		"https://[fe80::1%25eth0]":         errHost,
		"https://[1.2.3.4]":                errHost,
		"https://[v1.x]":                   errHost,
		"https://[::1]x":                   errHost,
		"https://api.example.com:0":        errPort,
		"https://api.example.com:65536":    errPort,
		"https://api.example.com:123456":   errPort,
		"https://api.example.com:+80":      errPort,
		"https://api.example.com:8a":       errPort,
		"https://api.example.com/a/./b":    errDot,
		"https://api.example.com/a/../b":   errDot,
		"https://api.example.com/..":       errDot,
		"https://api.example.com/%2e%2E/x": errDot,
		"https://api.example.com/.%2e":     errDot,
		"https://api.example.com/a%2fb":    errSlash,
		"https://api.example.com/..%2F":    errSlash,
		"https://api.example.com/a%5Cb":    errSlash,
		"https://api.example.com/%":        errPercent,
		"https://api.example.com/%4":       errPercent,
		"https://api.example.com/%zz":      errPercent,
		"https://api.example.com/x?%g0":    errPercent,
		"https://api.example.com/x?":       errEmptyQuery,
		"https://api.example.com?":         errEmptyQuery,
		"https://api.example.com/a b":      errChar,
		"https://api.example.com/é":        errChar,
		"https://api.example.com/a\\b":     errChar,
		"https://api.example.com/a\"b":     errChar,
		"https://api.example.com/<x>":      errChar,
		"https://api.example.com/[x]":      errChar,
		"https://api.example.com/x?[x]":    errChar,
		"https://api.example.com/\x00":     errChar,
		" https://api.example.com":         errChar,
	} {
		got, err := Canonical(in)
		var e Error
		if !errors.As(err, &e) || e != want || got != "" {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestEqual(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"https://api.example.com", "https://api.example.com/", true},
		{"https://API.example.com:443", "https://api.example.com", true},
		{"https://api.example.com/mcp", "HTTPS://api.EXAMPLE.com:443/mcp", true},
		{"https://api.example.com/%7Emcp", "https://api.example.com/~mcp", true},
		{"https://api.example.com/mcp", "https://api.example.com/mcp/", false},
		{"https://api.example.com/mcp", "https://api.example.com/MCP", false},
		{"https://api.example.com", "http://api.example.com", false},
		{"https://api.example.com", "https://api.example.com:8443", false},
		{"https://api.example.com/x?a=1", "https://api.example.com/x?a=%31", false},
		{"https://api.example.com/x?a=1&b=2", "https://api.example.com/x?b=2&a=1", false},
		{"https://api.example.com/x", "https://api.example.com/x?", false},
		{"https://api.example.com/a/../x", "https://api.example.com/x", false},
		{"https://api.example.com#", "https://api.example.com#", false},
		{"api", "api", false},
		{"", "", false},
	} {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Equal(tt.b, tt.a); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestWellKnown(t *testing.T) {
	const name = "oauth-protected-resource"
	for in, want := range map[string]string{
		"https://api.example.com":             "https://api.example.com/.well-known/oauth-protected-resource",
		"https://api.example.com/":            "https://api.example.com/.well-known/oauth-protected-resource",
		"https://API.example.com:443/":        "https://api.example.com/.well-known/oauth-protected-resource",
		"https://api.example.com:8443":        "https://api.example.com:8443/.well-known/oauth-protected-resource",
		"https://api.example.com/mcp":         "https://api.example.com/.well-known/oauth-protected-resource/mcp",
		"https://api.example.com/mcp/":        "https://api.example.com/.well-known/oauth-protected-resource/mcp/",
		"https://api.example.com/server/mcp":  "https://api.example.com/.well-known/oauth-protected-resource/server/mcp",
		"https://api.example.com?tenant=1":    "https://api.example.com/.well-known/oauth-protected-resource?tenant=1",
		"https://api.example.com/v1?tenant=1": "https://api.example.com/.well-known/oauth-protected-resource/v1?tenant=1",
		"http://[::1]:8080/mcp":               "http://[::1]:8080/.well-known/oauth-protected-resource/mcp",
	} {
		got, err := WellKnown(in, name)
		if err != nil || got != want {
			t.Errorf("WellKnown(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := WellKnown("https://api.example.com#x", name); err != errFragment || got != "" {
		t.Errorf("WellKnown of a fragment = %q, %v", got, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("WellKnown with an invalid name did not panic")
		}
	}()
	_, _ = WellKnown("https://api.example.com", "../x")
}

var knownErrors = map[Error]bool{errEmpty: true, errLong: true, errChar: true, errFragment: true,
	errScheme: true, errUserinfo: true, errHost: true, errPort: true, errPercent: true, errDot: true,
	errEmptyQuery: true, errSlash: true}

// FuzzCanonical: Canonical never panics; what it accepts is its own canonical form,
// parses with net/url as an absolute http(s) URL with the same host and no user
// information or fragment, and names a resource Equal to the input; what it refuses it
// refuses with one of its fixed sentences. The seeds run in every plain `go test`.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"https://api.example.com", "https://api.example.com/", "HTTPS://API.EXAMPLE.COM:443/mcp/",
		"http://127.0.0.1:8080/x?y", "http://[::1]:80", "https://[::ffff:1.2.3.4]/", "https://a/%2e%2e",
		"https://a/%7E%2f%41", "https://a:/", "https://a:00080", "https://u@a", "https://a#", "https://a?",
		"https://a/b?c#d", "urn:x", "https://a/./b", "https://a/..%2f", "https://[fe80::1%25en0]/",
		"https://a?b://c", "https:////", "https://a.b.c.d.e/" + strings.Repeat("x", 100), "https://a/%",
		"https://a/%25", "https://a/b;c=d", "https://a/%C3%A9",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Canonical(s)
		if err != nil {
			e, ok := err.(Error)
			if !ok || c != "" || !knownErrors[e] {
				t.Fatalf("Canonical(%q) = %q, %#v", s, c, err)
			}
			if Equal(s, s) {
				t.Fatalf("invalid %q equals itself", s)
			}
			return
		}
		if again, err := Canonical(c); err != nil || again != c {
			t.Fatalf("Canonical(%q) = %q, but Canonical(%q) = %q, %v", s, c, c, again, err)
		}
		if !Equal(s, c) || !Equal(c, s) {
			t.Fatalf("%q and its canonical form %q are not Equal", s, c)
		}
		u, err := url.Parse(c)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			u.Fragment != "" || strings.Contains(c, "#") || u.Opaque != "" {
			t.Fatalf("Canonical(%q) = %q, which net/url reads as %#v, %v", s, c, u, err)
		}
		if u.Hostname() != strings.ToLower(u.Hostname()) || strings.HasSuffix(c, "/") && u.Path == "/" {
			t.Fatalf("Canonical(%q) = %q is not lowercase or keeps the root slash", s, c)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("Canonical(%q) = %q has a dot segment", s, c)
			}
		}
		wk, err := WellKnown(s, "oauth-protected-resource")
		if err != nil || !strings.Contains(wk, "/.well-known/oauth-protected-resource") {
			t.Fatalf("WellKnown(%q) = %q, %v", s, wk, err)
		}
		if w, err := url.Parse(wk); err != nil || w.Host != u.Host || w.RawQuery != u.RawQuery ||
			!strings.HasPrefix(w.EscapedPath(), "/.well-known/oauth-protected-resource") {
			t.Fatalf("WellKnown(%q) = %q does not keep the authority and query of %q", s, wk, c)
		}
	})
}
