package redirecturi

import (
	"errors"
	"strings"
	"testing"
)

// TestMatchExactPort: MatchExactPort is Match without the RFC 8252 §7.3 loopback exception
// (for confidential clients): every port, loopback ones included, matches exactly; every
// other rule is Match's.
func TestMatchExactPort(t *testing.T) {
	cases := []matchCase{
		{"loopback v4 any port refused", r("http://127.0.0.1/cb"), "http://127.0.0.1:51234/cb", errNotRegistd},
		{"loopback v4 other port refused", r("http://127.0.0.1:8080/cb"), "http://127.0.0.1:9999/cb", errNotRegistd},
		{"loopback v4 port dropped refused", r("http://127.0.0.1:8080/cb"), "http://127.0.0.1/cb", errNotRegistd},
		{"loopback v4 same port", r("http://127.0.0.1:8080/cb"), "http://127.0.0.1:8080/cb", ok},
		{"loopback v4 no port both", r("http://127.0.0.1/cb"), "http://127.0.0.1/cb/x", ok},
		{"loopback v6 any port refused", r("http://[::1]/cb"), "http://[::1]:61000/cb", errNotRegistd},
		{"loopback v6 same port", r("http://[::1]:61000/cb"), "http://[::1]:61000/cb", ok},
		{"malformed still invalid", r("http://127.0.0.1/cb"), "http://127.1/cb", errInvalid},
	}
	// Every Match case that does not rely on the loopback exception holds unchanged.
	for _, tt := range matchCases {
		if !strings.Contains(tt.name, "loopback") {
			cases = append(cases, tt)
		}
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := MatchExactPort(tt.registered, tt.requested)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("MatchExactPort(%q, %q) = %v, want nil", tt.registered, tt.requested, err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("MatchExactPort(%q, %q) = %v, want %v", tt.registered, tt.requested, err, tt.want)
			}
		})
	}
}

// TestMatchLoopbackAnyPort: Match keeps the RFC 8252 §7.3 exception for native (public)
// clients, where MatchExactPort refuses the same URI.
func TestMatchLoopbackAnyPort(t *testing.T) {
	reg, req := r("http://127.0.0.1/cb"), "http://127.0.0.1:49152/cb"
	if err := Match(reg, req); err != nil {
		t.Errorf("Match = %v, want nil", err)
	}
	if err := MatchExactPort(reg, req); !errors.Is(err, ErrNotRegistered) {
		t.Errorf("MatchExactPort = %v, want ErrNotRegistered", err)
	}
}
