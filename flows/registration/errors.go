package registration

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/internal/httpauth"
)

// The error codes of RFC 7591 §3.2.2, which a registration or an update answers with
// status 400. The management requests of RFC 7592 also answer invalid_token (401) for a
// missing, malformed or wrong registration access token (RFC 6750 §3.1), as does a
// registration without a valid initial access token.
const (
	// ErrInvalidRedirectURI: a redirect URI is missing, malformed or not allowed.
	ErrInvalidRedirectURI = "invalid_redirect_uri"
	// ErrInvalidClientMetadata: another member is missing, malformed, inconsistent or not
	// allowed (the request body itself included).
	ErrInvalidClientMetadata = "invalid_client_metadata"
	// ErrInvalidSoftwareStatement: the software statement is invalid.
	ErrInvalidSoftwareStatement = "invalid_software_statement"
	// ErrUnapprovedSoftwareStatement: the software statement is valid but not approved
	// for use here.
	ErrUnapprovedSoftwareStatement = "unapproved_software_statement"
	// ErrInvalidToken: the initial or registration access token is missing, malformed,
	// expired or wrong.
	ErrInvalidToken = "invalid_token"
)

// InvalidRedirectURI returns the 400 invalid_redirect_uri error, for [Config.Check] to
// refuse a redirect URI with. The description is shown to the caller: no secrets, no
// internal detail.
func InvalidRedirectURI(format string, args ...any) *flows.Error {
	return flows.NewError(ErrInvalidRedirectURI, http.StatusBadRequest, format, args...)
}

// InvalidClientMetadata returns the 400 invalid_client_metadata error.
func InvalidClientMetadata(format string, args ...any) *flows.Error {
	return flows.NewError(ErrInvalidClientMetadata, http.StatusBadRequest, format, args...)
}

// InvalidSoftwareStatement returns the 400 invalid_software_statement error.
func InvalidSoftwareStatement(format string, args ...any) *flows.Error {
	return flows.NewError(ErrInvalidSoftwareStatement, http.StatusBadRequest, format, args...)
}

// UnapprovedSoftwareStatement returns the 400 unapproved_software_statement error.
func UnapprovedSoftwareStatement(format string, args ...any) *flows.Error {
	return flows.NewError(ErrUnapprovedSoftwareStatement, http.StatusBadRequest, format, args...)
}

// Unauthorized returns the 401 invalid_token error, sent with an RFC 6750 challenge: what an
// [AllowFunc] returns for a request that presents no acceptable credential.
func Unauthorized(format string, args ...any) *flows.Error {
	return flows.NewError(ErrInvalidToken, http.StatusUnauthorized, format, args...)
}

// Forbidden returns the 403 access_denied error: what an [AllowFunc] or [Config.Check]
// returns for a caller that is known but may not register (or register that).
func Forbidden(format string, args ...any) *flows.Error {
	return flows.NewError(flows.ErrAccessDenied, http.StatusForbidden, format, args...)
}

// answer is a refusal as this package sends it: the OAuth error, and what HTTP adds to it.
type answer struct {
	e *flows.Error
	// noCredential marks a 401 to a request that presented no token: its challenge
	// names no error (RFC 6750 §3.1).
	noCredential bool
	retryAfter   time.Duration
}

func refuse(e *flows.Error) *answer { return &answer{e: e} }

// asAnswer turns an error of a hook into the answer: an *flows.Error as it is, any other
// error a server_error whose cause is logged and never shown.
func asAnswer(err error) *answer {
	var e *flows.Error
	if errors.As(err, &e) {
		return refuse(e)
	}
	return refuse(flows.ServerError(err))
}

// unavailable reports a storage failure: 503 temporarily_unavailable with Retry-After.
func unavailable(err error) *answer {
	return &answer{e: flows.TemporarilyUnavailable(err), retryAfter: 5 * time.Second}
}

// invalidRequest is a 400 invalid_request: a malformed Authorization header, say.
func invalidRequest(desc string) *flows.Error { return flows.InvalidRequest("%s", desc) }

// metadataError is invalid_client_metadata; redirectError invalid_redirect_uri.
func metadataError(format string, args ...any) *answer {
	return refuse(InvalidClientMetadata(format, args...))
}

func redirectError(format string, args ...any) *answer {
	return refuse(InvalidRedirectURI(format, args...))
}

// tokenError is the 401 invalid_token of a presented token that is not accepted.
func tokenError(desc string) *answer { return refuse(Unauthorized("%s", desc)) }

// noToken is the 401 of a request that must present a token and presents none.
func noToken(desc string) *answer {
	return &answer{e: Unauthorized("%s", desc), noCredential: true}
}

// write sends a: RFC 7591 §3.2.2 JSON, never cached, with the RFC 6750 challenge of a 401
// and Retry-After when set. An internal cause is logged, never sent.
func (a *answer) write(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	e := a.e
	if e.Err != nil {
		log.ErrorContext(r.Context(), "oauthkit: client registration failed", "path", r.URL.Path, "code", e.Code, "err", e.Err)
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", httpauth.Refusal{Status: status, Code: e.Code, NoCredential: a.noCredential}.Challenge("oauthkit", false))
	}
	if a.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((a.retryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description})
}

// describe is the error text of a value from the request, for a description: it never
// quotes the value.
func describe(member string, i int) string {
	if i < 0 {
		return member
	}
	return fmt.Sprintf("%s[%d]", member, i)
}
