package flows

import (
	"strings"
	"testing"
)

// Unit tests of the PKCE helpers (RFC 7636; R-AUTHZ-4, R-TOKEN-3, R-SEC-2, R-SEC-7).

// TestPKCEAppendixB: R-SEC-7, RFC 7636 Appendix B: the verifier's S256 challenge.
func TestPKCEAppendixB(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := pkceChallenge(PKCEMethodS256, verifier); got != challenge {
		t.Fatalf("pkceChallenge(S256) = %q, want %q", got, challenge)
	}
	for _, tc := range []struct {
		name, method, challenge, verifier string
		want                              bool
	}{
		{"S256 vector", PKCEMethodS256, challenge, verifier, true},
		{"S256 one character off", PKCEMethodS256, challenge, verifier[:42] + "j", false},
		{"S256 verifier sent as the challenge", PKCEMethodS256, challenge, challenge, false},
		{"S256 challenge checked as plain", PKCEMethodPlain, challenge, verifier, false},
		{"plain", PKCEMethodPlain, verifier, verifier, true},
		{"plain mismatch", PKCEMethodPlain, verifier, verifier[:42] + "j", false},
		{"plain with the S256 challenge", PKCEMethodPlain, challenge, verifier, false},
		{"empty challenge never matches", PKCEMethodPlain, "", verifier, false},
	} {
		if got := verifyPKCE(tc.method, tc.challenge, tc.verifier); got != tc.want {
			t.Errorf("%s: verifyPKCE = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPKCEMalformedVerifierNeverMatches: R-SEC-2, a verifier of the wrong format is refused
// even when it hashes (or equals) right.
func TestPKCEMalformedVerifierNeverMatches(t *testing.T) {
	for _, v := range []string{
		"",
		strings.Repeat("a", 42),
		strings.Repeat("a", 129),
		strings.Repeat("a", 42) + "+",
		strings.Repeat("a", 42) + "/",
		strings.Repeat("a", 42) + "=",
		strings.Repeat("a", 42) + " ",
		strings.Repeat("a", 42) + "é",
		strings.Repeat("a", 42) + "\x00",
	} {
		for _, m := range []string{PKCEMethodS256, PKCEMethodPlain} {
			if verifyPKCE(m, pkceChallenge(m, v), v) {
				t.Errorf("verifyPKCE(%s) accepted the malformed verifier %q", m, v)
			}
		}
	}
}

// TestValidPKCEString: RFC 7636 §4.1, 43 to 128 characters from [A-Za-z0-9-._~].
func TestValidPKCEString(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{strings.Repeat("a", 43), true},
		{strings.Repeat("Z", 128), true},
		{strings.Repeat("09-._~", 8), true},
		{strings.Repeat("a", 42), false},
		{strings.Repeat("a", 129), false},
		{"", false},
		{strings.Repeat("a", 42) + "+", false},
		{strings.Repeat("a", 42) + "%", false},
		{strings.Repeat("a", 42) + "!", false},
		{strings.Repeat("a", 42) + "é", false}, // 44 bytes, 43 characters
	} {
		if got := validPKCEString(tc.s); got != tc.want {
			t.Errorf("validPKCEString(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// TestPKCEMethod: R-AUTHZ-4, the method defaults to plain and is case-insensitive (the seed
// writes "s256"); anything else is refused.
func TestPKCEMethod(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", PKCEMethodPlain, true},
		{"plain", PKCEMethodPlain, true},
		{"PLAIN", PKCEMethodPlain, true},
		{"S256", PKCEMethodS256, true},
		{"s256", PKCEMethodS256, true},
		{"S512", "", false},
		{"sha256", "", false},
		{" S256", "", false},
		{"none", "", false},
	} {
		got, ok := pkceMethod(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("pkceMethod(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
