package registration_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
)

// Registration is off unless Config.Registration is set: nothing is served, nothing
// advertised.
func TestOffByDefault(t *testing.T) {
	e := newEnv(t, options{noRegistration: true})
	if r := e.register(mcpClient()); r.status != http.StatusNotFound {
		t.Errorf("POST /register without Config.Registration: %d, want 404", r.status)
	}
	md := e.do(http.MethodGet, "/.well-known/oauth-authorization-server", nil).json(t)
	if v, ok := md["registration_endpoint"]; ok {
		t.Errorf("metadata names registration_endpoint %v without Config.Registration", v)
	}
}

// The metadata advertises the registration endpoint, at Paths.Registration.
func TestMetadataAdvertises(t *testing.T) {
	e := newEnv(t, options{})
	md := e.do(http.MethodGet, "/.well-known/oauth-authorization-server", nil).json(t)
	if got, want := md["registration_endpoint"], e.issuer+"/register"; got != want {
		t.Errorf("registration_endpoint = %v, want %s", got, want)
	}
	e = newEnv(t, options{flows: func(c *flows.Config) { c.Paths.Registration = "/oauth/clients" }})
	md = e.do(http.MethodGet, "/.well-known/oauth-authorization-server", nil).json(t)
	if got, want := md["registration_endpoint"], e.issuer+"/oauth/clients"; got != want {
		t.Errorf("registration_endpoint = %v, want %s", got, want)
	}
	reg := e.mustRegister(mcpClient())
	if want := e.issuer + "/oauth/clients/" + reg.ClientID; reg.RegistrationClientURI != want {
		t.Errorf("registration_client_uri = %s, want %s", reg.RegistrationClientURI, want)
	}
}

// A path that collides with another endpoint fails flows.New.
func TestPathCollision(t *testing.T) {
	reg, err := registration.New(registration.Config{Storage: newEnv(t, options{noRegistration: true}).st, Access: registration.Open()})
	must(t, err)
	e := newEnv(t, options{noRegistration: true})
	cfg := e.srv.Config()
	cfg.Registration = reg
	cfg.Paths.Registration = cfg.Paths.Token
	if _, err := flows.New(cfg); err == nil || !strings.Contains(err.Error(), "cannot be served") {
		t.Errorf("flows.New with Paths.Registration = Paths.Token: %v, want a collision", err)
	}
	// A Registrar serves one server (here the one whose New failed after binding it).
	cfg.Paths.Registration = ""
	if _, err := flows.New(cfg); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("flows.New with a Registrar bound to another server: %v", err)
	}
	if err := buildError(t, options{flows: func(c *flows.Config) { c.Paths.Registration = "/" }}); err == nil ||
		!strings.Contains(err.Error(), "Paths.Registration") {
		t.Errorf("flows.New with Paths.Registration = /: %v", err)
	}
}

// What an MCP client sends registers a public client: a new client_id, no secret, a
// registration access token, its configuration URI, the metadata as registered, never
// cached; the stored record is public, requires PKCE, holds only hashes and expires when
// unused.
func TestRegisterPublic(t *testing.T) {
	e := newEnv(t, options{})
	r := e.register(mcpClient())
	if r.status != http.StatusCreated {
		t.Fatalf("registration: %d %s, want 201", r.status, r.body)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Content-Type": "application/json"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	body := r.json(t)
	for _, absent := range []string{"client_secret", "client_secret_expires_at"} {
		if _, ok := body[absent]; ok {
			t.Errorf("a public client's registration answers %s", absent)
		}
	}
	reg := e.mustRegister(mcpClient())
	if _, err := url.Parse(reg.ClientID); err != nil || reg.ClientID == "" {
		t.Errorf("client_id %q", reg.ClientID)
	}
	want := registered{
		ClientID: reg.ClientID, ClientIDIssuedAt: t0.Unix(),
		RegistrationAccessToken: reg.RegistrationAccessToken,
		RegistrationClientURI:   e.issuer + "/register/" + reg.ClientID,
		RedirectURIs:            []string{loopbackCB}, TokenEndpointAuthMethod: "none",
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		ClientName: mcpName, Scope: "notes:ro notes:rw",
	}
	if d := cmp.Diff(want, reg); d != "" {
		t.Errorf("client information (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(reg.RegistrationAccessToken, "oak:reg_") || len(reg.RegistrationAccessToken) != len("oak:reg_")+43 {
		t.Errorf("registration_access_token %q: want oak:reg_ and 256 bits", reg.RegistrationAccessToken)
	}
	c, err := e.st.Client(t.Context(), reg.ClientID)
	must(t, err)
	switch {
	case !c.Public || !c.SecretHash.IsZero():
		t.Errorf("stored client: Public %v, SecretHash %v; want public, no secret", c.Public, c.SecretHash)
	case !c.RequirePKCE:
		t.Error("stored client does not require PKCE")
	case c.RegistrationHash != testHasher.Hash(reg.RegistrationAccessToken):
		t.Error("stored RegistrationHash is not the keyed hash of the registration access token")
	case c.UnusedLifetime != 30*24*time.Hour:
		t.Errorf("stored UnusedLifetime %v, want 30 days", c.UnusedLifetime)
	case c.Name != mcpName || !slices.Equal(c.Scopes, []string{"notes:ro", "notes:rw"}) || !slices.Equal(c.RedirectURIs, []string{loopbackCB}):
		t.Errorf("stored client %+v", c)
	case c.AllowImplicit || c.OrganizationID != "":
		t.Errorf("stored client allows implicit (%v) or is private (%q)", c.AllowImplicit, c.OrganizationID)
	}
	if strings.Contains(string(c.RegistrationMetadata), reg.RegistrationAccessToken) {
		t.Error("the stored metadata holds the registration access token")
	}
}

// Without token_endpoint_auth_method, RFC 7591's default client_secret_basic registers a
// confidential client, whose secret (shown once, never expiring) authenticates it at the
// server's endpoints; the record holds only its keyed hash.
func TestRegisterConfidential(t *testing.T) {
	e := newEnv(t, options{})
	for _, method := range []string{"", "client_secret_basic", "client_secret_post"} {
		m := with(mcpClient(), "token_endpoint_auth_method", nil)
		if method != "" {
			m["token_endpoint_auth_method"] = method
		}
		reg := e.mustRegister(m)
		want := method
		if want == "" {
			want = "client_secret_basic"
		}
		if reg.TokenEndpointAuthMethod != want {
			t.Errorf("%q: token_endpoint_auth_method %q, want %q", method, reg.TokenEndpointAuthMethod, want)
		}
		if len(reg.ClientSecret) != 43 || reg.ClientSecretExpiresAt == nil || *reg.ClientSecretExpiresAt != 0 {
			t.Errorf("%q: client_secret %q, client_secret_expires_at %v; want 256 bits, 0", method, reg.ClientSecret, reg.ClientSecretExpiresAt)
		}
		c, err := e.st.Client(t.Context(), reg.ClientID)
		must(t, err)
		if c.Public || c.SecretHash != testHasher.Hash(reg.ClientSecret) || !c.RequirePKCE {
			t.Errorf("%q: stored client Public %v, RequirePKCE %v, secret hash matches %v", method, c.Public, c.RequirePKCE, c.SecretHash == testHasher.Hash(reg.ClientSecret))
		}
		if strings.Contains(string(c.RegistrationMetadata), reg.ClientSecret) {
			t.Errorf("%q: the stored metadata holds the client secret", method)
		}
		// The secret works: introspection answers a client that authenticates.
		ok := e.do(http.MethodPost, "/introspect", "token=nothing", "Content-Type", "application/x-www-form-urlencoded",
			"Authorization", basic(reg.ClientID, reg.ClientSecret))
		if ok.status != http.StatusOK {
			t.Errorf("%q: introspection with the registered secret: %d %s", method, ok.status, ok.body)
		}
		bad := e.do(http.MethodPost, "/introspect", "token=nothing", "Content-Type", "application/x-www-form-urlencoded",
			"Authorization", basic(reg.ClientID, reg.ClientSecret+"x"))
		if bad.status != http.StatusUnauthorized {
			t.Errorf("%q: introspection with a wrong secret: %d, want 401", method, bad.status)
		}
	}
}

// Every registration gets its own client_id, secret and registration access token.
func TestRegisterUnique(t *testing.T) {
	e := newEnv(t, options{})
	seen := map[string]bool{}
	for range 5 {
		reg := e.mustRegister(with(mcpClient(), "token_endpoint_auth_method", "client_secret_basic"))
		for _, v := range []string{reg.ClientID, reg.ClientSecret, reg.RegistrationAccessToken} {
			if seen[v] {
				t.Fatalf("%q issued twice", v)
			}
			seen[v] = true
		}
	}
}
