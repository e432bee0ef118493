package flows_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPATBodyStrict (R-PAT-1, R-TOKEN-1): a repeated member is refused rather than
// resolved to its last value, and an oversized body is 413.
func TestPATBodyStrict(t *testing.T) {
	e := newPATEnv(t)
	at := e.consoleTokens(acctAlice, "chats--my:ro").access
	for _, body := range []string{
		`{"name":"x","scopes":["chats--my:ro"],"name":"y"}`,
		`{"name":"x","scopes":["chats--my:ro"],"n\u0061me":"y"}`,
	} {
		r := e.createPAT(at, body)
		wantAPIError(t, r, http.StatusBadRequest, "invalid_request")
	}
	big := `{"name":"` + strings.Repeat("a", 70<<10) + `","scopes":["chats--my:ro"]}`
	wantAPIError(t, e.createPAT(at, big), http.StatusRequestEntityTooLarge, "invalid_request")
}
