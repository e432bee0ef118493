package clientmeta

import (
	"errors"
	"fmt"
)

// The kinds of [Error], for errors.Is. Every error [Resolver.Resolve] returns is an
// *[Error] wrapping exactly one of them.
var (
	// ErrInvalidURL: the client_id is not a client ID URL this package accepts (see
	// [ValidateURL]), or its host is an IP address that is not public. Nothing was fetched.
	ErrInvalidURL = errors.New("clientmeta: not a valid client ID URL")
	// ErrFetch: the client metadata document could not be fetched: a network failure, an
	// address that is not public, a timeout, a redirect, a status other than 200, a media
	// type other than JSON, or a body over the size limit.
	ErrFetch = errors.New("clientmeta: client metadata document not fetched")
	// ErrInvalidDocument: the document was fetched but breaks a rule: it is not one JSON
	// object, its client_id is not the URL, a member is missing or invalid, or it asks for
	// something this server does not support (a shared secret, private_key_jwt, a grant
	// type other than authorization_code and refresh_token).
	ErrInvalidDocument = errors.New("clientmeta: client metadata document invalid")
	// ErrUnavailable: this server did not finish resolving the client: too many documents
	// are being fetched at once, or the caller's context ended first. It says nothing
	// about the client; try again later.
	ErrUnavailable = errors.New("clientmeta: client metadata temporarily unavailable")
)

// Error is why a client ID URL was not resolved. Description is safe to show to the user
// and to send as an OAuth error_description: fixed ASCII text without '"' or '\', which
// names the rule broken (and a member name, index or HTTP status) but never echoes the
// document, the URL or a network error. Error() adds the cause, for logs only.
type Error struct {
	// Description says what was wrong, safely (see above).
	Description string

	kind  error // one of the Err* kinds above
	cause error // the underlying error, possibly with the URL and network details; may be nil
}

func (e *Error) Error() string {
	if e.cause == nil {
		return "clientmeta: " + e.Description
	}
	return "clientmeta: " + e.Description + ": " + e.cause.Error()
}

// Unwrap returns the kind ([ErrInvalidURL], [ErrFetch], [ErrInvalidDocument] or
// [ErrUnavailable]) and the cause, if any.
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// errOrNil keeps a nil *Error from becoming a non-nil error.
func errOrNil(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

func newError(kind, cause error, format string, args ...any) *Error {
	return &Error{Description: fmt.Sprintf(format, args...), kind: kind, cause: cause}
}

func urlError(format string, args ...any) *Error {
	return newError(ErrInvalidURL, nil, format, args...)
}

func fetchError(cause error, format string, args ...any) *Error {
	return newError(ErrFetch, cause, format, args...)
}

func docError(format string, args ...any) *Error {
	return newError(ErrInvalidDocument, nil, format, args...)
}
