package redirecturi

import (
	"errors"
	"net/url"
	"path"
	"strings"
	"testing"
)

// extraSeeds are URIs worth mutating beyond those in matchCases.
var extraSeeds = []string{
	"my_app://callback",
	"com.example.app:/oauth2redirect",
	"http://[::1]:8080/cb/",
	"https://[2001:db8::1]/",
	"https://a.com/cb;x=1",
	"https://a.com/a%20b/%3A",
	"https://a.com/..;/x",
	"https://a.com/%2e%2E/",
	"https://a.com/%252e/",
	"https://a.com/%C0%AE/",
	"https://a.com:443",
	"https://xn--bcher-kva.example/",
	"HTTP://LOCALHOST:3000/CB",
	"http://localhost/cb",
	"http://localhost:6274/oauth/callback",
	"https://localhost:8443/cb",
	"http://app.localhost/cb",
	"http://localhost.example/cb",
	"my_app://localhost/cb",
	"x://a@b",
	"x:/a/../b",
	"direc", // found by FuzzValidateRegistered: a test-helper false positive on echoed input
}

// FuzzMatch checks Match, MatchExactPort and MatchWith against net/url (R-REDIR-1..5). The
// second input is tried both as the requested URI and appended to the registered one.
// Whatever they allow for a single registered URI has the registered scheme, host and port
// (or any port on an http loopback literal, or on http localhost with
// Options.LocalhostAnyPort), a path at or below the registered path on a segment boundary,
// no dot segment after decoding, and no query, fragment or userinfo. Each option only
// widens: what MatchExactPort allows, Match allows, and so does MatchWith with both
// options.
func FuzzMatch(f *testing.F) {
	for _, c := range matchCases {
		regs := c.registered
		if len(regs) == 0 {
			regs = []string{""}
		}
		for _, reg := range regs {
			f.Add(reg, c.requested)
		}
	}
	for _, c := range localhostCases {
		f.Add(c.registered[0], c.requested)
	}
	for _, s := range extraSeeds {
		f.Add(s, "")
		f.Add(s, "/x")
	}
	for _, suffix := range []string{
		"/../x", "/%2e%2e/x", "/.%2E/x", "/..;/x", "%2F..%2Fx", "x", "/", "//evil.com", "/%5C..",
		".evil.com", "@evil.com", ":8080", ":8080/x", ":0", "?x", "#x", "?", "#", "/x/./y",
	} {
		f.Add("https://a.com/cb", suffix)
		f.Add("http://127.0.0.1/cb", suffix)
		f.Add("http://localhost/cb", suffix)
		f.Add("http://localhost:3000/cb", suffix)
		f.Add("my_app://", suffix)
	}
	f.Fuzz(func(t *testing.T, registered, suffix string) {
		// The suffix is tried alone and appended to the registered URI, where attacks live
		// ("https://a.com/cb" + "/../x", + ".evil.com", + "@evil.com", ...).
		for _, requested := range []string{suffix, registered + suffix} {
			exact := checkMatch(t, registered, requested, Options{})
			loopback := checkMatch(t, registered, requested, Options{LoopbackAnyPort: true})
			both := checkMatch(t, registered, requested, Options{LoopbackAnyPort: true, LocalhostAnyPort: true})
			if exact && !loopback || loopback && !both {
				t.Fatalf("%q for %q: exact port %v, loopback any port %v, both %v", requested, registered, exact, loopback, both)
			}
			if err := Match([]string{registered}, requested); (err == nil) != loopback {
				t.Fatalf("Match(%q, %q) = %v, MatchWith(LoopbackAnyPort) allows: %v", registered, requested, err, loopback)
			}
		}
	})
}

// checkMatch asserts the FuzzMatch invariants for one pair under o and reports whether
// MatchWith allowed it.
func checkMatch(t *testing.T, registered, requested string, o Options) bool {
	t.Helper()
	err := MatchWith([]string{registered}, requested, o)
	if err != nil {
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotRegistered) {
			t.Fatalf("Match error %v wraps no sentinel", err)
		}
		checkErrorText(t, err, requested)
		return false
	}
	if err := ValidateRegistered(registered); err != nil {
		t.Fatalf("Match allowed %q through invalid registration %q: %v", requested, registered, err)
	}
	if err := ValidateRegistered(requested); err != nil && !strings.Contains(requested, ",") {
		t.Fatalf("Match allowed %q, which ValidateRegistered refuses: %v", requested, err)
	}
	if strings.ContainsAny(requested, "?#\\") {
		t.Fatalf("Match allowed %q with a query, fragment or backslash", requested)
	}
	reg, regScheme := stdParse(t, registered)
	req, reqScheme := stdParse(t, requested)
	if regScheme != reqScheme {
		t.Fatalf("scheme %q allowed for %q", reqScheme, regScheme)
	}
	if req.User != nil || req.RawQuery != "" || req.ForceQuery || req.Fragment != "" || req.Opaque != "" {
		t.Fatalf("Match allowed %q: %#v", requested, req)
	}
	if !strings.EqualFold(reg.Hostname(), req.Hostname()) {
		t.Fatalf("host %q allowed for %q", req.Hostname(), reg.Hostname())
	}
	host := strings.ToLower(reg.Hostname())
	anyPort := regScheme == "http" &&
		(o.LoopbackAnyPort && (host == "127.0.0.1" || host == "::1") || o.LocalhostAnyPort && host == "localhost")
	if !anyPort && reg.Port() != req.Port() {
		t.Fatalf("port %q allowed for %q", req.Port(), reg.Port())
	}
	rp, qp := reg.EscapedPath(), req.EscapedPath()
	switch {
	case rp == "" || rp == "/":
	case strings.HasSuffix(rp, "/"):
		if !strings.HasPrefix(qp, rp) {
			t.Fatalf("path %q allowed for %q", qp, rp)
		}
	case qp != rp && !strings.HasPrefix(qp, rp+"/"):
		t.Fatalf("path %q allowed for %q", qp, rp)
	}
	for seg := range strings.SplitSeq(req.Path, "/") {
		if seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") {
			t.Fatalf("path %q (decoded %q) has segment %q", qp, req.Path, seg)
		}
	}
	if p := req.Path; p != "" && path.Clean(p) != p && path.Clean(p)+"/" != p {
		t.Fatalf("decoded path %q is not clean", p)
	}
	return true
}

// FuzzValidateRegistered checks that ValidateRegistered never panics and that what it accepts
// has no query, fragment or userinfo (R-REDIR-4, R-REDIR-5) and matches itself.
func FuzzValidateRegistered(f *testing.F) {
	for _, c := range matchCases {
		f.Add(c.requested)
		for _, reg := range c.registered {
			f.Add(reg)
		}
	}
	for _, c := range localhostCases {
		f.Add(c.requested)
	}
	for _, s := range extraSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		err := ValidateRegistered(uri)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			checkErrorText(t, err, uri)
			return
		}
		if len(uri) > MaxLen || strings.ContainsAny(uri, "?#, \t\r\n") {
			t.Fatalf("accepted %q", uri)
		}
		u, _ := stdParse(t, uri)
		if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("accepted %q: %#v", uri, u)
		}
		if strings.Contains(u.Host, "@") {
			t.Fatalf("accepted %q with '@' in host", uri)
		}
		if err := Match([]string{uri}, uri); err != nil {
			t.Fatalf("%q does not match itself: %v", uri, err)
		}
		if got, err := ParseList(uri); err != nil || len(got) != 1 || got[0] != uri {
			t.Fatalf("ParseList(%q) = %q, %v", uri, got, err)
		}
	})
}

// stdParse parses an accepted URI with net/url, after swapping the scheme, which net/url
// refuses when it holds '_', for a placeholder; it returns the URL and the lowercased scheme.
func stdParse(t *testing.T, s string) (*url.URL, string) {
	t.Helper()
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		t.Fatalf("accepted %q without a scheme", s)
	}
	u, err := url.Parse("placeholder:" + rest)
	if err != nil {
		t.Fatalf("accepted %q, which net/url refuses: %v", s, err)
	}
	return u, strings.ToLower(scheme)
}
