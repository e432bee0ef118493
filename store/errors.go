package store

import "errors"

// Sentinel errors returned (possibly wrapped) by every backend. Callers test them with
// errors.Is. Any other error means the backend failed; its text is for logs only.
var (
	// ErrNotFound: no such record, or the record has expired at the time passed in.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the operation lost a race or was already done: a code already consumed,
	// a refresh token already rotated, a duplicate unique key.
	ErrConflict = errors.New("store: conflict")
	// ErrLimitReached: an issuance would take a group of tokens past its cap
	// ([Issue.Caps]); nothing was written.
	ErrLimitReached = errors.New("store: limit reached")
)
