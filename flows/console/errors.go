package console

import (
	"errors"
	"strings"
)

// Errors of the console's methods, besides *ValidationError and storage failures (which
// wrap the backend's error: log them, show nothing of them).
var (
	// ErrNotFound: there is no such app, token, account or connection, or the account
	// acting may not see it (the console does not tell the two apart, so as not to reveal
	// other people's apps).
	ErrNotFound = errors.New("console: not found")
	// ErrForbidden: the account acting may see the thing but not do this to it, or may
	// not use the console at all (it holds no role that may sign in).
	ErrForbidden = errors.New("console: not allowed")
)

// FieldError is one problem with one field of a request, in words for the person who
// filled in the form.
type FieldError struct {
	// Field names the field, as the console's forms name their inputs: "name",
	// "redirect_uris", "scopes", "type", "private", "implicit"; "" for the request as a
	// whole.
	Field string
	// Message says what is wrong and how to fix it.
	Message string
}

// ValidationError is a request refused for what it says, field by field.
type ValidationError struct {
	// Fields are the problems found, in the order of the form's fields.
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Message
		if f.Field != "" {
			msgs[i] = f.Field + ": " + f.Message
		}
	}
	return "console: " + strings.Join(msgs, "; ")
}

// Message returns the message about field, or "".
func (e *ValidationError) Message(field string) string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// problems collects field errors.
type problems []FieldError

func (p *problems) add(field, msg string) { *p = append(*p, FieldError{field, msg}) }

// err returns the problems as a *ValidationError, or nil when there are none.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: p}
}
