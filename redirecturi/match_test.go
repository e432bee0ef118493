package redirecturi

import (
	"errors"
	"strings"
	"testing"
)

// matchCase is one Match check; want is nil, ErrInvalid or ErrNotRegistered.
type matchCase struct {
	name       string
	registered []string
	requested  string
	want       error
}

var (
	ok            error
	errInvalid    = ErrInvalid
	errNotRegistd = ErrNotRegistered
)

func r(uris ...string) []string { return uris }

var matchCases = []matchCase{
	// R-REDIR-1 scheme
	{"R-REDIR-1 same scheme", r("https://a.com/cb"), "https://a.com/cb", ok},
	{"R-REDIR-1 http vs https", r("https://a.com/cb"), "http://a.com/cb", errNotRegistd},
	{"R-REDIR-1 https vs http", r("http://a.com/cb"), "https://a.com/cb", errNotRegistd},
	{"R-REDIR-1 scheme case-insensitive", r("HTTPS://a.com/cb"), "hTTps://a.com/cb", ok},
	{"R-REDIR-1 custom scheme with underscore", r("my_app://callback"), "my_app://callback", ok},
	{"R-REDIR-1 custom scheme empty authority", r("my_app://"), "my_app://", ok},
	{"R-REDIR-1 custom scheme empty authority any path", r("my_app://"), "my_app:///done", ok},
	{"R-REDIR-1 custom scheme differs", r("my_app://callback"), "my-app://callback", errNotRegistd},
	{"R-REDIR-1 custom scheme host must match", r("my_app://"), "my_app://evil.com", errNotRegistd},
	{"R-REDIR-1 RFC 8252 private-use scheme", r("com.example.app:/oauth2redirect"), "com.example.app:/oauth2redirect", ok},
	{"R-REDIR-1 RFC 8252 private-use scheme subpath", r("com.example.app:/oauth2redirect"), "com.example.app:/oauth2redirect/x", ok},
	{"R-REDIR-1 RFC 8252 form vs authority form", r("com.example.app:/cb"), "com.example.app:///cb", errNotRegistd},
	{"R-REDIR-1 opaque custom scheme", r("com.example.app:/cb"), "com.example.app:cb", errInvalid},
	{"R-REDIR-1 javascript", r("https://a.com/"), "javascript://a.com/%0Aalert(1)", errInvalid},
	{"R-REDIR-1 javascript opaque", r("https://a.com/"), "javascript:alert(1)", errInvalid},
	{"R-REDIR-1 data", r("https://a.com/"), "data:text/html,x", errInvalid},
	{"R-REDIR-1 file", r("file:///etc/passwd"), "file:///etc/passwd", errInvalid},
	{"R-REDIR-1 vbscript mixed case", r("https://a.com/"), "VBScript:/x", errInvalid},
	{"R-REDIR-1 relative", r("https://a.com/cb"), "/cb", errInvalid},
	{"R-REDIR-1 scheme-relative", r("https://a.com/cb"), "//a.com/cb", errInvalid},
	{"R-REDIR-1 scheme starts with digit", r("https://a.com/cb"), "1app://cb", errInvalid},

	// R-REDIR-2 host and port
	{"R-REDIR-2 host case-insensitive", r("https://A.com/cb"), "https://a.COM/cb", ok},
	{"R-REDIR-2 other host", r("https://a.com/cb"), "https://b.com/cb", errNotRegistd},
	{"R-REDIR-2 subdomain", r("https://a.com/cb"), "https://x.a.com/cb", errNotRegistd},
	{"R-REDIR-2 suffix host", r("https://a.com/cb"), "https://a.com.evil.com/cb", errNotRegistd},
	{"R-REDIR-2 port exact", r("https://a.com:8443/cb"), "https://a.com:8443/cb", ok},
	{"R-REDIR-2 port differs", r("https://a.com:8443/cb"), "https://a.com:9443/cb", errNotRegistd},
	{"R-REDIR-2 default port written vs omitted", r("https://a.com/cb"), "https://a.com:443/cb", errNotRegistd},
	{"R-REDIR-2 omitted vs default port written", r("https://a.com:443/cb"), "https://a.com/cb", errNotRegistd},
	{"R-REDIR-2 seed localhost:3000", r("http://localhost:3000"), "http://localhost:3000/x", ok},
	{"R-REDIR-2 localhost port exact", r("http://localhost:3000/cb"), "http://localhost:3001/cb", errNotRegistd},
	{"R-REDIR-2 localhost no port", r("http://localhost/cb"), "http://localhost:8080/cb", errNotRegistd},
	{"R-REDIR-2 loopback v4 any port", r("http://127.0.0.1/cb"), "http://127.0.0.1:51234/cb", ok},
	{"R-REDIR-2 loopback v4 registered port, other port", r("http://127.0.0.1:8080/cb"), "http://127.0.0.1:9999/cb", ok},
	{"R-REDIR-2 loopback v4 no port", r("http://127.0.0.1:8080/cb"), "http://127.0.0.1/cb", ok},
	{"R-REDIR-2 loopback v4 path still checked", r("http://127.0.0.1/cb"), "http://127.0.0.1:5000/other", errNotRegistd},
	{"R-REDIR-2 loopback v6 any port", r("http://[::1]/cb"), "http://[::1]:61000/cb", ok},
	{"R-REDIR-2 loopback v6 vs v4", r("http://[::1]/cb"), "http://127.0.0.1:61000/cb", errNotRegistd},
	{"R-REDIR-2 https loopback exact port", r("https://127.0.0.1:8443/cb"), "https://127.0.0.1:9443/cb", errNotRegistd},
	{"R-REDIR-2 https loopback same port", r("https://[::1]:8443/cb"), "https://[::1]:8443/cb", ok},
	{"R-REDIR-2 other 127/8 address is exact", r("http://127.0.0.2:80/cb"), "http://127.0.0.2:81/cb", errNotRegistd},
	{"R-REDIR-2 loopback non-canonical v4", r("http://127.0.0.1/cb"), "http://127.000.000.001:80/cb", errInvalid},
	{"R-REDIR-2 loopback decimal v4", r("http://127.0.0.1/cb"), "http://2130706433:80/cb", errInvalid},
	{"R-REDIR-2 loopback short v4", r("http://127.0.0.1/cb"), "http://127.1/cb", errInvalid},
	{"R-REDIR-2 loopback hex v4", r("http://127.0.0.1/cb"), "http://0x7f.0.0.1/cb", errInvalid},
	{"R-REDIR-2 loopback non-canonical v6", r("http://[::1]/cb"), "http://[0:0:0:0:0:0:0:1]:80/cb", errInvalid},
	{"R-REDIR-2 IPv6 exact", r("https://[2001:db8::1]:8443/cb"), "https://[2001:DB8::1]:8443/cb", ok},
	{"R-REDIR-2 IPv6 zone", r("https://[fe80::1]/cb"), "https://[fe80::1%25eth0]/cb", errInvalid},
	{"R-REDIR-2 IPv4 host exact", r("https://192.0.2.1/cb"), "https://192.0.2.1/cb", ok},
	{"R-REDIR-2 empty host", r("https://a.com/cb"), "https:///cb", errInvalid},
	{"R-REDIR-2 port zero", r("https://a.com/cb"), "https://a.com:0/cb", errInvalid},
	{"R-REDIR-2 port too big", r("https://a.com/cb"), "https://a.com:65536/cb", errInvalid},
	{"R-REDIR-2 port leading zero", r("https://a.com:443/cb"), "https://a.com:0443/cb", errInvalid},
	{"R-REDIR-2 empty port", r("https://a.com/cb"), "https://a.com:/cb", errInvalid},
	{"R-REDIR-2 custom scheme with host and port", r("my_app://auth:7000/cb"), "my_app://auth:7000/cb/x", ok},

	// R-REDIR-3 path
	{"R-REDIR-3 exact path", r("https://a.com/cb"), "https://a.com/cb", ok},
	{"R-REDIR-3 sub path", r("https://a.com/cb"), "https://a.com/cb/x", ok},
	{"R-REDIR-3 not on segment boundary", r("https://a.com/cb"), "https://a.com/cbx", errNotRegistd},
	{"R-REDIR-3 trailing slash allows child", r("https://a.com/cb/"), "https://a.com/cb/x", ok},
	{"R-REDIR-3 trailing slash allows itself", r("https://a.com/cb/"), "https://a.com/cb/", ok},
	{"R-REDIR-3 trailing slash needs slash", r("https://a.com/cb/"), "https://a.com/cb", errNotRegistd},
	{"R-REDIR-3 requested trailing slash", r("https://a.com/cb"), "https://a.com/cb/", ok},
	{"R-REDIR-3 parent path", r("https://a.com/cb/x"), "https://a.com/cb", errNotRegistd},
	{"R-REDIR-3 empty path allows any", r("https://a.com"), "https://a.com/any/thing", ok},
	{"R-REDIR-3 slash allows any", r("https://a.com/"), "https://a.com/any", ok},
	{"R-REDIR-3 slash allows empty", r("https://a.com/"), "https://a.com", ok},
	{"R-REDIR-3 path needed", r("https://a.com/cb"), "https://a.com", errNotRegistd},
	{"R-REDIR-3 case-sensitive path", r("https://a.com/cb"), "https://a.com/CB", errNotRegistd},
	{"R-REDIR-3 dot-dot", r("https://a.com/cb"), "https://a.com/cb/../admin", errInvalid},
	{"R-REDIR-3 dot", r("https://a.com/cb"), "https://a.com/cb/./x", errInvalid},
	{"R-REDIR-3 trailing dot-dot", r("https://a.com/cb"), "https://a.com/cb/..", errInvalid},
	{"R-REDIR-3 encoded dot-dot lower", r("https://a.com/cb"), "https://a.com/cb/%2e%2e/admin", errInvalid},
	{"R-REDIR-3 encoded dot-dot upper", r("https://a.com/cb"), "https://a.com/cb/%2E%2E/admin", errInvalid},
	{"R-REDIR-3 half-encoded dot-dot", r("https://a.com/cb"), "https://a.com/cb/.%2e/admin", errInvalid},
	{"R-REDIR-3 half-encoded dot-dot other half", r("https://a.com/cb"), "https://a.com/cb/%2E./admin", errInvalid},
	{"R-REDIR-3 encoded dot", r("https://a.com/cb"), "https://a.com/cb/%2e/x", errInvalid},
	{"R-REDIR-3 dot-dot with parameter", r("https://a.com/cb"), "https://a.com/cb/..;x=1/admin", errInvalid},
	{"R-REDIR-3 triple dot", r("https://a.com/cb"), "https://a.com/cb/.../x", errInvalid},
	{"R-REDIR-3 encoded slash", r("https://a.com/cb"), "https://a.com/cb%2F..%2Fadmin", errInvalid},
	{"R-REDIR-3 encoded slash lower", r("https://a.com/cb"), "https://a.com/cb/a%2fb", errInvalid},
	{"R-REDIR-3 encoded backslash", r("https://a.com/cb"), "https://a.com/cb/%5C..%5Cadmin", errInvalid},
	{"R-REDIR-3 raw backslash", r("https://a.com/cb"), `https://a.com/cb\..\admin`, errInvalid},
	{"R-REDIR-3 double encoded dot-dot", r("https://a.com/cb"), "https://a.com/cb/%252e%252e/admin", errInvalid},
	{"R-REDIR-3 double slash", r("https://a.com/cb"), "https://a.com/cb//evil.com", errInvalid},
	{"R-REDIR-3 leading double slash", r("https://a.com/"), "https://a.com//evil.com", errInvalid},
	{"R-REDIR-3 encoded NUL", r("https://a.com/cb"), "https://a.com/cb/%00", errInvalid},
	{"R-REDIR-3 encoded newline", r("https://a.com/cb"), "https://a.com/cb/%0A", errInvalid},
	{"R-REDIR-3 overlong UTF-8 dot", r("https://a.com/cb"), "https://a.com/cb/%C0%AE%C0%AE/x", errInvalid},
	{"R-REDIR-3 encoded unreserved", r("https://a.com/cb"), "https://a.com/c%62", errInvalid},
	{"R-REDIR-3 lowercase escape", r("https://a.com/cb"), "https://a.com/cb/a%3ab", errInvalid},
	{"R-REDIR-3 normal escape", r("https://a.com/cb"), "https://a.com/cb/a%3Ab", ok},
	{"R-REDIR-3 malformed escape", r("https://a.com/cb"), "https://a.com/cb/%zz", errInvalid},
	{"R-REDIR-3 truncated escape", r("https://a.com/cb"), "https://a.com/cb/%2", errInvalid},
	{"R-REDIR-3 dots inside a name", r("https://a.com/cb"), "https://a.com/cb/v1.2..3", ok},
	{"R-REDIR-3 registered traversal never matches", r("https://a.com/cb/../x"), "https://a.com/cb/../x", errInvalid},
	{"R-REDIR-3 registered traversal is skipped", r("https://a.com/a/../", "https://a.com/b"), "https://a.com/a/x", errNotRegistd},

	// R-REDIR-4 query and fragment
	{"R-REDIR-4 query", r("https://a.com/cb"), "https://a.com/cb?x=1", errInvalid},
	{"R-REDIR-4 empty query", r("https://a.com/cb"), "https://a.com/cb?", errInvalid},
	{"R-REDIR-4 fragment", r("https://a.com/cb"), "https://a.com/cb#x", errInvalid},
	{"R-REDIR-4 empty fragment", r("https://a.com/cb"), "https://a.com/cb#", errInvalid},
	{"R-REDIR-4 registered query", r("https://a.com/cb?x=1"), "https://a.com/cb", errNotRegistd},
	{"R-REDIR-4 query in authority", r("https://a.com"), "https://a.com?@evil.com", errInvalid},

	// R-REDIR-5 userinfo, non-ASCII, length, whitespace, forms
	{"R-REDIR-5 userinfo", r("https://a.com/cb"), "https://user@a.com/cb", errInvalid},
	{"R-REDIR-5 userinfo with password", r("https://a.com/cb"), "https://user:pass@a.com/cb", errInvalid},
	{"R-REDIR-5 userinfo host confusion", r("https://a.com/cb"), "https://a.com@evil.com/cb", errInvalid},
	{"R-REDIR-5 empty userinfo", r("https://a.com/cb"), "https://@a.com/cb", errInvalid},
	{"R-REDIR-5 at sign in path is fine", r("https://a.com/cb"), "https://a.com/cb/@me", ok},
	{"R-REDIR-5 non-ASCII host", r("https://a.com/cb"), "https://ä.com/cb", errInvalid},
	{"R-REDIR-5 punycode host", r("https://xn--4ca.com/cb"), "https://xn--4ca.com/cb", ok},
	{"R-REDIR-5 percent-encoded host", r("https://a.com/cb"), "https://%61.com/cb", errInvalid},
	{"R-REDIR-5 underscore in web host", r("https://a_b.com/cb"), "https://a_b.com/cb", errInvalid},
	{"R-REDIR-5 trailing dot host", r("https://a.com/cb"), "https://a.com./cb", errInvalid},
	{"R-REDIR-5 non-ASCII path", r("https://a.com/cb"), "https://a.com/cb/é", errInvalid},
	{"R-REDIR-5 encoded non-ASCII path", r("https://a.com/cb"), "https://a.com/cb/%C3%A9", errInvalid},
	{"R-REDIR-5 empty", r("https://a.com/cb"), "", errInvalid},
	{"R-REDIR-5 space", r("https://a.com/cb"), "https://a.com/cb x", errInvalid},
	{"R-REDIR-5 leading space", r("https://a.com/cb"), " https://a.com/cb", errInvalid},
	{"R-REDIR-5 tab", r("https://a.com/cb"), "https://a.com/c\tb", errInvalid},
	{"R-REDIR-5 newline", r("https://a.com/cb"), "https://a.com/cb\n", errInvalid},
	{"R-REDIR-5 NUL", r("https://a.com/cb"), "https://a.com/cb\x00", errInvalid},
	{"R-REDIR-5 opaque http", r("https://a.com/cb"), "http:a.com/cb", errInvalid},
	{"R-REDIR-5 http without authority", r("https://a.com/cb"), "https:/a.com/cb", errInvalid},
	{"R-REDIR-5 overlong", r("https://a.com/"), "https://a.com/" + strings.Repeat("a", MaxLen-len("https://a.com/")+1), errInvalid},
	{"R-REDIR-5 at the length limit", r("https://a.com/"), "https://a.com/" + strings.Repeat("a", MaxLen-len("https://a.com/")), ok},

	// Several registered URIs
	{"multiple registered first", r("https://a.com/cb", "https://b.com/cb"), "https://a.com/cb", ok},
	{"multiple registered second", r("https://a.com/cb", "https://b.com/cb"), "https://b.com/cb/x", ok},
	{"multiple registered none", r("https://a.com/cb", "https://b.com/cb"), "https://c.com/cb", errNotRegistd},
	{"multiple registered bad one ignored", r("javascript:x", "https://b.com/cb"), "https://b.com/cb", ok},
	{"none registered", nil, "https://a.com/cb", errNotRegistd},
	{"seed example", r("https://my-application.com"), "https://my-application.com", ok},
	{"seed example with path", r("https://get-customers-app.samplehosting.com/"), "https://get-customers-app.samplehosting.com/", ok},
}

func TestMatch(t *testing.T) {
	for _, tt := range matchCases {
		t.Run(tt.name, func(t *testing.T) {
			err := Match(tt.registered, tt.requested)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("Match(%q, %q) = %v, want nil", tt.registered, tt.requested, err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("Match(%q, %q) = %v, want %v", tt.registered, tt.requested, err, tt.want)
			}
			if err != nil {
				checkErrorText(t, err, tt.requested)
			}
		})
	}
}

// checkErrorText asserts an error holds only a short fixed reason, never the input.
func checkErrorText(t *testing.T, err error, input string) {
	t.Helper()
	msg := err.Error()
	reason, ok := strings.CutPrefix(msg, ErrInvalid.Error())
	if !ok {
		reason, ok = strings.CutPrefix(msg, ErrNotRegistered.Error())
	}
	reason = strings.TrimPrefix(reason, ": ")
	const fixed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,-()"
	if !ok || len(msg) > 120 || strings.Trim(reason, fixed) != "" {
		t.Errorf("error %q is not a sentinel and a short fixed reason", msg)
	}
	// Reasons are fixed and short; a long input found in one was echoed.
	if len(input) > 40 && strings.Contains(msg, input) {
		t.Errorf("error %q echoes the input", msg)
	}
}

func TestMatchErrInvalidBeatsNotRegistered(t *testing.T) {
	// A malformed request is ErrInvalid even when nothing is registered.
	err := Match(nil, "https://a.com/cb?x")
	if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotRegistered) {
		t.Errorf("Match = %v, want ErrInvalid only", err)
	}
	err = Match(r("https://a.com/cb"), "https://b.com/cb")
	if !errors.Is(err, ErrNotRegistered) || errors.Is(err, ErrInvalid) {
		t.Errorf("Match = %v, want ErrNotRegistered only", err)
	}
}
