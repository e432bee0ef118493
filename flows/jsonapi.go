package flows

import (
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
		if body == nil {
			writeNoStore(w)
			w.WriteHeader(status)
			return
		}
		writeNoStoreJSON(w, status, body)
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
	if e.challenge != "" {
		w.Header().Set("WWW-Authenticate", e.challenge)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeNoStoreJSON(w, status, errorBody{e.Code, e.Description})
}

// writeNoStore forbids caching of a response carrying or refusing credentials (RFC 6749
// §5.1).
func writeNoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// jsonContentType is the Content-Type of every JSON answer.
const jsonContentType = "application/json;charset=UTF-8"

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	encodeJSON(w, v)
}

// writeNoStoreJSON is writeJSON for an answer that carries or refuses credentials, which is
// never cached (writeNoStore). The three header values share one allocation; each is its
// own slice, so that appending to one never changes another.
func writeNoStoreJSON(w http.ResponseWriter, status int, v any) {
	vals := &[3]string{"no-store", "no-cache", jsonContentType}
	h := w.Header()
	h["Cache-Control"], h["Pragma"], h["Content-Type"] = vals[0:1:1], vals[1:2:2], vals[2:3:3]
	w.WriteHeader(status)
	encodeJSON(w, v)
}
