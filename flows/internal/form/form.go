// Package form reads request parameters strictly, for the authorization server and its
// sign-in pages: bounded bodies, no repeated parameter, no control characters.
package form

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBody bounds every request body read.
const MaxBody = 64 << 10

// Errors of parsing, for the caller to turn into its own answer.
var (
	// ErrRepeated: a parameter is included more than once (RFC 6749 §3.1: "Request and
	// response parameters MUST NOT be included more than once").
	ErrRepeated = errors.New("a parameter is repeated")
	// ErrEncoding: the parameters are not correctly encoded.
	ErrEncoding = errors.New("the parameters are not correctly encoded")
	// ErrNotForm: the body is not application/x-www-form-urlencoded.
	ErrNotForm = errors.New("the form must be application/x-www-form-urlencoded")
	// ErrUnreadable: the body could not be read.
	ErrUnreadable = errors.New("the request body could not be read")
)

// ParseQuery parses an application/x-www-form-urlencoded string strictly: a bad escape, a
// semicolon separator or a repeated name is an error. A parameter sent without a value is
// treated as omitted.
func ParseQuery(raw string) (map[string]string, error) {
	vs, err := url.ParseQuery(raw)
	if err != nil {
		return nil, ErrEncoding
	}
	p := make(map[string]string, len(vs))
	for k, v := range vs {
		if len(v) > 1 {
			return nil, ErrRepeated
		}
		if v[0] != "" {
			p[k] = v[0]
		}
	}
	return p, nil
}

// ReadBody reads a request body of at most MaxBody bytes. A larger one is an error that
// wraps *http.MaxBytesError (for a 413); any other failure is ErrUnreadable.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, ErrUnreadable
	}
	return body, nil
}

// Read reads a form POST body (application/x-www-form-urlencoded only) with ReadBody and
// ParseQuery.
func Read(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		return nil, ErrNotForm
	}
	body, err := ReadBody(w, r)
	if err != nil {
		return nil, err
	}
	return ParseQuery(string(body))
}

// Text problems found by CheckText.
var (
	ErrInvalidUTF8 = errors.New("is not valid UTF-8")
	ErrControl     = errors.New("must not contain control characters")
)

// CheckText refuses a value that a request would have the server store or look up when it
// is not plain text: invalid UTF-8, or any control character (C0 including NUL, DEL, C1).
// No name, label or identifier needs them, and databases refuse some (PostgreSQL refuses
// NUL in text) or keep them to confuse whoever reads the value later.
func CheckText(value string) error {
	if !utf8.ValidString(value) {
		return ErrInvalidUTF8
	}
	for _, c := range value {
		if unicode.IsControl(c) {
			return ErrControl
		}
	}
	return nil
}
