package httpauth

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Refusal is an RFC 6750 §3 refusal of a request for a protected resource: the status,
// the error code and description, and for insufficient_scope the scopes needed.
type Refusal struct {
	// Status is the HTTP status: 400 (invalid_request), 401 (invalid_token, or no
	// credential), 403 (insufficient_scope), or any other, which takes no challenge.
	Status int
	// Code is the error code of the JSON body and, unless NoCredential, of the challenge.
	Code string
	// Description is a fixed sentence for error_description: never internal error text.
	Description string
	// Scope is the space-separated scopes the resource needs (RFC 6750 §3).
	Scope string
	// NoCredential reports that the request carried no credential: the challenge then
	// names no error (RFC 6750 §3.1), whatever Code says.
	NoCredential bool
	// RetryAfter, when positive, is sent as Retry-After (in whole seconds, rounded up).
	RetryAfter time.Duration
	// ResourceMetadata, when set, is the URL of the protected resource's metadata, sent
	// as resource_metadata in the challenge (RFC 9728 §5.1), whatever the error.
	ResourceMetadata string
}

// Challenge returns the WWW-Authenticate value of r in realm: Bearer realm="…", then,
// unless r.NoCredential, error and (with describe) error_description, then scope when
// set, then resource_metadata when set. It returns "" when r.Status takes no challenge:
// RFC 6750 §3 asks one of 401, and oauthkit sends it with 400 and 403 too, as §3.1 shows.
//
// Values are quoted-strings; a '"' or '\' in them is escaped and any byte that is not
// printable ASCII becomes '?', so that no value can end the header or the attribute.
func (r Refusal) Challenge(realm string, describe bool) string {
	if r.Status != http.StatusBadRequest && r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		return ""
	}
	var b strings.Builder
	b.WriteString("Bearer")
	attr(&b, "realm", realm, true)
	if !r.NoCredential {
		attr(&b, "error", r.Code, false)
		if describe {
			attr(&b, "error_description", r.Description, false)
		}
	}
	attr(&b, "scope", r.Scope, false)
	attr(&b, "resource_metadata", r.ResourceMetadata, false)
	return b.String()
}

// Write sends r: the challenge of [Refusal.Challenge] with describe, Retry-After when
// set, and a JSON body {"error", "error_description", "scope"} with Cache-Control:
// no-store (a refusal of credentials is never cached) and X-Content-Type-Options: nosniff.
func (r Refusal) Write(w http.ResponseWriter, realm string) {
	h := w.Header()
	if c := r.Challenge(realm, true); c != "" {
		h.Set("WWW-Authenticate", c)
	}
	if r.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((r.RetryAfter+time.Second-1)/time.Second), 10))
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	body, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Scope       string `json:"scope,omitempty"`
	}{r.Code, r.Description, r.Scope})
	w.WriteHeader(r.Status)
	_, _ = w.Write(append(body, '\n'))
}

// BasicChallenge returns the WWW-Authenticate value asking for Basic credentials in realm
// (RFC 7617 §2.1), which are UTF-8: Basic realm="…", charset="UTF-8".
func BasicChallenge(realm string) string {
	var b strings.Builder
	b.WriteString("Basic")
	attr(&b, "realm", realm, true)
	attr(&b, "charset", "UTF-8", false)
	return b.String()
}

// attr appends `, name="value"` (` name="value"` as the first) to b; an empty value is
// left out unless always.
func attr(b *strings.Builder, name, value string, always bool) {
	if value == "" && !always {
		return
	}
	if strings.IndexByte(b.String(), ' ') < 0 {
		b.WriteByte(' ')
	} else {
		b.WriteString(", ")
	}
	b.WriteString(name)
	b.WriteString(`="`)
	for i := 0; i < len(value); i++ {
		switch c := value[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c >= 0x7f:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
