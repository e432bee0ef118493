package flows_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
)

// Config.ClientCredentials is the one switch of the client_credentials grant: every token
// handler and the metadata follow it.

// grantAnswer posts grant_type gt as conf-app to h and returns the error code ("" on
// success).
func grantAnswer(t *testing.T, h http.Handler, gt string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(url.Values{"grant_type": {gt}}.Encode()))
	req.Header.Set("Content-Type", ctForm)
	req.SetBasicAuth(confID, confSecret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK {
		return ""
	}
	var body struct{ Error string }
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return body.Error
}

// TestClientCredentialsSwitch: the default token handler accepts client_credentials exactly
// when the metadata lists it, and every grant type the metadata lists for the token
// endpoint is one it accepts.
func TestClientCredentialsSwitch(t *testing.T) {
	for _, on := range []bool{false, true} {
		e := newEnv(t, func(c *flows.Config) { c.Policy.ClientCredentials = on })
		h := e.flows.TokenHandler()
		listed := e.flows.Metadata().GrantTypesSupported
		if slices.Contains(listed, "client_credentials") != on {
			t.Errorf("ClientCredentials %v: metadata lists %v", on, listed)
		}
		for _, gt := range listed {
			if gt == "implicit" {
				continue // the authorization endpoint's
			}
			if code := grantAnswer(t, h, gt); code == "unsupported_grant_type" {
				t.Errorf("ClientCredentials %v: the metadata lists %s, which the token handler refuses", on, gt)
			}
		}
		if code := grantAnswer(t, h, "client_credentials"); (code == "") != on {
			t.Errorf("ClientCredentials %v: client_credentials answered %q", on, code)
		}
	}
}

// TestTokenHandlerWiringMistakes: TokenHandler refuses, when it is built, the
// client_credentials grant while Config.ClientCredentials is off, two grants of one type,
// and a grant without a type.
func TestTokenHandlerWiringMistakes(t *testing.T) {
	off, on := newEnv(t), newEnv(t, withClientCredentials)
	for _, tc := range []struct {
		name   string
		build  func() http.Handler
		panics bool
	}{
		{"client_credentials while off", func() http.Handler { return off.flows.TokenHandler(off.flows.ClientCredentialsGrant()) }, true},
		{"client_credentials while on", func() http.Handler { return on.flows.TokenHandler(on.flows.ClientCredentialsGrant()) }, false},
		{"two grants of one type", func() http.Handler {
			return off.flows.TokenHandler(off.flows.RefreshTokenGrant(), off.flows.RefreshTokenGrant())
		}, true},
		{"a grant without a type", func() http.Handler { return off.flows.TokenHandler(untypedGrant{}) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); (r != nil) != tc.panics {
					t.Errorf("panic = %v, want a panic: %v", r, tc.panics)
				}
			}()
			tc.build()
		})
	}
	if code := grantAnswer(t, on.flows.TokenHandler(on.flows.ClientCredentialsGrant()), "client_credentials"); code != "" {
		t.Errorf("client_credentials while on: %q", code)
	}
}

type untypedGrant struct{ failingGrant }

func (untypedGrant) GrantType() string { return "" }
