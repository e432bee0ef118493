package middleware

import (
	"github.com/oauthkit/oauthkit/internal/httpauth"
)

// MaxTokenLength is the longest token accepted, in bytes. Opaque tokens are ~50 bytes and
// JWT access tokens well under 2 KiB; anything longer is refused as malformed before any
// validator sees it.
const MaxTokenLength = httpauth.MaxTokenLength

// authHeader is the outcome of parsing an Authorization header.
type authHeader int

const (
	authNone      authHeader = iota // absent, or a scheme we do not take (e.g. Digest)
	authOK                          // a credential to validate
	authMalformed                   // Bearer or Basic, but not well-formed: 400 invalid_request
)

// parseAuthorization parses one Authorization header value: "Bearer" 1*SP b64token
// (RFC 6750 §2.1) or, when basic is true, "Basic" 1*SP base64(user ":" password)
// (RFC 7617) where the password is a personal access token. Scheme names are
// case-insensitive (RFC 9110 §11.1). Basic credentials are taken as sent, not
// form-urldecoded: that rule (RFC 6749 §2.3.1) is for client credentials only. It returns
// the description of a malformed header.
func parseAuthorization(h string, basic bool) (Credential, authHeader, string) {
	if tok, claimed, err := httpauth.Bearer(h); claimed {
		if err != nil {
			return Credential{}, authMalformed, err.Error()
		}
		return Credential{Token: tok}, authOK, ""
	}
	if !basic {
		return Credential{}, authNone, ""
	}
	user, pass, claimed, err := httpauth.Basic(h)
	switch {
	case !claimed:
		return Credential{}, authNone, ""
	case err != nil:
		return Credential{}, authMalformed, err.Error()
	case !validUser(user):
		return Credential{}, authMalformed, "the Basic credentials have no valid user name"
	case !httpauth.ValidToken(pass):
		return Credential{}, authMalformed, "the Basic password is not a well-formed token"
	}
	return Credential{Token: pass, Username: user, Basic: true}, authOK, ""
}

// validUser reports whether a Basic user name (an account ID or login) is 1 to
// MaxTokenLength bytes of printable ASCII.
func validUser(s string) bool {
	if s == "" || len(s) > MaxTokenLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
