package flows_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

// RFC 8707 resource indicators at the authorization endpoint (R-RES).

// The resources of the tests: two that every client may ask for, one that a policy
// allows to conf-app alone, and one nobody may have.
const (
	resMCP    = "https://mcp.example.com/mcp"
	resAPI    = "https://api.example.com"
	resTenant = "https://tenant.example.com/mcp"
	resEvil   = "https://evil.example/mcp"
)

// withResources lists resMCP and resAPI in Config.Resources.
func withResources(c *flows.Config) { c.Resources = []string{resMCP, resAPI} }

// withTenantPolicy allows resTenant to conf-app alone, through Policy.AllowResource.
func withTenantPolicy(c *flows.Config) {
	c.Policy.AllowResource = func(_ context.Context, client store.Client, resource string) (bool, error) {
		return client.ID == confID && resource == resTenant, nil
	}
}

// codeWithResources runs conf-app's authorization request as alice with the resource
// parameters given (repeated, in order) and returns the stored code.
func (e *env) codeWithResources(resources ...string) store.AuthorizationCode {
	e.t.Helper()
	return e.storedCode(e.codeFor(url.Values{"resource": resources}))
}

// TestResourceAuthorizeAccepted: resource parameters the client may ask for are stored
// on the code in canonical form, in the order sent, each once; repeating the parameter
// names several (RFC 8707 §2); an empty one is as if omitted.
func TestResourceAuthorizeAccepted(t *testing.T) {
	e := newEnv(t, withResources, withTenantPolicy)
	for _, tc := range []struct {
		name string
		sent []string
		want []string
	}{
		{"none", nil, nil},
		{"empty", []string{""}, nil},
		{"one", []string{resMCP}, []string{resMCP}},
		{"another spelling", []string{"HTTPS://MCP.Example.COM:443/mcp"}, []string{resMCP}},
		{"root path", []string{resAPI + "/"}, []string{resAPI}},
		{"two, in order", []string{resAPI, resMCP}, []string{resAPI, resMCP}},
		{"twice the same", []string{resMCP, "https://mcp.example.com:443/mcp", resAPI}, []string{resMCP, resAPI}},
		{"allowed by the policy", []string{resTenant, resMCP}, []string{resTenant, resMCP}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.codeWithResources(tc.sent...)
			if !slices.Equal(c.Resources, tc.want) {
				t.Errorf("code.Resources = %q, want %q", c.Resources, tc.want)
			}
		})
	}
}

// TestResourceAuthorizeRefused: a resource parameter that is no absolute http(s) URI
// without fragment, or that the client may not ask for, goes back to the client as
// invalid_target (RFC 8707 §2) with state and iss, before anyone signs in.
func TestResourceAuthorizeRefused(t *testing.T) {
	tooMany := make([]string, flows.MaxResources+1)
	for i := range tooMany {
		tooMany[i] = resMCP + "/" + strings.Repeat("x", i+1)
	}
	for _, tc := range []struct {
		name      string
		mutate    []any
		clientID  string
		resources []string
	}{
		{"not listed", []any{withResources}, confID, []string{resEvil}},
		{"one good, one not", []any{withResources}, confID, []string{resMCP, resEvil}},
		{"relative", []any{withResources}, confID, []string{"mcp.example.com/mcp"}},
		{"fragment", []any{withResources}, confID, []string{resMCP + "#frag"}},
		{"empty fragment", []any{withResources}, confID, []string{resMCP + "#"}},
		{"user information", []any{withResources}, confID, []string{"https://user@mcp.example.com/mcp"}},
		{"not http", []any{withResources}, confID, []string{"urn:example:mcp"}},
		{"dot segment", []any{withResources}, confID, []string{"https://mcp.example.com/x/../mcp"}},
		{"control character", []any{withResources}, confID, []string{resMCP + "\x00"}},
		{"too many", []any{withResources, func(c *flows.Config) { c.Resources = append(c.Resources, tooMany...) }}, confID, tooMany},
		{"none configured", nil, confID, []string{resMCP}},
		{"another client's", []any{withResources, withTenantPolicy}, privID, []string{resTenant}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.mutate...)
			q := authzQuery(url.Values{"client_id": {tc.clientID}, "resource": tc.resources})
			p := e.browser().getOnce("/?" + q.Encode())
			wantClientError(t, e, clientRedirect(t, p, http.StatusFound, confRedirect), flows.ErrInvalidTarget, "st-1")
		})
	}
}

// TestResourcePolicyFailure: a policy that cannot answer is temporarily_unavailable, never
// a silent yes or no.
func TestResourcePolicyFailure(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) {
		c.Policy.AllowResource = func(context.Context, store.Client, string) (bool, error) {
			return false, errors.New("policy database down")
		}
	})
	q := authzQuery(url.Values{"resource": {resTenant}})
	p := e.browser().getOnce("/?" + q.Encode())
	wantClientError(t, e, clientRedirect(t, p, http.StatusFound, confRedirect), flows.ErrTemporarilyUnavailable, "st-1")
}

// TestResourceConfigRefused: New fails on a configured resource that is no resource
// identifier.
func TestResourceConfigRefused(t *testing.T) {
	for _, mutate := range []func(*flows.Config){
		func(c *flows.Config) { c.Resources = []string{resMCP, "mcp.example.com"} },
		func(c *flows.Config) { c.Resources = []string{resMCP + "#x"} },
		func(c *flows.Config) { c.DefaultResource = "urn:mcp" },
	} {
		cfg := flows.Config{Issuer: "https://as.example", Storage: memstore.New(), Hasher: testHasher,
			Scopes: mustCatalog(t), Authenticator: nobody{}}
		mutate(&cfg)
		if _, err := flows.New(cfg); err == nil {
			t.Errorf("New accepted Resources %q, DefaultResource %q", cfg.Resources, cfg.DefaultResource)
		}
	}
}

// TestResourceDefault: with DefaultResource, a request that names no resource is for
// it, and every client may name it; naming others still needs them allowed.
func TestResourceDefault(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.DefaultResource = "https://MCP.example.com/mcp" })
	if c := e.codeWithResources(); !slices.Equal(c.Resources, []string{resMCP}) {
		t.Errorf("without resource: code.Resources = %q, want the default %q", c.Resources, resMCP)
	}
	if c := e.codeWithResources(resMCP); !slices.Equal(c.Resources, []string{resMCP}) {
		t.Errorf("naming the default: code.Resources = %q", c.Resources)
	}
	q := authzQuery(url.Values{"resource": {resAPI}})
	p := e.browser().getOnce("/?" + q.Encode())
	wantClientError(t, e, clientRedirect(t, p, http.StatusFound, confRedirect), flows.ErrInvalidTarget, "st-1")
}

// TestResourceMetadata: RFC 8414 has no member for resource indicators, so configuring
// resources changes nothing in the metadata; code_challenge_methods_supported, without
// which MCP clients refuse to go on, names S256.
func TestResourceMetadata(t *testing.T) {
	plain := newEnv(t).apiDo(http.MethodGet, "/.well-known/oauth-authorization-server", "")
	e := newEnv(t, withResources, withTenantPolicy, func(c *flows.Config) { c.DefaultResource = resMCP })
	r := e.apiDo(http.MethodGet, "/.well-known/oauth-authorization-server", "")
	methods, _ := r.obj["code_challenge_methods_supported"].([]any)
	if r.status != http.StatusOK || !slices.Contains(methods, any("S256")) {
		t.Fatalf("metadata %d: code_challenge_methods_supported = %v", r.status, r.obj["code_challenge_methods_supported"])
	}
	if want := strings.ReplaceAll(plain.raw, plain.s("issuer"), e.srv.URL); r.raw != want {
		t.Errorf("metadata with resources configured:\n%s\nwant, as without:\n%s", r.raw, want)
	}
}
