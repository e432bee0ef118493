package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

const impID = "imp-app"

// withImplicitClient adds imp-app: a public client that enables the implicit grant.
func withImplicitClient(e *env) {
	e.putClient(store.Client{ID: impID, Name: "Implicit App", Public: true, AllowImplicit: true,
		RedirectURIs: []string{pubRedirect}, Scopes: allScopes})
}

// fragment returns the parameters in the fragment of a redirect to the client, failing
// unless the redirect goes to redirect with an empty query.
func fragment(t *testing.T, p page, redirect string) url.Values {
	t.Helper()
	loc := p.Header.Get("Location")
	if p.StatusCode != http.StatusFound && p.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want a redirect; body:\n%s", p.StatusCode, p.body)
	}
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, redirect+"#") || u.RawQuery != "" {
		t.Fatalf("redirect to %q, want %s#... with nothing in the query", loc, redirect)
	}
	q, err := url.ParseQuery(u.Fragment)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestImplicitGrant: response_type=token for a client that enables it puts an access token
// in the fragment, never the query, with no refresh token (R-AUTHZ-1, R-AUTHZ-9).
func TestImplicitGrant(t *testing.T) {
	e := newEnv(t)
	withImplicitClient(e)
	q := url.Values{"response_type": {"token"}, "client_id": {impID}, "redirect_uri": {pubRedirect},
		"scope": {"chats--my:ro"}, "state": {"imp-state"}}
	p := e.browser().authorize(e.authURL(q), "alice@example.com", alicePW, "allow")
	f := fragment(t, p, pubRedirect)
	at := f.Get("access_token")
	wantQuery(t, f, map[string]string{"access_token": at, "token_type": "Bearer", "expires_in": "28800",
		"scope": "chats--my:ro", "state": "imp-state", "iss": e.srv.URL})
	if !strings.HasPrefix(at, "oak:at_") {
		t.Fatalf("access_token = %q", at)
	}
	// The token works at the info endpoint.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v2/info", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("info with the implicit token: %d", resp.StatusCode)
	}
}

// TestImplicitRefused: the implicit grant is refused for a client that does not enable it,
// and errors of an implicit request travel in the fragment (RFC 6749 §4.2.2.1).
func TestImplicitRefused(t *testing.T) {
	e := newEnv(t)
	withImplicitClient(e)
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)

	p := b.getOnce("/?" + url.Values{"response_type": {"token"}, "client_id": {pubID}, "redirect_uri": {pubRedirect}, "state": {"s"}}.Encode())
	f := fragment(t, p, pubRedirect)
	wantClientError(t, e, f, "unauthorized_client", "s")

	p = b.getOnce("/?" + url.Values{"response_type": {"token"}, "client_id": {impID}, "redirect_uri": {pubRedirect}, "scope": {"nope:ro"}, "state": {"s"}}.Encode())
	wantClientError(t, e, fragment(t, p, pubRedirect), "invalid_scope", "s")

	p = b.getOnce("/?" + url.Values{"response_type": {"token"}, "client_id": {impID}, "redirect_uri": {pubRedirect}, "state": {"s"}, "scope": {"a", "b"}}.Encode())
	wantClientError(t, e, fragment(t, p, pubRedirect), "invalid_request", "s")
}
