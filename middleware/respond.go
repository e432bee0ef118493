package middleware

import (
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/internal/httpauth"
)

// Error codes of RFC 6750 §3.1, plus the two oauthkit answers outside it.
const (
	codeInvalidRequest    = "invalid_request"
	codeInvalidToken      = "invalid_token"
	codeInsufficientScope = "insufficient_scope"
	// codeUnauthorized is the body's code when no credential was sent; the header then
	// carries no error attribute (RFC 6750 §3.1).
	codeUnauthorized = "unauthorized"
	// codeUnavailable: the validator could not decide; the request fails closed (503).
	codeUnavailable = "temporarily_unavailable"
	codeServerError = "server_error"
)

// The refusals of the middleware. Each is written with httpauth.Refusal.Write: a JSON body
// {"error", "error_description"}, Cache-Control: no-store and, for 400, 401 and 403, a
// Bearer challenge (RFC 6750 §3) in the realm, with the description. Descriptions are our
// own constants, never internal error text.
var (
	errMissing = httpauth.Refusal{Status: http.StatusUnauthorized, Code: codeUnauthorized,
		Description: "an access token is required", NoCredential: true}
	errInvalid = httpauth.Refusal{Status: http.StatusUnauthorized, Code: codeInvalidToken,
		Description: "the access token is invalid, expired or revoked"}
	errWrongKind = httpauth.Refusal{Status: http.StatusUnauthorized, Code: codeInvalidToken,
		Description: "this kind of token is not accepted here"}
	// errWrongAudience: RFC 8707 §2 and RFC 9068 §4 refuse a token meant for another
	// resource as invalid_token.
	errWrongAudience = httpauth.Refusal{Status: http.StatusUnauthorized, Code: codeInvalidToken,
		Description: "the access token is not meant for this resource"}
	errUnavailable = httpauth.Refusal{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
		Description: "the token cannot be validated right now; retry later", RetryAfter: 5 * time.Second}
	errNoAuthenticate = httpauth.Refusal{Status: http.StatusInternalServerError, Code: codeServerError,
		Description: "the server is misconfigured"}
	errTooLarge = httpauth.Refusal{Status: http.StatusRequestEntityTooLarge, Code: codeInvalidRequest,
		Description: "the request body is too large"}
)

// challenge is what every Bearer challenge of one [Authenticate] carries: its realm and,
// when configured, the URL of the resource's metadata (RFC 9728 §5.1).
type challenge struct {
	realm            string
	resourceMetadata string
}

// write sends p with the realm and resource_metadata of c.
func (c *challenge) write(w http.ResponseWriter, p httpauth.Refusal) {
	p.ResourceMetadata = c.resourceMetadata
	p.Write(w, c.realm)
}

// badRequest is the 400 invalid_request refusal described by desc.
func badRequest(desc string) httpauth.Refusal {
	return httpauth.Refusal{Status: http.StatusBadRequest, Code: codeInvalidRequest, Description: desc}
}

// validRealm reports whether a realm can go in a quoted-string as is: printable ASCII
// without '"' or '\'.
func validRealm(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}
