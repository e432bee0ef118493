package registration_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
)

// refusal is a registration the server must refuse, and how.
type refusal struct {
	name     string
	metadata any
	status   int
	code     string
}

func checkRefusals(t *testing.T, e *env, cases []refusal) {
	t.Helper()
	before := e.puts.Load()
	for _, c := range cases {
		r := e.register(c.metadata)
		status := c.status
		if status == 0 {
			status = http.StatusBadRequest
		}
		wantError(t, c.name, r, status, c.code)
	}
	// Nothing refused was stored.
	if n := e.puts.Load() - before; n != 0 {
		t.Errorf("%d clients were stored by refused requests", n)
	}
}

// Redirect URIs: required for the code grant, valid by package redirecturi's rules, https,
// a private-use scheme, or http on a loopback host only, bounded in number.
func TestRedirectURIRules(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) { c.Limits.Registrations = flows.NoLimit }})
	uris := func(u ...string) map[string]any { return with(mcpClient(), "redirect_uris", u) }
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "https://app.example/cb" + strings.Repeat("x", i)
	}
	checkRefusals(t, e, []refusal{
		{"missing", with(mcpClient(), "redirect_uris", nil), 0, registration.ErrInvalidRedirectURI},
		{"empty", with(mcpClient(), "redirect_uris", []string{}), 0, registration.ErrInvalidRedirectURI},
		{"not an array", with(mcpClient(), "redirect_uris", loopbackCB), 0, registration.ErrInvalidRedirectURI},
		{"not strings", with(mcpClient(), "redirect_uris", []int{1}), 0, registration.ErrInvalidRedirectURI},
		{"http elsewhere", uris("http://app.example/cb"), 0, registration.ErrInvalidRedirectURI},
		{"http on a private address", uris("http://10.0.0.1/cb"), 0, registration.ErrInvalidRedirectURI},
		{"javascript", uris("javascript:alert(1)"), 0, registration.ErrInvalidRedirectURI},
		{"data", uris("data:text/html,x"), 0, registration.ErrInvalidRedirectURI},
		{"fragment", uris("https://app.example/cb#x"), 0, registration.ErrInvalidRedirectURI},
		{"query", uris("https://app.example/cb?x=1"), 0, registration.ErrInvalidRedirectURI},
		{"userinfo", uris("https://user@app.example/cb"), 0, registration.ErrInvalidRedirectURI},
		{"traversal", uris("https://app.example/a/../cb"), 0, registration.ErrInvalidRedirectURI},
		{"relative", uris("/cb"), 0, registration.ErrInvalidRedirectURI},
		{"control character", uris("https://app.example/c\x01b"), 0, registration.ErrInvalidRedirectURI},
		{"one bad among good", uris("https://app.example/cb", "http://evil.example/cb"), 0, registration.ErrInvalidRedirectURI},
		{"too many", uris(eleven...), 0, registration.ErrInvalidRedirectURI},
	})
	for _, ok := range [][]string{
		{"http://127.0.0.1/callback"}, {"http://127.0.0.1:33418/cb"}, {"http://[::1]/cb"}, {"http://localhost:8080/cb"},
		{"https://app.example/cb", "https://app.example/cb", "com.example.app:/oauth2redirect"}, {"cursor://anysphere.cursor-mcp/oauth/callback"},
		eleven[:10],
	} {
		reg := e.mustRegister(uris(ok...))
		if want := slices.Compact(slices.Clone(ok)); !slices.Equal(reg.RedirectURIs, want) {
			t.Errorf("redirect_uris %v registered as %v, want %v", ok, reg.RedirectURIs, want)
		}
	}
}

// Grant and response types: within the allowance, consistent (authorization_code ⇔ code),
// listed as the server honours them.
func TestGrantTypeRules(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) { c.Limits.Registrations = flows.NoLimit }})
	gt := func(g ...string) map[string]any { return with(mcpClient(), "grant_types", g) }
	checkRefusals(t, e, []refusal{
		{"implicit", gt("implicit"), 0, registration.ErrInvalidClientMetadata},
		{"password", gt("authorization_code", "password"), 0, registration.ErrInvalidClientMetadata},
		{"device code", gt("urn:ietf:params:oauth:grant-type:device_code"), 0, registration.ErrInvalidClientMetadata},
		{"refresh alone", gt("refresh_token"), 0, registration.ErrInvalidClientMetadata},
		{"empty", with(mcpClient(), "grant_types", []string{}), 0, registration.ErrInvalidClientMetadata},
		{"client_credentials not allowed", with(gt("client_credentials"), "token_endpoint_auth_method", "client_secret_basic",
			"redirect_uris", nil, "response_types", nil), 0, registration.ErrInvalidClientMetadata},
		{"response type token", with(mcpClient(), "response_types", []string{"code", "token"}), 0, registration.ErrInvalidClientMetadata},
		{"response type id_token", with(mcpClient(), "response_types", []string{"id_token"}), 0, registration.ErrInvalidClientMetadata},
		{"response types empty with the code grant", with(mcpClient(), "response_types", []string{}), 0, registration.ErrInvalidClientMetadata},
		{"grant types not strings", with(mcpClient(), "grant_types", "authorization_code"), 0, registration.ErrInvalidClientMetadata},
	})
	// The RFC 7591 default, and authorization_code alone: the server's code grant issues a
	// refresh token, so it is listed.
	for _, m := range []map[string]any{with(mcpClient(), "grant_types", nil, "response_types", nil), gt("authorization_code")} {
		reg := e.mustRegister(m)
		if !slices.Equal(reg.GrantTypes, []string{"authorization_code", "refresh_token"}) || !slices.Equal(reg.ResponseTypes, []string{"code"}) {
			t.Errorf("%v registered grant_types %v, response_types %v", m["grant_types"], reg.GrantTypes, reg.ResponseTypes)
		}
	}
}

// With the client_credentials grant on at the server, a confidential client could use it
// whatever it registered: such clients register only where the allowance has it, and then
// their grant_types say so; public clients never get it.
func TestClientCredentialsGrant(t *testing.T) {
	cc := func(c *flows.Config) { c.Policy.ClientCredentials = true }
	e := newEnv(t, options{flows: cc})
	confidential := with(mcpClient(), "token_endpoint_auth_method", "client_secret_basic")
	wantError(t, "confidential, the allowance without client_credentials", e.register(confidential), http.StatusBadRequest, registration.ErrInvalidClientMetadata)
	if reg := e.mustRegister(mcpClient()); slices.Contains(reg.GrantTypes, "client_credentials") {
		t.Errorf("a public client registered grant_types %v", reg.GrantTypes)
	}

	e = newEnv(t, options{flows: cc, reg: func(c *registration.Config) {
		c.GrantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}
	}})
	reg := e.mustRegister(confidential)
	if want := []string{"authorization_code", "refresh_token", "client_credentials"}; !slices.Equal(reg.GrantTypes, want) {
		t.Errorf("confidential client: grant_types %v, want %v", reg.GrantTypes, want)
	}
	machine := e.mustRegister(map[string]any{"token_endpoint_auth_method": "client_secret_post", "grant_types": []string{"client_credentials"}})
	if !slices.Equal(machine.GrantTypes, []string{"client_credentials"}) || len(machine.ResponseTypes) != 0 || len(machine.RedirectURIs) != 0 {
		t.Errorf("client_credentials client: %+v", machine)
	}
	tok := e.do(http.MethodPost, "/v2/token", "grant_type=client_credentials&client_id="+machine.ClientID+"&client_secret="+machine.ClientSecret,
		"Content-Type", "application/x-www-form-urlencoded")
	if tok.status != http.StatusOK {
		t.Errorf("client_credentials with the registered secret: %d %s", tok.status, tok.body)
	}
	wantError(t, "redirect_uris without the code grant", e.register(map[string]any{"token_endpoint_auth_method": "client_secret_post",
		"grant_types": []string{"client_credentials"}, "redirect_uris": []string{"https://app.example/cb"}}),
		http.StatusBadRequest, registration.ErrInvalidRedirectURI)
	wantError(t, "response_types code without the code grant", e.register(map[string]any{"token_endpoint_auth_method": "client_secret_post",
		"grant_types": []string{"client_credentials"}, "response_types": []string{"code"}}),
		http.StatusBadRequest, registration.ErrInvalidClientMetadata)
	wantError(t, "public client with client_credentials", e.register(with(mcpClient(), "grant_types", []string{"authorization_code", "client_credentials"})),
		http.StatusBadRequest, registration.ErrInvalidClientMetadata)

	// Configurations that cannot be honoured fail at construction.
	for name, o := range map[string]options{
		"client_credentials without the server's policy": {reg: func(c *registration.Config) {
			c.GrantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}
		}},
		"confidential only, client_credentials on, not allowed": {flows: cc, reg: func(c *registration.Config) {
			c.AuthMethods = []string{"client_secret_basic"}
		}},
	} {
		if err := buildError(t, o); err == nil {
			t.Errorf("%s: flows.New succeeded", name)
		}
	}
	for name, rc := range map[string]registration.Config{
		"code without refresh":  {GrantTypes: []string{"authorization_code"}},
		"unknown grant type":    {GrantTypes: []string{"authorization_code", "refresh_token", "implicit"}},
		"unknown auth method":   {AuthMethods: []string{"private_key_jwt"}},
		"empty grant types":     {GrantTypes: []string{}},
		"negative lifetime":     {UnusedClientLifetime: -2},
		"huge body":             {Limits: registration.Limits{BodyBytes: 1 << 30}},
		"no access":             {Access: registration.Access{}},
		"negative registration": {Limits: registration.Limits{Registrations: -5}},
	} {
		if name != "no access" {
			rc.Access = registration.Open()
		}
		rc.Storage = e.st
		if _, err := registration.New(rc); err == nil {
			t.Errorf("%s: registration.New succeeded", name)
		}
	}
}

// Token endpoint authentication: only the methods the server supports, within the
// allowance.
func TestAuthMethodRules(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) { c.Limits.Registrations = flows.NoLimit }})
	checkRefusals(t, e, []refusal{
		{"private_key_jwt", with(mcpClient(), "token_endpoint_auth_method", "private_key_jwt"), 0, registration.ErrInvalidClientMetadata},
		{"client_secret_jwt", with(mcpClient(), "token_endpoint_auth_method", "client_secret_jwt"), 0, registration.ErrInvalidClientMetadata},
		{"tls_client_auth", with(mcpClient(), "token_endpoint_auth_method", "tls_client_auth"), 0, registration.ErrInvalidClientMetadata},
		{"not a string", with(mcpClient(), "token_endpoint_auth_method", true), 0, registration.ErrInvalidClientMetadata},
		{"with a space", with(mcpClient(), "token_endpoint_auth_method", "none "), 0, registration.ErrInvalidClientMetadata},
	})
	e = newEnv(t, options{reg: func(c *registration.Config) { c.AuthMethods = []string{"none"} }})
	wantError(t, "the default client_secret_basic, public clients only", e.register(with(mcpClient(), "token_endpoint_auth_method", nil)),
		http.StatusBadRequest, registration.ErrInvalidClientMetadata)
	e.mustRegister(mcpClient())
}

// Scopes: the names asked for that the allowance holds (never administrator-only ones or
// the personal tokens scope); all of the allowance when none is asked for; refused when
// none asked for may be registered or a name is malformed.
func TestScopeRules(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) { c.Limits.Registrations = flows.NoLimit }})
	for scope, want := range map[string]string{
		"notes:ro":                              "notes:ro",
		"notes:rw notes:ro notes:ro":            "notes:ro notes:rw",
		"notes:ro admin:rw":                     "notes:ro",
		"notes:ro " + flows.PersonalTokensScope: "notes:ro",
		"notes:ro unknown:scope openid":         "notes:ro",
		"  notes:ro  ":                          "notes:ro",
		"":                                      "notes:ro notes:rw",
		"admin:rw notes:rw " + flows.PersonalTokensScope: "notes:rw",
	} {
		reg := e.mustRegister(with(mcpClient(), "scope", scope))
		if reg.Scope != want {
			t.Errorf("scope %q registered %q, want %q", scope, reg.Scope, want)
		}
		c, err := e.st.Client(t.Context(), reg.ClientID)
		must(t, err)
		if strings.Join(c.Scopes, " ") != want {
			t.Errorf("scope %q stored %v, want %q", scope, c.Scopes, want)
		}
	}
	if reg := e.mustRegister(with(mcpClient(), "scope", nil)); reg.Scope != "notes:ro notes:rw" {
		t.Errorf("no scope registered %q, want the allowance", reg.Scope)
	}
	checkRefusals(t, e, []refusal{
		{"only administrator-only", with(mcpClient(), "scope", "admin:rw"), 0, registration.ErrInvalidClientMetadata},
		{"only personal tokens", with(mcpClient(), "scope", flows.PersonalTokensScope), 0, registration.ErrInvalidClientMetadata},
		{"only unknown", with(mcpClient(), "scope", "calendar contacts"), 0, registration.ErrInvalidClientMetadata},
		{"comma-separated", with(mcpClient(), "scope", "notes:ro,notes:rw"), 0, registration.ErrInvalidClientMetadata},
		{"tab", with(mcpClient(), "scope", "notes:ro\tnotes:rw"), 0, registration.ErrInvalidClientMetadata},
		{"not a string", with(mcpClient(), "scope", []string{"notes:ro"}), 0, registration.ErrInvalidClientMetadata},
		{"too many", with(mcpClient(), "scope", strings.Repeat("notes:ro ", 101)), 0, registration.ErrInvalidClientMetadata},
	})

	// An allowance of its own, and defaults within it.
	e = newEnv(t, options{reg: func(c *registration.Config) {
		c.Scopes, c.DefaultScopes = []string{"notes:ro"}, []string{"notes:ro"}
	}})
	if reg := e.mustRegister(with(mcpClient(), "scope", "notes:ro notes:rw")); reg.Scope != "notes:ro" {
		t.Errorf("allowance notes:ro registered %q", reg.Scope)
	}
	for name, rc := range map[string]func(*registration.Config){
		"administrator-only": func(c *registration.Config) { c.Scopes = []string{"admin:rw"} },
		"personal tokens":    func(c *registration.Config) { c.Scopes = []string{flows.PersonalTokensScope} },
		"undeclared":         func(c *registration.Config) { c.Scopes = []string{"calendar"} },
		"defaults outside":   func(c *registration.Config) { c.Scopes, c.DefaultScopes = []string{"notes:ro"}, []string{"notes:rw"} },
	} {
		if err := buildError(t, options{reg: rc}); err == nil {
			t.Errorf("Config.Scopes %s: flows.New succeeded", name)
		}
	}
}
