package flows_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// RFC 8707 resource indicators at the token endpoint (R-RES): the code grant, refresh,
// client_credentials, and what introspection says of the audience.

// resourceCodeForm is conf-app's token request for code, with resource parameters.
func resourceCodeForm(code string, resources ...string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}, "resource": resources}
}

// stored returns the record of the token string tok.
func (e *env) stored(tok string) store.Token {
	e.t.Helper()
	t, err := e.store.Token(context.Background(), e.hasher.Hash(tok), e.clock.Now())
	if err != nil {
		e.t.Fatalf("token not in the store: %v", err)
	}
	return t
}

// wantAudience fails unless the record of tok has the audience want.
func (e *env) wantAudience(what, tok string, want ...string) {
	e.t.Helper()
	if got := e.stored(tok).Audience; !slices.Equal(got, want) {
		e.t.Errorf("%s: audience %q, want %q", what, got, want)
	}
}

// wantTokenError fails unless the token endpoint answered status with the error code.
func wantTokenError(t *testing.T, resp *http.Response, body map[string]any, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || body["error"] != code {
		t.Fatalf("answer %d %v, want %d %s", resp.StatusCode, body, status, code)
	}
	if _, ok := body["access_token"]; ok {
		t.Fatalf("an error answer carries a token: %v", body)
	}
}

// TestResourceCodeExchange: at the token endpoint the code's resources are the limit
// (RFC 8707 §2.2): no resource gives them all; resources among them narrow the access
// token, while the refresh token keeps them all; any other is invalid_target, and the
// code stays redeemable.
func TestResourceCodeExchange(t *testing.T) {
	e := newEnv(t, withResources)

	all := e.mustToken(confID, resourceCodeForm(e.codeFor(url.Values{"resource": {resMCP, resAPI}})))
	e.wantAudience("no resource at the token endpoint", all.access, resMCP, resAPI)
	e.wantAudience("its refresh token", all.refresh, resMCP, resAPI)

	code := e.codeFor(url.Values{"resource": {resMCP, resAPI}})
	for _, tc := range []struct {
		name      string
		resources []string
	}{
		{"not in the authorization request", []string{resEvil}},
		{"one in, one out", []string{resAPI, resEvil}},
		{"malformed", []string{"https://api.example.com#x"}},
	} {
		resp, body := e.tokenAs(confID, resourceCodeForm(code, tc.resources...))
		wantTokenError(t, resp, body, http.StatusBadRequest, flows.ErrInvalidTarget)
		wantCacheNoStoreResp(t, resp)
	}
	narrow := e.mustToken(confID, resourceCodeForm(code, "https://API.example.com:443/"))
	e.wantAudience("narrowed to one", narrow.access, resAPI)
	e.wantAudience("the refresh token of a narrowed exchange", narrow.refresh, resMCP, resAPI)

	// A grant for no resource in particular cannot be narrowed to one: that would be a
	// resource the authorization request never named.
	plain := e.codeFor(nil)
	resp, body := e.tokenAs(confID, resourceCodeForm(plain, resMCP))
	wantTokenError(t, resp, body, http.StatusBadRequest, flows.ErrInvalidTarget)
	tok := e.mustToken(confID, resourceCodeForm(plain))
	e.wantAudience("no resource anywhere", tok.access)
}

// TestResourceJSONBody: a JSON token request names several resources as an array, one
// as a string; a key sent twice stays invalid_request.
func TestResourceJSONBody(t *testing.T) {
	e := newEnv(t, withResources)
	post := func(body string) (int, map[string]any) {
		r := e.apiDo(http.MethodPost, "/v2/token", body, hdrs(ctHdr("application/json"), basicHdr(confID, confSecret))...)
		return r.status, r.obj
	}
	code := e.codeFor(url.Values{"resource": {resMCP, resAPI}})
	base := `"grant_type":"authorization_code","code":"` + code + `","redirect_uri":"` + confRedirect + `"`
	if st, obj := post(`{` + base + `,"resource":"` + resMCP + `","resource":"` + resAPI + `"}`); st != http.StatusBadRequest || obj["error"] != flows.ErrInvalidRequest {
		t.Errorf("resource twice as a key: %d %v", st, obj)
	}
	st, obj := post(`{` + base + `,"resource":["` + resAPI + `","` + resMCP + `"]}`)
	at, _ := obj["access_token"].(string)
	if st != http.StatusOK || at == "" {
		t.Fatalf("resource as an array: %d %v", st, obj)
	}
	e.wantAudience("resource as an array", at, resAPI, resMCP)

	code = e.codeFor(url.Values{"resource": {resMCP, resAPI}})
	st, obj = post(`{"grant_type":"authorization_code","code":"` + code + `","redirect_uri":"` + confRedirect + `","resource":"` + resMCP + `"}`)
	if at, _ = obj["access_token"].(string); st != http.StatusOK {
		t.Fatalf("resource as a string: %d %v", st, obj)
	}
	e.wantAudience("resource as a string", at, resMCP)
}

// TestResourceRefresh: a refresh may narrow the grant's resources, never widen them; a
// rotated refresh token keeps the grant's resources, so a later refresh may name another
// of them.
func TestResourceRefresh(t *testing.T) {
	e := newEnv(t, withResources)
	for _, clientID := range []string{confID, pubID} {
		t.Run(clientID, func(t *testing.T) {
			rt := e.tokensForResources(clientID, resMCP, resAPI).refresh
			refresh := func(resources ...string) (*http.Response, map[string]any) {
				return e.tokenAs(clientID, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "resource": resources})
			}
			for _, widen := range [][]string{{resEvil}, {resMCP, resEvil}, {"not a uri"}} {
				resp, body := refresh(widen...)
				wantTokenError(t, resp, body, http.StatusBadRequest, flows.ErrInvalidTarget)
			}
			next := func(resources ...string) string {
				t.Helper()
				resp, body := refresh(resources...)
				at, _ := body["access_token"].(string)
				if resp.StatusCode != http.StatusOK || at == "" {
					t.Fatalf("refresh with resource %q: %d %v", resources, resp.StatusCode, body)
				}
				if r, _ := body["refresh_token"].(string); r != "" {
					rt = r // a public client's rotates
				}
				return at
			}
			e.wantAudience("narrowed to the MCP server", next(resMCP), resMCP)
			e.wantAudience("the refresh token after a narrowed refresh", rt, resMCP, resAPI)
			e.wantAudience("then to the API", next(resAPI), resAPI)
			e.wantAudience("then no resource: the grant's", next(), resMCP, resAPI)
		})
	}
}

// tokensForResources is tokensFor(clientID, alice) whose authorization request names
// resources.
func (e *env) tokensForResources(clientID string, resources ...string) tokenPair {
	e.t.Helper()
	q := authzQuery(url.Values{"client_id": {clientID}, "resource": resources})
	redirect := confRedirect
	if clientID == pubID {
		redirect = pubRedirect
		q.Set("redirect_uri", pubRedirect)
		q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
		q.Set("code_challenge_method", "S256")
	}
	p := e.browser().authorize(e.authURL(q), acctAlice.login, acctAlice.pw, "allow")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {callback(e.t, p, redirect).Get("code")}, "redirect_uri": {redirect}}
	if clientID == pubID {
		form.Set("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") // RFC 7636 Appendix B
	}
	return e.mustToken(clientID, form)
}

// TestResourceRefreshPolicy: a refresh asks the policy again: a resource taken from the
// client since the grant is dropped from the new token, and a grant left with none is
// invalid_target, never a token without audience.
func TestResourceRefreshPolicy(t *testing.T) {
	var revoked atomic.Bool
	e := newEnv(t, withResources, func(c *flows.Config) {
		c.Policy.AllowResource = func(_ context.Context, client store.Client, resource string) (bool, error) {
			return resource == resTenant && !revoked.Load(), nil
		}
	})
	both := e.tokensForResources(confID, resTenant, resMCP)
	only := e.tokensForResources(confID, resTenant)
	revoked.Store(true)
	e.wantAudience("after the policy took the tenant", e.mustRefresh(confID, both.refresh).access, resMCP)
	resp, body := e.refreshAs(confID, only.refresh)
	wantTokenError(t, resp, body, http.StatusBadRequest, flows.ErrInvalidTarget)
}

// TestResourceDefaultAtTokenEndpoint: with DefaultResource, tokens asked for no resource
// are for it, those of grants made before it was set included, at their next refresh.
func TestResourceDefaultAtTokenEndpoint(t *testing.T) {
	e := newEnv(t, withClientCredentials, func(c *flows.Config) { c.DefaultResource = resMCP })
	e.wantAudience("client_credentials", e.ccToken(confID), resMCP)
	e.wantAudience("code", e.mustToken(confID, resourceCodeForm(e.codeFor(nil))).access, resMCP)

	// A grant without audience, as one made before DefaultResource was set.
	old := e.mustToken(confID, resourceCodeForm(e.codeFor(nil)))
	rec := e.stored(old.refresh)
	if err := e.store.RevokeToken(context.Background(), rec.ID); err != nil {
		t.Fatal(err)
	}
	rec.Audience, rec.Hash, rec.ID = nil, e.hasher.Hash("oak:rt_legacy"), "legacy-refresh"
	if err := e.store.IssueTokens(context.Background(), e.clock.Now(), store.Issue{Tokens: []store.Token{rec}}); err != nil {
		t.Fatal(err)
	}
	e.wantAudience("refresh of a grant without audience", e.mustRefresh(confID, "oak:rt_legacy").access, resMCP)
}

// TestResourceClientCredentials: client_credentials takes resource parameters under the
// same policy as the authorization endpoint.
func TestResourceClientCredentials(t *testing.T) {
	e := newEnv(t, withClientCredentials, withResources, withTenantPolicy)
	at := e.mustToken(confID, url.Values{"grant_type": {"client_credentials"}, "resource": {resAPI, resTenant}}).access
	e.wantAudience("allowed resources", at, resAPI, resTenant)
	e.wantAudience("no resource", e.ccToken(confID))
	for _, tc := range []struct {
		client string
		res    string
	}{{confID, resEvil}, {privID, resTenant}, {confID, "relative/path"}} {
		resp, body := e.tokenAs(tc.client, url.Values{"grant_type": {"client_credentials"}, "resource": {tc.res}})
		wantTokenError(t, resp, body, http.StatusBadRequest, flows.ErrInvalidTarget)
	}
}

// TestResourceIntrospection: introspection's aud is the token's audience, a string for
// one resource and an array for several (RFC 7662 §2.2, RFC 7519 §4.1.3), absent for
// none; flows.IntrospectionResponse reads both forms.
func TestResourceIntrospection(t *testing.T) {
	e := newEnv(t, withResources)
	for _, tc := range []struct {
		resources []string
		raw       string // the aud member as sent, "" for absent
	}{
		{nil, ""},
		{[]string{resMCP}, `"aud":"` + resMCP + `"`},
		{[]string{resMCP, resAPI}, `"aud":["` + resMCP + `","` + resAPI + `"]`},
	} {
		tok := e.mustToken(confID, resourceCodeForm(e.codeFor(url.Values{"resource": tc.resources})))
		r := e.introspectAs(confID, confSecret, tok.access)
		if got := strings.Contains(r.raw, `"aud"`); got != (tc.raw != "") || !strings.Contains(r.raw, tc.raw) {
			t.Errorf("introspection of a token for %q = %s, want %s", tc.resources, r.raw, tc.raw)
		}
		var ir flows.IntrospectionResponse
		if err := json.Unmarshal([]byte(r.raw), &ir); err != nil || !slices.Equal(ir.Audience, tc.resources) || !ir.Active {
			t.Errorf("decoded introspection = %+v, %v; want audience %q", ir, err, tc.resources)
		}
	}
}

// wantCacheNoStoreResp checks a token-endpoint answer is not cacheable.
func wantCacheNoStoreResp(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}
}

// TestResourceImplicit: the implicit grant's token is bound to the resources of the
// authorization request too.
func TestResourceImplicit(t *testing.T) {
	e := newEnv(t, withResources)
	withImplicitClient(e)
	q := url.Values{"response_type": {"token"}, "client_id": {impID}, "redirect_uri": {pubRedirect},
		"scope": {"chats--my:ro"}, "state": {"imp-state"}, "resource": {resAPI, resMCP}}
	p := e.browser().authorize(e.authURL(q), acctAlice.login, acctAlice.pw, "allow")
	e.wantAudience("implicit", fragment(t, p, pubRedirect).Get("access_token"), resAPI, resMCP)
}

// TestResourceCustomerToken: a customer token minted with a token bound to resources is
// bound to the same ones: it cannot widen its minter's audience.
func TestResourceCustomerToken(t *testing.T) {
	e := newEnv(t, withResources)
	at := e.mustToken(confID, resourceCodeForm(e.codeFor(url.Values{"resource": {resMCP}}))).access
	ct, _ := e.newCustomerToken(at)
	e.wantAudience("customer token", ct, resMCP)
}
