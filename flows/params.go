package flows

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/flows/internal/form"
)

// params holds a request's parameters, each present at most once (RFC 6749 §3.1: "Request
// and response parameters MUST NOT be included more than once"). A parameter sent without
// a value is treated as omitted.
type params = map[string]string

var (
	errDuplicate = form.ErrRepeated
	errEncoding  = form.ErrEncoding
)

// parseQuery parses an application/x-www-form-urlencoded string strictly: a bad escape, a
// semicolon separator or a repeated name is an error.
func parseQuery(raw string) (params, error) { return form.ParseQuery(raw) }

// parseJSONParams parses a JSON object whose values are strings. Repeated keys, nested
// values and trailing data are errors: encoding/json would silently keep the last of two
// repeated keys, which a parameter-pollution attack relies on.
func parseJSONParams(b string) (params, error) {
	dec := json.NewDecoder(strings.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errEncoding
	}
	p := params{} // null and "" are kept as "" until the end, to recognise a repeated key
	empty := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errEncoding
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errEncoding
		}
		if _, dup := p[key]; dup {
			return nil, errDuplicate
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, errEncoding
		}
		switch v := tok.(type) {
		case string:
			p[key] = v
			empty = empty || v == ""
		case nil:
			p[key], empty = "", true
		default:
			return nil, errEncoding
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errEncoding
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errEncoding
	}
	if empty {
		for k, v := range p {
			if v == "" {
				delete(p, k)
			}
		}
	}
	return p, nil
}

// readBodyParams reads a POST body of type application/x-www-form-urlencoded or
// application/json, bounded by form.MaxBody.
func readBodyParams(w http.ResponseWriter, r *http.Request) (params, *Error) {
	mt := mediaType(r.Header.Get("Content-Type"))
	if mt != mediaForm && mt != mediaJSON {
		return nil, InvalidRequest("the body must be application/x-www-form-urlencoded or application/json")
	}
	body, e := readBody(w, r)
	if e != nil {
		return nil, e
	}
	var p params
	var err error
	if mt == mediaJSON {
		p, err = parseJSONParams(body)
	} else {
		p, err = parseQuery(body)
	}
	if err != nil {
		return nil, InvalidRequest("%s", paramErrorText(err))
	}
	return p, nil
}

func paramErrorText(err error) string {
	if errors.Is(err, errDuplicate) {
		return "a parameter is included more than once"
	}
	return "the request parameters are malformed"
}

const (
	mediaForm = "application/x-www-form-urlencoded"
	mediaJSON = "application/json"
)

// mediaType is the media type of a Content-Type header, lowercase, or "" when it is
// malformed. The two types the endpoints take, without parameters, are recognised without
// parsing.
func mediaType(ct string) string {
	switch {
	case strings.EqualFold(ct, mediaForm):
		return mediaForm
	case strings.EqualFold(ct, mediaJSON):
		return mediaJSON
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// readBody reads a request body of at most form.MaxBody bytes; a larger one is 413.
func readBody(w http.ResponseWriter, r *http.Request) (string, *Error) {
	body, err := form.ReadBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e := InvalidRequest("the request body is too large")
			e.Status = http.StatusRequestEntityTooLarge
			return "", e
		}
		return "", InvalidRequest("the request body could not be read")
	}
	return body, nil
}

// readFormParams reads a form POST body (application/x-www-form-urlencoded only), bounded
// and with repeated fields refused.
func readFormParams(w http.ResponseWriter, r *http.Request) (params, *Error) {
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		return nil, invalidRequest("the form must be application/x-www-form-urlencoded")
	}
	body, e := readBody(w, r)
	if e != nil {
		return nil, e
	}
	p, err := parseQuery(body)
	if err != nil {
		return nil, invalidRequest("%s", paramErrorText(err))
	}
	return p, nil
}

// repeatedKey reports whether the JSON object b names a member twice at its top level
// (after unescaping), which encoding/json would silently resolve to the last one.
func repeatedKey(b string) bool {
	dec := json.NewDecoder(strings.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return false
		}
		if seen[key] {
			return true
		}
		seen[key] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// checkText refuses a value that a request would have the server store or look up when it
// is not plain text (form.CheckText): the answer is invalid_request naming field, before
// anything reaches storage.
func checkText(field, value string) *Error {
	if err := form.CheckText(value); err != nil {
		return InvalidRequest("%s %v", field, err)
	}
	return nil
}
