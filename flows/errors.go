package flows

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// OAuth error codes (RFC 6749 §4.1.2.1, §5.2) and the seed's additions (R-ERR-4).
const (
	ErrInvalidRequest          = "invalid_request"
	ErrUnauthorizedClient      = "unauthorized_client"
	ErrAccessDenied            = "access_denied"
	ErrUnsupportedResponseType = "unsupported_response_type"
	ErrInvalidScope            = "invalid_scope"
	ErrServerError             = "server_error"
	ErrTemporarilyUnavailable  = "temporarily_unavailable"
	ErrUnsupportedGrantType    = "unsupported_grant_type"
	ErrInvalidGrant            = "invalid_grant"
	ErrInvalidClient           = "invalid_client"
	ErrMissingGrant            = "missing_grant" // consent needed but not given (prompt=none)
)

// Exception details carried on the error page (the seed's exception_details, R-AUTHZ-2).
const (
	DetailClientIDNotFound   = "client_id_not_found"  // client_id missing or unknown
	DetailRedirectURINotSet  = "redirect_uri_not_set" // the client has no redirect URI
	DetailInvalidRedirectURI = "invalid_redirect_uri" // redirect_uri not registered for the client
	DetailTooManyRedirects   = "too_many_redirects"   // Config.Limits.Redirects exceeded
)

// Error is the one OAuth error type of the server. Every handler failure becomes an *Error,
// and one place renders it: as JSON at the token endpoint (R-ERR-1), as a redirect to the
// client or as the error page at the authorization endpoint (R-ERR-2).
//
// Code, Description and Detail are shown to the caller; Err, the internal cause, is only
// logged (R-ERR-5).
type Error struct {
	// Code is an OAuth error code such as "invalid_grant".
	Code string
	// Description is a human-readable sentence for the error_description field. It never
	// contains internal details.
	Description string
	// Detail is the seed's exception_details value, shown on the error page.
	Detail string
	// Status is the HTTP status for JSON responses.
	Status int
	// Err is the internal cause, for logs only.
	Err error

	challenge  string        // WWW-Authenticate value for a 401
	retryAfter time.Duration // Retry-After for 429 and 503
}

// Error implements error.
func (e *Error) Error() string {
	s := e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

func oauthErr(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Description: fmt.Sprintf(format, args...)}
}

func invalidRequest(format string, args ...any) *Error {
	return oauthErr(ErrInvalidRequest, http.StatusBadRequest, format, args...)
}

func invalidGrant(format string, args ...any) *Error {
	return oauthErr(ErrInvalidGrant, http.StatusBadRequest, format, args...)
}

func invalidScope(format string, args ...any) *Error {
	return oauthErr(ErrInvalidScope, http.StatusBadRequest, format, args...)
}

// unavailable reports a storage failure: the request may succeed later (R-STORE-4). The
// cause is logged, never shown.
func unavailable(err error) *Error {
	return &Error{Code: ErrTemporarilyUnavailable, Status: http.StatusServiceUnavailable,
		Description: "the service is temporarily unavailable; retry later", Err: err,
		retryAfter: 5 * time.Second}
}

// internal reports an unexpected failure; the cause is logged, never shown.
func internal(err error) *Error {
	return &Error{Code: ErrServerError, Status: http.StatusInternalServerError,
		Description: "the server encountered an unexpected condition", Err: err}
}

// asError converts any error into an *Error; unknown errors become server_error.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return internal(err)
}
