package flows

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// jsonHandler answers a request to a JSON endpoint: on success the HTTP status and the
// body to encode (nil for none), else the error.
type jsonHandler func(w http.ResponseWriter, r *http.Request) (status int, body any, e *Error)

// jsonEndpoint serves one JSON endpoint of the server, the token endpoint and its
// neighbours alike. A request made with a method not in methods is refused with 405 and
// Allow (nil methods: h checks them itself). An error answer is rendered by
// writeJSONError; a success is never cached, and carries body as JSON, or nothing when body
// is nil.
func (s *Server) jsonEndpoint(endpoint string, methods []string, h jsonHandler) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if methods != nil && !slices.Contains(methods, r.Method) {
			s.writeJSONError(w, r, jsonMethodNotAllowed(w, allow, endpoint))
			return
		}
		status, body, e := h(w, r)
		if e != nil {
			s.writeJSONError(w, r, e)
			return
		}
		writeNoStore(w)
		if body == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	})
}

// answer is the jsonHandler result of an endpoint that answers 200 with body, or e.
func answer[T any](body T, e *Error) (int, any, *Error) {
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, body, nil
}

// jsonMethodNotAllowed refuses a request to a JSON endpoint made with another method than
// allow: 405 with Allow, and the body of an OAuth invalid_request, as LiveChat-style
// servers answer a wrong HTTP method.
func jsonMethodNotAllowed(w http.ResponseWriter, allow, endpoint string) *Error {
	w.Header().Set("Allow", allow)
	e := InvalidRequest("the %s accepts only %s", endpoint, allow)
	e.Status = http.StatusMethodNotAllowed
	return e
}

// writeJSONError renders e as RFC 6749 §5.2 JSON, with its challenge (WWW-Authenticate)
// and Retry-After when it has them. Internal causes are logged, never sent.
func (s *Server) writeJSONError(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.Err != nil {
		s.log.ErrorContext(r.Context(), "oauthkit: request failed", "path", r.URL.Path, "code", e.Code, "err", e.Err)
	}
	writeNoStore(w)
	if e.challenge != "" {
		w.Header().Set("WWW-Authenticate", e.challenge)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	body := struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, body)
}

// writeNoStore forbids caching of a response carrying or refusing credentials (RFC 6749
// §5.1).
func writeNoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
