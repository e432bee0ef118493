package flows

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// OAuth error codes (RFC 6749 §4.1.2.1, §5.2, RFC 8693 §2.2.2) and the LiveChat-style
// additions.
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
	ErrInvalidTarget           = "invalid_target" // RFC 8707, RFC 8693: the requested resource or audience is refused
	ErrMissingGrant            = "missing_grant"  // consent needed but not given (prompt=none)
)

// Exception details carried on the error page (its exception_details parameter).
const (
	DetailClientIDNotFound   = "client_id_not_found"  // client_id missing or unknown
	DetailRedirectURINotSet  = "redirect_uri_not_set" // the client has no redirect URI
	DetailInvalidRedirectURI = "invalid_redirect_uri" // redirect_uri not registered for the client
	DetailTooManyRedirects   = "too_many_redirects"   // Config.Limits.Redirects exceeded
)

// Error is the one OAuth error type of the server. Every handler failure becomes an *Error,
// and one place renders it: as RFC 6749 §5.2 JSON at the token endpoint and the other JSON
// endpoints, as a redirect to the client or as the error page at the authorization
// endpoint.
//
// Code, Description and Detail are shown to the caller; Err, the internal cause, is only
// logged. A [Grant] reports a refusal by returning an *Error, typically made by one of the
// constructors below ([InvalidGrant], [InvalidRequest], [InvalidScope], ...) or by
// [NewError]; any other error it returns becomes server_error, logged and never shown.
type Error struct {
	// Code is an OAuth error code such as "invalid_grant".
	Code string
	// Description is a human-readable sentence for the error_description field. It never
	// contains internal details.
	Description string
	// Detail is the exception_details value shown on the error page.
	Detail string
	// Status is the HTTP status for JSON responses; zero means 400.
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

// NewError returns an OAuth error with code, HTTP status and a description formatted as by
// fmt.Sprintf. The description is shown to the caller: never put secrets or internal
// details in it.
func NewError(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Description: fmt.Sprintf(format, args...)}
}

// InvalidRequest returns a 400 invalid_request error: a parameter is missing, repeated or
// malformed (RFC 6749 §5.2).
func InvalidRequest(format string, args ...any) *Error {
	return NewError(ErrInvalidRequest, http.StatusBadRequest, format, args...)
}

// InvalidGrant returns a 400 invalid_grant error: the grant presented (a code, a refresh
// token, an assertion, a subject token) is invalid, expired, revoked, or issued to another
// client (RFC 6749 §5.2).
func InvalidGrant(format string, args ...any) *Error {
	return NewError(ErrInvalidGrant, http.StatusBadRequest, format, args...)
}

// InvalidScope returns a 400 invalid_scope error: a requested scope is unknown, malformed
// or beyond what may be granted (RFC 6749 §5.2).
func InvalidScope(format string, args ...any) *Error {
	return NewError(ErrInvalidScope, http.StatusBadRequest, format, args...)
}

// InvalidTarget returns a 400 invalid_target error: a requested resource (RFC 8707 §2) or
// audience (RFC 8693) is malformed, unknown, or not one the client may have.
func InvalidTarget(format string, args ...any) *Error {
	return NewError(ErrInvalidTarget, http.StatusBadRequest, format, args...)
}

// UnauthorizedClient returns a 400 unauthorized_client error: the authenticated client may
// not use this grant (RFC 6749 §5.2).
func UnauthorizedClient(format string, args ...any) *Error {
	return NewError(ErrUnauthorizedClient, http.StatusBadRequest, format, args...)
}

// AccessDenied returns a 400 access_denied error: the resource owner or the server refused
// the request.
func AccessDenied(format string, args ...any) *Error {
	return NewError(ErrAccessDenied, http.StatusBadRequest, format, args...)
}

// TemporarilyUnavailable reports a storage failure: 503 temporarily_unavailable with
// Retry-After, since the request may succeed later. The cause err is logged, never shown;
// errors.Is and errors.As see it through Unwrap.
func TemporarilyUnavailable(err error) *Error {
	return &Error{Code: ErrTemporarilyUnavailable, Status: http.StatusServiceUnavailable,
		Description: "the service is temporarily unavailable; retry later", Err: err,
		retryAfter: 5 * time.Second}
}

// ServerError reports an unexpected failure: 500 server_error. The cause err is logged,
// never shown.
func ServerError(err error) *Error {
	return &Error{Code: ErrServerError, Status: http.StatusInternalServerError,
		Description: "the server encountered an unexpected condition", Err: err}
}

// Shorthands used by the authorization endpoint, consent and sign-in.

func oauthErr(code string, status int, format string, args ...any) *Error {
	return NewError(code, status, format, args...)
}

func invalidRequest(format string, args ...any) *Error { return InvalidRequest(format, args...) }

func invalidScope(format string, args ...any) *Error { return InvalidScope(format, args...) }

func unavailable(err error) *Error { return TemporarilyUnavailable(err) }

func internal(err error) *Error { return ServerError(err) }

// asError converts any error into an *Error; unknown errors become server_error.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ServerError(err)
}
