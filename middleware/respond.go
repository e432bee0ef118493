package middleware

import (
	"encoding/json"
	"net/http"
	"strings"
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

// problem is one refusal: status, RFC 6750 error code, description and, for
// insufficient_scope, the scopes needed.
type problem struct {
	status int
	code   string
	desc   string
	scope  string // space-separated (RFC 6750 §3)
}

var (
	errMissing = problem{http.StatusUnauthorized, codeUnauthorized, "an access token is required", ""}
	errInvalid = problem{http.StatusUnauthorized, codeInvalidToken,
		"the access token is invalid, expired or revoked", ""}
	errWrongKind = problem{http.StatusUnauthorized, codeInvalidToken,
		"this kind of token is not accepted here", ""}
	errUnavailable = problem{http.StatusServiceUnavailable, codeUnavailable,
		"the token cannot be validated right now; retry later", ""}
	errNoAuthenticate = problem{http.StatusInternalServerError, codeServerError,
		"the server is misconfigured", ""}
)

// write sends p: a JSON body {"error", "error_description"} and, for 400, 401 and 403, a
// Bearer challenge (RFC 6750 §3) in realm. A missing credential gets a challenge without
// error attributes (§3.1). Descriptions are our own constants (no '"' or '\'), never
// internal error text.
func (p problem) write(w http.ResponseWriter, realm string) {
	h := w.Header()
	if p.status == http.StatusUnauthorized || p.status == http.StatusForbidden ||
		p.status == http.StatusBadRequest {
		var b strings.Builder
		b.WriteString(`Bearer realm="`)
		b.WriteString(realm)
		b.WriteByte('"')
		if p.code != codeUnauthorized {
			b.WriteString(`, error="`)
			b.WriteString(p.code)
			b.WriteString(`", error_description="`)
			b.WriteString(p.desc)
			b.WriteByte('"')
		}
		if p.scope != "" {
			b.WriteString(`, scope="`)
			b.WriteString(p.scope)
			b.WriteByte('"')
		}
		h.Set("WWW-Authenticate", b.String())
	}
	if p.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	body, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Scope       string `json:"scope,omitempty"`
	}{p.code, p.desc, p.scope})
	w.WriteHeader(p.status)
	_, _ = w.Write(append(body, '\n'))
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
