package httpauth

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// Malformed is the error of an Authorization header that claims a scheme but does not
// follow its syntax, or of a request with several Authorization headers. Its text is a
// fixed sentence, without '"' or '\', fit for an error_description.
type Malformed string

// Error returns the description.
func (m Malformed) Error() string { return string(m) }

// The descriptions of malformed credentials.
const (
	errSeveral      Malformed = "send one Authorization header"
	errNoCredential Malformed = "the Authorization header has no credentials"
	errSeparator    Malformed = "the Authorization scheme must be followed by a space"
	errBearer       Malformed = "the bearer token is malformed"
	errBasicLong    Malformed = "the Basic credentials are too long"
	errBasicBase64  Malformed = "the Basic credentials are not valid base64"
	errBasicColon   Malformed = "the Basic credentials have no valid user name"
)

// strictBase64 is the base64 of Basic credentials: standard alphabet, padded, and strict
// (no ignored trailing bits), made once: Strict returns a new Encoding each call.
var strictBase64 = base64.StdEncoding.Strict()

// maxBasicLength bounds the base64 of Basic credentials (which decode to three quarters
// of it).
const maxBasicLength = 2 * MaxTokenLength

// Header returns the Authorization header of r: "" when there is none, and a [Malformed]
// error when there are several (which would make the credential ambiguous).
func Header(r *http.Request) (string, error) {
	switch hs := r.Header["Authorization"]; len(hs) {
	case 0:
		return "", nil
	case 1:
		return hs[0], nil
	default:
		return "", errSeveral
	}
}

// claims reports whether h claims the auth scheme name (RFC 9110 §11.4: compared
// case-insensitively): h is the name alone or the name followed by whitespace. It returns
// the credentials after the name and its separating spaces, and a [Malformed] error when
// the name is not followed by at least one space and some credentials.
func claims(h, name string) (rest string, claimed bool, err error) {
	n := len(name)
	if len(h) < n || !strings.EqualFold(h[:n], name) || (len(h) > n && h[n] != ' ' && h[n] != '\t') {
		return "", false, nil
	}
	if len(h) > n && h[n] != ' ' {
		return "", true, errSeparator
	}
	if len(h) == n {
		return "", true, errNoCredential
	}
	rest = strings.TrimLeft(h[n+1:], " ")
	if rest == "" {
		return "", true, errNoCredential
	}
	return rest, true, nil
}

// Bearer parses an Authorization header value as RFC 6750 §2.1 Bearer credentials:
// "Bearer" 1*SP token, the scheme name in any case, the token a [ValidToken].
//
// claimed is false when h does not claim the Bearer scheme (an empty header, another
// scheme, a scheme whose name only starts with "Bearer"): the request then presents no
// bearer token. When h claims it but is not one well-formed token ("Bearer" alone, a tab
// after it, a space or a forbidden character in the token), err is a [Malformed] error.
func Bearer(h string) (token string, claimed bool, err error) {
	// The common case, checked first: "Bearer", one space and a well-formed token.
	if len(h) > 7 && h[:7] == "Bearer " && ValidToken(h[7:]) {
		return h[7:], true, nil
	}
	rest, claimed, err := claims(h, "Bearer")
	if !claimed || err != nil {
		return "", claimed, err
	}
	if !ValidToken(rest) {
		return "", true, errBearer
	}
	return rest, true, nil
}

// Basic parses an Authorization header value as RFC 7617 §2 Basic credentials: "Basic"
// 1*SP base64(user-id ":" password), the scheme name in any case, split at the first
// colon. The user-id and password are returned as decoded, not form-urldecoded: a caller
// that authenticates OAuth clients applies RFC 6749 §2.3.1's decoding itself. Either may
// be empty; what they may hold is the caller's policy.
//
// claimed is false when h does not claim the Basic scheme. When it does but the
// credentials are not base64 of a user-id, a colon and a password (or are longer than
// 8 KiB), err is a [Malformed] error.
func Basic(h string) (user, password string, claimed bool, err error) {
	rest, claimed, err := claims(h, "Basic")
	if !claimed || err != nil {
		return "", "", claimed, err
	}
	if len(rest) > maxBasicLength {
		return "", "", true, errBasicLong
	}
	if strings.ContainsAny(rest, "\r\n") { // which the decoder would skip
		return "", "", true, errBasicBase64
	}
	// Decoded on the stack when short, as a client id and secret are; the string of the
	// two is then the one allocation.
	var small [128]byte
	raw := small[:0]
	if n := strictBase64.DecodedLen(len(rest)); n > len(small) {
		raw = make([]byte, 0, n)
	}
	raw, err = strictBase64.AppendDecode(raw, []byte(rest))
	if err != nil {
		return "", "", true, errBasicBase64
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", true, errBasicColon
	}
	return user, password, true, nil
}
