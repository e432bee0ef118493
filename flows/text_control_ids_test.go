package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

// strictTextStore fails the test as soon as a lookup by client id, customer id or login
// is made with a control character, invalid UTF-8 or U+FFFD (what invalid UTF-8 becomes
// once lowercased) in it. PostgreSQL refuses NUL in text with an error, a 503.
type strictTextStore struct {
	*memstore.Store
	t *testing.T
}

func (s strictTextStore) check(what, v string) {
	if strings.ContainsFunc(v, unicode.IsControl) || !utf8.ValidString(v) || strings.ContainsRune(v, utf8.RuneError) {
		s.t.Errorf("%s(%q) reached storage", what, v)
	}
}

func (s strictTextStore) Client(ctx context.Context, id string) (store.Client, error) {
	s.check("Client", id)
	return s.Store.Client(ctx, id)
}

func (s strictTextStore) Customer(ctx context.Context, id string) (store.Customer, error) {
	s.check("Customer", id)
	return s.Store.Customer(ctx, id)
}

func (s strictTextStore) AccountByLogin(ctx context.Context, login string) (store.Account, error) {
	s.check("AccountByLogin", login)
	return s.Store.AccountByLogin(ctx, login)
}

// newStrictTextEnv is newEnv with storage wrapped in strictTextStore.
func newStrictTextEnv(t *testing.T) *env {
	return newEnv(t, func(c *flows.Config) { c.Storage = strictTextStore{Store: c.Storage.(*memstore.Store), t: t} })
}

// badIDs are identifiers no client, customer or account has: control characters (C0 with
// NUL, DEL, C1) and invalid UTF-8.
var badIDs = []string{confID + "\x00", "conf\x01app", "conf-app\n", "\x7f", "nel\u0085", "a\xffb"}

// TestClientIDControlCharacters: R-ERR-1, a client_id with a control character or invalid
// UTF-8 is invalid_request at the token, revocation and introspection endpoints, in the
// body or in Basic credentials, and is never looked up.
func TestClientIDControlCharacters(t *testing.T) {
	e := newStrictTextEnv(t)
	for _, id := range badIDs {
		name := strings.ToValidUTF8(url.QueryEscape(id), "")
		for _, tc := range []struct{ name, path, body string }{
			{"token", "/v2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}.Encode()},
			{"revoke", "/revoke", url.Values{"token": {"x"}}.Encode()},
			{"introspect", "/introspect", url.Values{"token": {"x"}}.Encode()},
		} {
			t.Run(tc.name+" body "+name, func(t *testing.T) {
				body := tc.body + "&" + url.Values{"client_id": {id}}.Encode()
				wantAPIError(t, e.apiDo(http.MethodPost, tc.path, body, ctHdr(ctForm)...), http.StatusBadRequest, "invalid_request")
			})
			t.Run(tc.name+" Basic "+name, func(t *testing.T) {
				wantAPIError(t, e.apiDo(http.MethodPost, tc.path, tc.body, hdrs(ctHdr(ctForm), basicHdr(id, confSecret))...), http.StatusBadRequest, "invalid_request")
			})
		}
	}
}

// TestCustomerControlCharacters: R-ERR-1, the customer endpoint answers invalid_request for
// a client_id or entity_id with a control character or invalid UTF-8, and looks neither up.
func TestCustomerControlCharacters(t *testing.T) {
	e := newStrictTextEnv(t)
	tok := e.aliceTokens(agentScopes).access
	for _, id := range badIDs {
		name := strings.ToValidUTF8(url.QueryEscape(id), "")
		for _, field := range []string{"client_id", "entity_id"} {
			t.Run(field+" "+name, func(t *testing.T) {
				body := url.Values{"client_id": {confID}, "response_type": {"token"}, "redirect_uri": {confRedirect}}
				body.Set(field, id)
				r := e.apiDo(http.MethodPost, "/customer/", body.Encode(), hdrs(ctHdr(ctForm), bearerHdr(tok))...)
				wantAPIError(t, r, http.StatusBadRequest, "invalid_request")
			})
		}
	}
}

// TestLoginEmailControlCharacters: R-LOGIN-1, a sign-in whose email has a control
// character or invalid UTF-8 fails like any wrong email (identity_exception=unauthorized),
// starts no session and is never looked up.
func TestLoginEmailControlCharacters(t *testing.T) {
	e := newStrictTextEnv(t)
	for _, email := range []string{"alice@example.com\x00", "ali\x00ce@example.com", "alice\x1b@example.com", "al\u0085ice@example.com", "alice\xff@example.com"} {
		t.Run(strings.ToValidUTF8(url.QueryEscape(email), ""), func(t *testing.T) {
			b := e.browser()
			r := b.submitOnce(b.get("/old-login"), url.Values{"email": {email}, "password": {alicePW}}, nil)
			u := redirectLocation(t, r, http.StatusSeeOther)
			if u.Path != "/old-login" {
				t.Fatalf("sign-in sent to %q, want /old-login", u)
			}
			wantQuery(t, u.Query(), map[string]string{"identity_exception": "unauthorized"})
			noSessionCookie(t, r)
		})
	}
}
