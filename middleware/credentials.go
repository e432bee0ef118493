package middleware

import (
	"encoding/base64"
	"strings"
)

// MaxTokenLength is the longest token accepted, in bytes. Opaque tokens are ~50 bytes and
// JWT access tokens well under 2 KiB; anything longer is refused as malformed before any
// validator sees it.
const MaxTokenLength = 4096

// tokenChars are the characters of an RFC 6750 §2.1 b64token (ALPHA / DIGIT / "-" / "." /
// "_" / "~" / "+" / "/", then "=" padding) plus ':', which oauthkit's region-prefixed
// tokens ("oak:at_…", the seed's "dal:…") contain.
var tokenChars = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/:") {
		t[c] = true
	}
	return t
}()

// validToken reports whether s is 1..MaxTokenLength token characters with '=' only at the
// end.
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
	for i := 0; i < end; i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
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
