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
// a value is treated as omitted. The one exception, RFC 8707's resource, is parsed apart
// where it is accepted (parseQueryResources, readTokenParams).
type params = map[string]string

var (
	errDuplicate = form.ErrRepeated
	errEncoding  = form.ErrEncoding
)

// parseQuery parses an application/x-www-form-urlencoded string strictly: a bad escape, a
// semicolon separator or a repeated name is an error.
func parseQuery(raw string) (params, error) { return form.ParseQuery(raw) }

// paramResource is the one parameter a request may repeat: RFC 8707 §2 lets a client
// name several resources, each in a resource parameter of its own.
const paramResource = "resource"

// parseQueryResources is parseQuery, except that resource may be repeated: its values come
// apart, in order, and the map does not hold it.
func parseQueryResources(raw string) (params, []string, error) {
	return form.ParseQueryMulti(raw, paramResource)
}

// parseJSONParams parses a JSON object whose values are strings. Repeated keys, nested
// values and trailing data are errors: encoding/json would silently keep the last of two
// repeated keys, which a parameter-pollution attack relies on.
func parseJSONParams(b string) (params, error) {
	p, _, err := parseJSONBody(b, "")
	return p, err
}

// parseJSONParamsResources is parseJSONParams, except that resource may also be an array
// of strings (JSON's way of sending several); its values come apart, in order, and the map
// does not hold it. Empty strings and null are absent, as for every parameter.
func parseJSONParamsResources(b string) (params, []string, error) {
	return parseJSONBody(b, paramResource)
}

// parseJSONBody parses a JSON object of strings; the member named multi ("" for none) may
// be an array of strings, and its values are returned apart.
func parseJSONBody(b, multi string) (params, []string, error) {
	dec := json.NewDecoder(strings.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errEncoding
	}
	p := params{} // null and "" are kept as "" until the end, to recognise a repeated key
	var values []string
	empty, seenMulti := false, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, errEncoding
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, errEncoding
		}
		if multi != "" && key == multi {
			if seenMulti {
				return nil, nil, errDuplicate
			}
			seenMulti = true
			if values, err = jsonStrings(dec, values); err != nil {
				return nil, nil, err
			}
			continue
		}
		if _, dup := p[key]; dup {
			return nil, nil, errDuplicate
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, nil, errEncoding
		}
		switch v := tok.(type) {
		case string:
			p[key] = v
			empty = empty || v == ""
		case nil:
			p[key], empty = "", true
		default:
			return nil, nil, errEncoding
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, errEncoding
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errEncoding
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

// jsonStrings appends to values the next JSON value of dec: a string, null, or an array of
// strings; empty strings and null add nothing.
func jsonStrings(dec *json.Decoder, values []string) ([]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, errEncoding
	}
	switch v := tok.(type) {
	case string:
		if v != "" {
			values = append(values, v)
		}
		return values, nil
	case nil:
		return values, nil
	case json.Delim:
		if v != '[' {
			return nil, errEncoding
		}
	default:
		return nil, errEncoding
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errEncoding
		}
		s, ok := tok.(string)
		if !ok {
			return nil, errEncoding
		}
		if s != "" {
			values = append(values, s)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		return nil, errEncoding
	}
	return values, nil
}

// readBodyParams reads a POST body of type application/x-www-form-urlencoded or
// application/json, bounded by form.MaxBody.
func readBodyParams(w http.ResponseWriter, r *http.Request) (params, *Error) {
	p, _, e := readBodyOf(w, r, false)
	return p, e
}

// readTokenParams is readBodyParams for the token endpoint, whose resource parameter may
// be repeated (RFC 8707 §2): its values come apart, in order.
func readTokenParams(w http.ResponseWriter, r *http.Request) (params, []string, *Error) {
	return readBodyOf(w, r, true)
}

// readBodyOf reads and parses a body; with resources, the resource parameter may be
// repeated and its values come apart.
func readBodyOf(w http.ResponseWriter, r *http.Request, resources bool) (params, []string, *Error) {
	mt := mediaType(r.Header.Get("Content-Type"))
	if mt != mediaForm && mt != mediaJSON {
		return nil, nil, InvalidRequest("the body must be application/x-www-form-urlencoded or application/json")
	}
	body, e := readBody(w, r)
	if e != nil {
		return nil, nil, e
	}
	var p params
	var values []string
	var err error
	switch {
	case mt == mediaJSON && resources:
		p, values, err = parseJSONParamsResources(body)
	case mt == mediaJSON:
		p, err = parseJSONParams(body)
	case resources:
		p, values, err = parseQueryResources(body)
	default:
		p, err = parseQuery(body)
	}
	if err != nil {
		return nil, nil, InvalidRequest("%s", paramErrorText(err))
	}
	return p, values, nil
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
