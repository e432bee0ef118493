// Package form reads request parameters strictly, for the authorization server and its
// sign-in pages: bounded bodies, no repeated parameter (except one a caller names, as
// RFC 8707's resource), no control characters.
package form

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
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

// maxParams bounds the parameters of one string, as net/url does by default.
const maxParams = 10000

// ParseQuery parses an application/x-www-form-urlencoded string strictly: a bad escape, a
// semicolon separator or a repeated name is an error (a bad encoding wins over a repeated
// name). A parameter sent without a value is treated as omitted. Names and values are
// decoded as url.ParseQuery decodes them; those that need no decoding share raw's memory.
func ParseQuery(raw string) (map[string]string, error) {
	p, _, err := parseQuery(raw, "")
	return p, err
}

// ParseQueryMulti is ParseQuery, except that the parameter named multi may be repeated,
// as RFC 8707 lets resource be: its values are returned in the order sent (those without a
// value left out, as omitted), and the map does not hold it. Every other name is
// still refused when repeated.
func ParseQueryMulti(raw, multi string) (map[string]string, []string, error) {
	return parseQuery(raw, multi)
}

// parseQuery is ParseQuery, with the values of multi ("" for none) collected apart.
func parseQuery(raw, multi string) (map[string]string, []string, error) {
	n := strings.Count(raw, "&") + 1
	if n > maxParams {
		return nil, nil, ErrEncoding
	}
	p := make(map[string]string, min(n, 16))
	var values []string
	repeated, empty := false, false
	for rest := raw; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			return nil, nil, ErrEncoding
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, nil, ErrEncoding
		}
		if multi != "" && k == multi {
			if v != "" {
				values = append(values, v)
			}
			continue
		}
		if _, dup := p[k]; dup {
			repeated = true
			continue
		}
		p[k] = v
		empty = empty || v == ""
	}
	if repeated {
		return nil, nil, ErrRepeated
	}
	if empty {
		for k, v := range p {
			if v == "" {
				delete(p, k)
			}
		}
	}
	return p, values, nil
}

// ReadBody reads a request body of at most MaxBody bytes. A larger one is an error that
// wraps *http.MaxBytesError (for a 413); any other failure is ErrUnreadable.
//
// The body is read into a reused buffer, cleared afterwards (bodies carry secrets): the
// string returned is its one allocation.
func ReadBody(w http.ResponseWriter, r *http.Request) (string, error) {
	if r.Body == nil {
		return "", nil
	}
	body := r.Body
	if r.ContentLength < 0 || r.ContentLength > MaxBody {
		// Unknown or too long: MaxBytesReader also tells the server to close the
		// connection rather than read the rest.
		body = http.MaxBytesReader(w, r.Body, MaxBody)
	}
	bp := bodyBuffers.Get().(*[]byte)
	buf, err := readAtMost((*bp)[:0], body, max(r.ContentLength, 0))
	s := string(buf)
	clear(buf)
	if cap(buf) <= maxPooledBody {
		*bp = buf[:0]
		bodyBuffers.Put(bp)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", err
		}
		return "", ErrUnreadable
	}
	return s, nil
}

// maxPooledBody is the largest body buffer kept for reuse.
const maxPooledBody = 8 << 10

var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// readAtMost appends r to buf until EOF, expecting size bytes. More than MaxBody bytes is
// a *http.MaxBytesError, whether or not r is a MaxBytesReader: a body that sends more than
// its Content-Length said (outside net/http's server, which stops at it) is bounded too.
func readAtMost(buf []byte, r io.Reader, size int64) ([]byte, error) {
	if size < MaxBody && int64(cap(buf)) <= size {
		buf = slices.Grow(buf, int(size)+1) // room for the EOF read too
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 512), MaxBody+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case len(buf) > MaxBody:
			return buf, &http.MaxBytesError{Limit: MaxBody}
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		}
	}
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
	return ParseQuery(body)
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
