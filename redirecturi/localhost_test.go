package redirecturi

import (
	"errors"
	"testing"
)

// localhostCases are MatchWith checks of the localhost exception, run under every Options
// value: wantOn is the answer with LocalhostAnyPort (and LoopbackAnyPort), wantOff the
// answer of Match, which matches "localhost" exactly like any other host.
var localhostCases = []struct {
	name            string
	registered      []string
	requested       string
	wantOn, wantOff error
}{
	{"no port registered, any port", r("http://localhost/cb"), "http://localhost:51234/cb", ok, errNotRegistd},
	{"no port registered, none", r("http://localhost/cb"), "http://localhost/cb", ok, ok},
	{"port registered, other port", r("http://localhost:3000/cb"), "http://localhost:8080/cb", ok, errNotRegistd},
	{"port registered, port dropped", r("http://localhost:3000/cb"), "http://localhost/cb", ok, errNotRegistd},
	{"port registered, same port", r("http://localhost:3000/cb"), "http://localhost:3000/cb", ok, ok},
	{"seed registration, any port", r("http://localhost:3000"), "http://localhost:6274/oauth/callback", ok, errNotRegistd},
	{"case-insensitive host", r("http://LocalHost/cb"), "http://LOCALHOST:4000/cb", ok, errNotRegistd},
	{"path still checked", r("http://localhost/cb"), "http://localhost:4000/other", errNotRegistd, errNotRegistd},
	{"path boundary still checked", r("http://localhost/cb"), "http://localhost:4000/cbx", errNotRegistd, errNotRegistd},
	{"traversal still refused", r("http://localhost/cb"), "http://localhost:4000/cb/../x", errInvalid, errInvalid},
	{"query still refused", r("http://localhost/cb"), "http://localhost:4000/cb?x=1", errInvalid, errInvalid},
	{"userinfo still refused", r("http://localhost/cb"), "http://a@localhost:4000/cb", errInvalid, errInvalid},
	{"bad port still refused", r("http://localhost/cb"), "http://localhost:0/cb", errInvalid, errInvalid},
	{"port too big still refused", r("http://localhost/cb"), "http://localhost:65536/cb", errInvalid, errInvalid},
	{"https localhost exact port", r("https://localhost:8443/cb"), "https://localhost:9443/cb", errNotRegistd, errNotRegistd},
	{"https localhost same port", r("https://localhost:8443/cb"), "https://localhost:8443/cb", ok, ok},
	{"http registration, https request", r("http://localhost/cb"), "https://localhost:4000/cb", errNotRegistd, errNotRegistd},
	{"subdomain of localhost exact port", r("http://app.localhost/cb"), "http://app.localhost:4000/cb", errNotRegistd, errNotRegistd},
	{"localhost registration, subdomain request", r("http://localhost/cb"), "http://app.localhost:4000/cb", errNotRegistd, errNotRegistd},
	{"localhost prefix of another host", r("http://localhost/cb"), "http://localhost.evil.example:4000/cb", errNotRegistd, errNotRegistd},
	{"another host named like it", r("http://localhost.example/cb"), "http://localhost.example:4000/cb", errNotRegistd, errNotRegistd},
	{"trailing dot refused", r("http://localhost/cb"), "http://localhost.:4000/cb", errInvalid, errInvalid},
	{"localhost is not 127.0.0.1", r("http://localhost/cb"), "http://127.0.0.1:4000/cb", errNotRegistd, errNotRegistd},
	{"127.0.0.1 is not localhost", r("http://127.0.0.1/cb"), "http://localhost:4000/cb", errNotRegistd, errNotRegistd},
	{"custom scheme host localhost exact port", r("my_app://localhost/cb"), "my_app://localhost:4000/cb", errNotRegistd, errNotRegistd},
}

// TestMatchWithLocalhost: Options.LocalhostAnyPort gives "http://localhost" the RFC 8252
// §7.3 any-port rule (RFC 8252 §8.3 tolerates it; MCP clients rely on it) and nothing else:
// the path, query, userinfo and port syntax rules hold, and https, other hosts and
// subdomains of localhost keep their exact port. Without the option, Match and
// MatchExactPort treat localhost like any other host.
func TestMatchWithLocalhost(t *testing.T) {
	both := Options{LoopbackAnyPort: true, LocalhostAnyPort: true}
	for _, tt := range localhostCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name string
				err  error
				want error
			}{
				{"MatchWith(both)", MatchWith(tt.registered, tt.requested, both), tt.wantOn},
				{"MatchWith(localhost only)", MatchWith(tt.registered, tt.requested, Options{LocalhostAnyPort: true}), tt.wantOn},
				{"Match", Match(tt.registered, tt.requested), tt.wantOff},
				{"MatchExactPort", MatchExactPort(tt.registered, tt.requested), tt.wantOff},
			} {
				switch {
				case c.want == nil && c.err != nil:
					t.Errorf("%s(%q, %q) = %v, want nil", c.name, tt.registered, tt.requested, c.err)
				case c.want != nil && !errors.Is(c.err, c.want):
					t.Errorf("%s(%q, %q) = %v, want %v", c.name, tt.registered, tt.requested, c.err, c.want)
				}
			}
		})
	}
}

// TestMatchWithOptionsIndependent: each exception covers only its own hosts; the zero
// Options is MatchExactPort.
func TestMatchWithOptionsIndependent(t *testing.T) {
	for _, tc := range []struct {
		name     string
		o        Options
		loopback bool // "http://127.0.0.1/cb" and "http://[::1]/cb" match any port
		local    bool // "http://localhost/cb" matches any port
	}{
		{"zero", Options{}, false, false},
		{"loopback", Options{LoopbackAnyPort: true}, true, false},
		{"localhost", Options{LocalhostAnyPort: true}, false, true},
		{"both", Options{LoopbackAnyPort: true, LocalhostAnyPort: true}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				reg, req string
				want     bool
			}{
				{"http://127.0.0.1/cb", "http://127.0.0.1:4000/cb", tc.loopback},
				{"http://[::1]/cb", "http://[::1]:4000/cb", tc.loopback},
				{"http://localhost/cb", "http://localhost:4000/cb", tc.local},
			} {
				err := MatchWith(r(c.reg), c.req, tc.o)
				if got := err == nil; got != c.want {
					t.Errorf("MatchWith(%q, %q, %+v) = %v, want match %v", c.reg, c.req, tc.o, err, c.want)
				}
				if c.want || errors.Is(err, ErrNotRegistered) {
					continue
				}
				t.Errorf("MatchWith(%q, %q, %+v) = %v, want ErrNotRegistered", c.reg, c.req, tc.o, err)
			}
		})
	}
}
