package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// rfcChallenge is the S256 challenge of RFC 7636 Appendix B.
const rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

// TestAuthorizeUntrustedGoesToErrorPage: client_id and redirect_uri are validated first;
// while either is missing, unknown or not allowed, the person lands on the error page with
// oauth_exception and exception_details, never on the requested redirect URI (R-AUTHZ-2,
// R-ERR-2, R-REDIR-1..5). The error page explains both codes.
func TestAuthorizeUntrustedGoesToErrorPage(t *testing.T) {
	const (
		badClient   = "The app's client ID is missing or does not exist."
		notSet      = "The app has no redirect URI configured, so there is nowhere safe to send you back to."
		badRedirect = "The app asked to send you back to an address it has not registered, so you were not sent there."
	)
	tests := []struct {
		name         string
		query        url.Values
		code, detail string
		detailText   string
	}{
		{"missing client_id", authzQuery(nil, "client_id"), "unauthorized_client", "client_id_not_found", badClient},
		{"empty client_id", authzQuery(url.Values{"client_id": {""}}), "unauthorized_client", "client_id_not_found", badClient},
		{"unknown client", authzQuery(url.Values{"client_id": {"nope"}}), "unauthorized_client", "client_id_not_found", badClient},
		{"unknown client with other errors too", authzQuery(url.Values{"client_id": {"nope"}, "response_type": {"foo"}, "scope": {"x"}}), "unauthorized_client", "client_id_not_found", badClient},
		{"client without redirect URIs", authzQuery(url.Values{"client_id": {"no-redirect"}}), "unauthorized_client", "redirect_uri_not_set", notSet},
		{"missing redirect_uri", authzQuery(nil, "redirect_uri"), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"missing redirect_uri and response_type", authzQuery(nil, "redirect_uri", "response_type"), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"unregistered path", authzQuery(url.Values{"redirect_uri": {"https://app.example/other"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"path not on a segment boundary", authzQuery(url.Values{"redirect_uri": {"https://app.example/cbx"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"path traversal", authzQuery(url.Values{"redirect_uri": {"https://app.example/cb/../evil"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"encoded path traversal", authzQuery(url.Values{"redirect_uri": {"https://app.example/cb/%2e%2e/evil"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"another host", authzQuery(url.Values{"redirect_uri": {"https://evil.example/cb"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"userinfo pointing at another host", authzQuery(url.Values{"redirect_uri": {"https://app.example@evil.example/cb"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"scheme-relative", authzQuery(url.Values{"redirect_uri": {"//evil.example/cb"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"other scheme", authzQuery(url.Values{"redirect_uri": {"http://app.example/cb"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"other port", authzQuery(url.Values{"redirect_uri": {"https://app.example:8443/cb"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"query", authzQuery(url.Values{"redirect_uri": {"https://app.example/cb?next=https://evil.example/"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"fragment", authzQuery(url.Values{"redirect_uri": {"https://app.example/cb#evil.example"}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"backslash", authzQuery(url.Values{"redirect_uri": {`https://app.example\@evil.example/cb`}}), "unauthorized_client", "invalid_redirect_uri", badRedirect},
		{"duplicated client_id", authzQuery(url.Values{"client_id": {confID, confID}}), "invalid_request", "", ""},
		{"duplicated client_id, second unknown", authzQuery(url.Values{"client_id": {confID, "nope"}}), "invalid_request", "", ""},
		{"duplicated redirect_uri", authzQuery(url.Values{"redirect_uri": {confRedirect, confRedirect}}), "invalid_request", "", ""},
		{"duplicated redirect_uri, second foreign", authzQuery(url.Values{"redirect_uri": {confRedirect, "https://evil.example/cb"}}), "invalid_request", "", ""},
	}
	e := newEnv(t)
	e.putClient(store.Client{ID: "no-redirect", Name: "No Redirect", SecretHash: e.hasher.Hash("x"), Scopes: allScopes})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			b.signedInAs("alice@example.com", alicePW) // signed in or not, the answer is the same
			p := b.getOnce("/?" + tt.query.Encode())
			q := errorPageRedirect(t, p, http.StatusFound)
			want := map[string]string{"oauth_exception": tt.code}
			if tt.detail != "" {
				want["exception_details"] = tt.detail
			}
			wantQuery(t, q, want)
			if loc := p.Header.Get("Location"); strings.Contains(loc, "example") {
				t.Errorf("Location %q carries the requested redirect URI", loc)
			}

			page := b.get(p.Header.Get("Location"))
			if page.StatusCode != http.StatusOK || page.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("error page: %d %q", page.StatusCode, page.Header.Get("Content-Type"))
			}
			if !strings.Contains(page.body, "<code>"+tt.code+"</code>") {
				t.Errorf("error page does not show the code %s:\n%s", tt.code, page.body)
			}
			if tt.detail != "" && (!strings.Contains(page.body, "<code>"+tt.detail+"</code>") || !strings.Contains(page.text(), tt.detailText)) {
				t.Errorf("error page does not show and explain %s:\n%s", tt.detail, page.body)
			}
			if title := map[string]string{"unauthorized_client": "This app cannot sign you in", "invalid_request": "The request was not valid"}[tt.code]; !strings.Contains(page.body, "<h1>"+title+"</h1>") {
				t.Errorf("error page lacks the explanation %q:\n%s", title, page.body)
			}
		})
	}
}

// errorModes runs a test in both ways of reporting authorization errors once the client
// and redirect URI are trusted (R-ERR-2): back to the client, and the seed's error page.
var errorModes = []struct {
	name   string
	mutate func(*flows.Config)
}{
	{"to client", func(*flows.Config) {}},
	{"error page mode", func(c *flows.Config) { c.Policy.ErrorPageMode = true }},
}

// wantAuthzError checks the answer to an authorization GET that failed with code: a 302
// to the client with error, error_description, iss and state (RFC 6749 §4.1.2.1, RFC 9207),
// or, in error page mode, a 302 to the error page.
func wantAuthzError(t *testing.T, e *env, errorPage bool, p page, code, state string) {
	t.Helper()
	if errorPage {
		wantQuery(t, errorPageRedirect(t, p, http.StatusFound), map[string]string{"oauth_exception": code})
		return
	}
	wantClientError(t, e, clientRedirect(t, p, http.StatusFound, confRedirect), code, state)
}

// TestAuthorizeErrorsToClient: once client and redirect URI are trusted, request errors go
// back to the client with error, error_description, state and iss, or to the error page in
// ErrorPageMode (R-ERR-2, R-AUTHZ-1, R-AUTHZ-3, R-AUTHZ-7, RFC 9207).
func TestAuthorizeErrorsToClient(t *testing.T) {
	tests := []struct {
		name  string
		query url.Values
		code  string
		state string // expected in the answer; "" means absent
	}{
		{"missing response_type", authzQuery(nil, "response_type"), "invalid_request", "st-1"},
		{"response_type=foo", authzQuery(url.Values{"response_type": {"foo"}}), "unsupported_response_type", "st-1"},
		{"response_type=code token", authzQuery(url.Values{"response_type": {"code token"}}), "unsupported_response_type", "st-1"},
		{"duplicated response_type", authzQuery(url.Values{"response_type": {"code", "code"}}), "invalid_request", "st-1"},
		{"unknown scope", authzQuery(url.Values{"scope": {"chats--my:ro nope:ro"}}), "invalid_scope", "st-1"},
		{"malformed scope (quote)", authzQuery(url.Values{"scope": {`chats--my:ro "chats"`}}), "invalid_scope", "st-1"},
		{"malformed scope (backslash)", authzQuery(url.Values{"scope": {`chats\my`}}), "invalid_scope", "st-1"},
		{"empty scope list", authzQuery(url.Values{"scope": {" , "}}), "invalid_scope", "st-1"},
		{"scope outside the client's set", authzQuery(url.Values{"client_id": {"narrow-app"}, "scope": {"chats--my:ro chats--all:rw"}}), "invalid_scope", "st-1"},
		{"scope prefix trick", authzQuery(url.Values{"client_id": {"narrow-app"}, "scope": {"chats--my:r"}}), "invalid_scope", "st-1"},
		{"duplicated scope", authzQuery(url.Values{"scope": {"chats--my:ro", "chats--all:rw"}}), "invalid_request", "st-1"},
		{"duplicated state", authzQuery(url.Values{"state": {"a", "b"}}), "invalid_request", ""},
		{"duplicated code_challenge", authzQuery(url.Values{"code_challenge": {rfcChallenge, rfcChallenge}}), "invalid_request", "st-1"},
		{"no state", authzQuery(url.Values{"response_type": {"foo"}}, "state"), "unsupported_response_type", ""},
		{"state echoed unchanged", authzQuery(url.Values{"response_type": {"foo"}, "state": {"a b&c=d/é+%41"}}), "unsupported_response_type", "a b&c=d/é+%41"},
	}
	for _, mode := range errorModes {
		t.Run(mode.name, func(t *testing.T) {
			e := newEnv(t, mode.mutate)
			e.putClient(store.Client{ID: "narrow-app", Name: "Narrow", SecretHash: e.hasher.Hash("x"), RedirectURIs: []string{confRedirect}, Scopes: []string{"chats--my:ro"}})
			b := e.browser()
			b.signedInAs("alice@example.com", alicePW)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					wantAuthzError(t, e, mode.name != "to client", b.getOnce("/?"+tt.query.Encode()), tt.code, tt.state)
				})
			}
		})
	}
}

// TestAuthorizeAdministratorOnlyScope: an administrator-only scope is invalid_scope for an
// agent and granted to an administrator; a request without scope gives an administrator
// all the client's scopes (R-AUTHZ-7). What an agent gets without scope is
// TestAuthorizeWithoutScope's.
func TestAuthorizeAdministratorOnlyScope(t *testing.T) {
	for _, tt := range []struct {
		name         string
		query        url.Values
		scopes       string // root's code scopes
		agentRefused bool
	}{
		{"requested", authzQuery(url.Values{"scope": {"agents--all:rw chats--my:ro"}}), "agents--all:rw chats--my:ro", true},
		{"no scope parameter", authzQuery(nil, "scope"), "agents--all:rw chats--all:ro chats--all:rw chats--my:ro customers:own", false},
	} {
		for _, mode := range errorModes {
			t.Run(tt.name+", "+mode.name, func(t *testing.T) {
				e := newEnv(t, mode.mutate)
				if tt.agentRefused {
					alice := e.browser()
					alice.signedInAs("alice@example.com", alicePW)
					wantAuthzError(t, e, mode.name != "to client", alice.getOnce("/?"+tt.query.Encode()), "invalid_scope", "st-1")
				}

				p := e.browser().authorize(e.authURL(tt.query), "root@example.com", rootPW, "allow")
				cb := clientRedirect(t, p, http.StatusSeeOther, confRedirect)
				if c := e.storedCode(cb.Get("code")); c.AccountID != rootID || strings.Join(c.Scopes, " ") != tt.scopes {
					t.Fatalf("root's code = %+v, want scopes %s", c, tt.scopes)
				}
			})
		}
	}
}

// TestAuthorizeMalformedQuery: a query that cannot be parsed unambiguously cannot trust its
// client or redirect URI either: invalid_request on the error page (R-AUTHZ-2, R-ERR-2).
func TestAuthorizeMalformedQuery(t *testing.T) {
	valid := authzQuery(nil).Encode()
	e := newEnv(t)
	for _, raw := range []string{
		valid + ";state=x",
		"client_id=conf-app;redirect_uri=" + url.QueryEscape(confRedirect) + "&response_type=code",
		valid + "&state=%zz",
		"client_id=conf%2&" + valid,
	} {
		t.Run(raw, func(t *testing.T) {
			p := e.browser().getOnce("/?" + raw)
			wantQuery(t, errorPageRedirect(t, p, http.StatusFound), map[string]string{"oauth_exception": "invalid_request"})
		})
	}
}

// TestAuthorizePKCE: code_challenge is 43–128 characters of [A-Za-z0-9-._~];
// code_challenge_method is S256 or plain, case-insensitive, default plain; a method
// without a challenge is refused (R-AUTHZ-4, RFC 7636 §4.2–4.3).
func TestAuthorizePKCE(t *testing.T) {
	okChars := "AZaz09-._~"
	tests := []struct {
		name, challenge, method string
		wantMethod              string // "" means invalid_request
	}{
		{"43 chars, no method: plain", strings.Repeat("a", 43), "", "plain"},
		{"128 chars, every allowed character", okChars + strings.Repeat("b", 118), "", "plain"},
		{"S256", rfcChallenge, "S256", "S256"},
		{"s256 lower case, as the seed writes it", rfcChallenge, "s256", "S256"},
		{"PLAIN upper case", strings.Repeat("c", 43), "PLAIN", "plain"},
		{"42 chars", strings.Repeat("a", 42), "S256", ""},
		{"129 chars", strings.Repeat("a", 129), "plain", ""},
		{"plus", strings.Repeat("a", 42) + "+", "", ""},
		{"slash", strings.Repeat("a", 42) + "/", "S256", ""},
		{"padding", strings.Repeat("a", 42) + "=", "S256", ""},
		{"space", strings.Repeat("a", 21) + " " + strings.Repeat("a", 21), "", ""},
		{"non-ASCII", strings.Repeat("a", 42) + "é", "", ""},
		{"unknown method", rfcChallenge, "sha256", ""},
		{"method none", rfcChallenge, "none", ""},
		{"S256 without challenge", "", "S256", ""},
		{"plain without challenge", "", "plain", ""},
	}
	e := newEnv(t)
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := authzQuery(url.Values{"code_challenge": {tt.challenge}, "code_challenge_method": {tt.method}})
			p := b.authorize(e.authURL(q), "", "", "allow")
			cb := callback(t, p, confRedirect)
			if tt.wantMethod == "" {
				wantClientError(t, e, cb, "invalid_request", "st-1")
				return
			}
			c := e.storedCode(cb.Get("code"))
			if c.CodeChallenge != tt.challenge || c.CodeChallengeMethod != tt.wantMethod {
				t.Fatalf("stored challenge %q method %q, want %q %q", c.CodeChallenge, c.CodeChallengeMethod, tt.challenge, tt.wantMethod)
			}
		})
	}
}

// TestAuthorizeRequireS256: with RequireS256 the plain method, explicit or by default, is
// refused (R-AUTHZ-4).
func TestAuthorizeRequireS256(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Policy.RequireS256 = true })
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)
	for _, tt := range []struct {
		name, challenge, method string
		ok                      bool
	}{
		{"plain", strings.Repeat("a", 43), "plain", false},
		{"default method", strings.Repeat("a", 43), "", false},
		{"S256", rfcChallenge, "S256", true},
		{"s256", rfcChallenge, "s256", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := authzQuery(url.Values{"code_challenge": {tt.challenge}, "code_challenge_method": {tt.method}})
			cb := callback(t, b.authorize(e.authURL(q), "", "", "allow"), confRedirect)
			if !tt.ok {
				wantClientError(t, e, cb, "invalid_request", "st-1")
				return
			}
			if c := e.storedCode(cb.Get("code")); c.CodeChallengeMethod != "S256" {
				t.Fatalf("stored method %q, want S256", c.CodeChallengeMethod)
			}
		})
	}
}

// TestAuthorizeSignInReturnsToRequest: an unauthenticated request is sent to sign in and,
// after a failed and a successful attempt, returned to the very same request, state and
// PKCE challenge included (R-AUTHZ-5, R-AUTHZ-3, R-AUTHZ-8).
func TestAuthorizeSignInReturnsToRequest(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	q := authzQuery(url.Values{"scope": {"chats--my:ro"}, "state": {"keep me/ &é"}, "code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}})
	request := "/?" + q.Encode()

	u := redirectLocation(t, b.getOnce(request), http.StatusFound)
	if u.Path != "/login" || u.Query().Get("return_to") != request {
		t.Fatalf("unauthenticated request sent to %q, want /login?return_to=%s", u, request)
	}
	login := b.get(u.String())
	if !isLoginPage(login) {
		t.Fatalf("not a login page:\n%s", login.body)
	}
	if _, f := pageForm(t, login, nil); f.Get("return_to") != request {
		t.Fatalf("login form return_to = %q, want %q", f.Get("return_to"), request)
	}

	// A wrong password keeps the way back.
	failed := redirectLocation(t, b.submitOnce(login, url.Values{"email": {"alice@example.com"}, "password": {"wrong"}}, nil), http.StatusSeeOther)
	if failed.Path != "/old-login" || failed.Query().Get("return_to") != request {
		t.Fatalf("failed sign-in sent to %q", failed)
	}
	login = b.get(failed.String())

	back := redirectLocation(t, b.submitOnce(login, url.Values{"email": {"alice@example.com"}, "password": {alicePW}}, nil), http.StatusSeeOther)
	if back.String() != request {
		t.Fatalf("after sign-in sent to %q, want %q", back, request)
	}
	consent := b.get(back.String())
	if !isConsentPage(consent) {
		t.Fatalf("not a consent page:\n%s", consent.body)
	}
	cb := callback(t, b.submit(consent, url.Values{"decision": {"allow"}}), confRedirect)
	if cb.Get("state") != "keep me/ &é" || cb.Get("iss") != e.srv.URL {
		t.Fatalf("callback %v lost state or iss", cb)
	}
	c := e.storedCode(cb.Get("code"))
	if c.AccountID != aliceID || c.ClientID != confID || c.RedirectURI != confRedirect ||
		strings.Join(c.Scopes, " ") != "chats--my:ro" || c.CodeChallenge != rfcChallenge || c.CodeChallengeMethod != "S256" {
		t.Fatalf("code is not bound to the original request: %+v", c)
	}
}
