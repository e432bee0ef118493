package middleware

import (
	"encoding/base64"
	"strings"
)

// MaxTokenLength is the longest token accepted, in bytes. Opaque tokens are ~50 bytes and
// JWT access tokens well under 2 KiB; anything longer is refused as malformed before any
// validator sees it.
const MaxTokenLength = 4096

// notTokenChar is 1 for every byte that is not a token character, 0 for those of an RFC
// 6750 §2.1 b64token (ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "="
// padding) plus ':', which oauthkit's region-prefixed tokens ("oak:at_…", the seed's
// "dal:…") contain.
var notTokenChar = func() (t [256]uint8) {
	for i := range t {
		t[i] = 1
	}
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/:") {
		t[c] = 0
	}
	return t
}()

// validToken reports whether s is 1..MaxTokenLength token characters with '=' only at the
// end. It runs on every request: the loop ORs table entries four bytes at a time, without
// a branch per byte (about twice as fast as testing each byte).
func validToken(s string) bool {
	if s == "" || len(s) > MaxTokenLength {
		return false
	}
	end := len(s)
	for end > 0 && s[end-1] == '=' {
		end--
	}
	if end == 0 {
		return false
	}
	s = s[:end]
	var b0, b1, b2, b3 uint8
	for len(s) >= 4 {
		b0 |= notTokenChar[s[0]]
		b1 |= notTokenChar[s[1]]
		b2 |= notTokenChar[s[2]]
		b3 |= notTokenChar[s[3]]
		s = s[4:]
	}
	for i := 0; i < len(s); i++ {
		b0 |= notTokenChar[s[i]]
	}
	return b0|b1|b2|b3 == 0
}

// authHeader is the outcome of parsing an Authorization header.
type authHeader int

const (
	authNone      authHeader = iota // absent, or a scheme we do not take (e.g. Digest)
	authOK                          // a credential to validate
	authMalformed                   // Bearer or Basic, but not well-formed: 400 invalid_request
)

// parseAuthorization parses one Authorization header value: "Bearer" 1*SP b64token
// (RFC 6750 §2.1) or, when basic is true, "Basic" 1*SP base64(user ":" password)
// (RFC 7617) where the password is a personal access token (R-PAT-2). Scheme names are
// case-insensitive (RFC 9110 §11.1). Basic credentials are taken as sent, not
// form-urldecoded: that rule (RFC 6749 §2.3.1) is for client credentials only.
func parseAuthorization(h string, basic bool) (Credential, authHeader, string) {
	if h == "" {
		return Credential{}, authNone, ""
	}
	scheme, rest, _ := strings.Cut(h, " ")
	isBearer := strings.EqualFold(scheme, "Bearer")
	isBasic := basic && strings.EqualFold(scheme, "Basic")
	if !isBearer && !isBasic {
		return Credential{}, authNone, ""
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return Credential{}, authMalformed, "the Authorization header has no credentials"
	}
	if isBearer {
		if !validToken(rest) {
			return Credential{}, authMalformed, "the bearer token is malformed"
		}
		return Credential{Token: rest}, authOK, ""
	}
	if len(rest) > 2*MaxTokenLength {
		return Credential{}, authMalformed, "the Basic credentials are too long"
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return Credential{}, authMalformed, "the Basic credentials are not valid base64"
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || !validUser(user) {
		return Credential{}, authMalformed, "the Basic credentials have no valid user name"
	}
	if !validToken(pass) {
		return Credential{}, authMalformed, "the Basic password is not a well-formed token"
	}
	return Credential{Token: pass, Username: user, Basic: true}, authOK, ""
}

// bearerToken is the common case of parseAuthorization, for [authenticator.bearerOnly]:
// "Bearer", one space and a well-formed token. It gives the same answer as
// parseAuthorization or reports false.
func bearerToken(h string) (string, bool) {
	if len(h) > 7 && h[:7] == "Bearer " && h[7] != ' ' && validToken(h[7:]) {
		return h[7:], true
	}
	return "", false
}

// validUser reports whether a Basic user name (an account ID or login) holds only
// printable ASCII other than ':' and fits in MaxTokenLength.
func validUser(s string) bool {
	if len(s) > MaxTokenLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
