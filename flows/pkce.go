package flows

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// PKCE code challenge methods (RFC 7636 §4.2).
const (
	PKCEMethodS256  = "S256"
	PKCEMethodPlain = "plain"
)

// validPKCEString reports whether s is a valid code_verifier or code_challenge: 43 to 128
// characters from [A-Za-z0-9-._~] (RFC 7636 §4.1, §4.2).
func validPKCEString(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// pkceMethod normalizes code_challenge_method: absent means plain (RFC 7636 §4.3); LiveChat-style
// clients write "s256", so the comparison is case-insensitive.
func pkceMethod(m string) (string, bool) {
	switch {
	case m == "" || strings.EqualFold(m, PKCEMethodPlain):
		return PKCEMethodPlain, true
	case strings.EqualFold(m, PKCEMethodS256):
		return PKCEMethodS256, true
	}
	return "", false
}

// pkceChallenge computes the challenge of verifier under method.
func pkceChallenge(method, verifier string) string {
	if method == PKCEMethodS256 {
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return verifier
}

// verifyPKCE reports whether verifier is well-formed and matches challenge under method
// (RFC 7636 §4.6). A malformed verifier never matches, even if it hashes right.
func verifyPKCE(method, challenge, verifier string) bool {
	if !validPKCEString(verifier) {
		return false
	}
	got := pkceChallenge(method, verifier)
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
