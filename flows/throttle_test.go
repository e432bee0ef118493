package flows_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestClientAuthThrottlePerAddress (R-SEC-3): failures lock out the identity only from the
// address that failed, so an attacker cannot lock a client out of its own token endpoint.
func TestClientAuthThrottlePerAddress(t *testing.T) {
	e := newEnv(t)
	h := e.flows.TokenHandler()
	post := func(addr, secret string) int {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown"}}
		req := httptest.NewRequest(http.MethodPost, "/v2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(confID, secret)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	const attacker, client = "192.0.2.66:40000", "198.51.100.7:50000"
	for range 10 {
		if code := post(attacker, "guess"); code != http.StatusUnauthorized {
			t.Fatalf("a wrong secret: %d, want 401", code)
		}
	}
	if code := post(attacker, confSecret); code != http.StatusTooManyRequests {
		t.Fatalf("the attacker's address after 10 failures: %d, want 429", code)
	}
	// The real client, elsewhere, authenticates; the unknown refresh token is invalid_grant.
	if code := post(client, confSecret); code != http.StatusBadRequest {
		t.Fatalf("the client's own address: %d, want 400 (authenticated, invalid_grant)", code)
	}
}
