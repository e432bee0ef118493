package registration_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
)

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// GET of registration_client_uri with the registration access token returns the
// registration as registered (RFC 7592 §2.1): the token echoed, no secret; anything else
// is 401 invalid_token, the same for a wrong token, an unknown client and a client not
// registered dynamically.
func TestRead(t *testing.T) {
	e := newEnv(t, options{})
	reg := e.mustRegister(with(mcpClient(), "token_endpoint_auth_method", "client_secret_post", "client_uri", "https://app.example/"))
	r := e.do(http.MethodGet, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...)
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("read: %d, Cache-Control %q: %s", r.status, r.header.Get("Cache-Control"), r.body)
	}
	var got registered
	must(t, json.Unmarshal(r.body, &got))
	want := reg
	want.ClientSecret = "" // shown once, at registration
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("read (-registered +read):\n%s", d)
	}
	if r.json(t)["client_uri"] != "https://app.example/" {
		t.Errorf("client_uri not returned as registered: %s", r.body)
	}

	other := e.mustRegister(mcpClient())
	for name, req := range map[string][]string{
		"wrong token":            bearer(reg.RegistrationAccessToken + "x"),
		"another's token":        bearer(other.RegistrationAccessToken),
		"the client secret":      bearer(reg.ClientSecret),
		"Basic credentials":      {"Authorization", basic(reg.ClientID, reg.ClientSecret)},
		"an initial-style token": bearer("oak:reg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	} {
		wantError(t, name, e.do(http.MethodGet, reg.RegistrationClientURI, nil, req...), http.StatusUnauthorized, registration.ErrInvalidToken)
	}
	r = e.do(http.MethodGet, reg.RegistrationClientURI, nil)
	wantError(t, "no token", r, http.StatusUnauthorized, registration.ErrInvalidToken)
	if ch := r.header.Get("WWW-Authenticate"); ch != `Bearer realm="oauthkit"` {
		t.Errorf("no token: WWW-Authenticate %q", ch)
	}
	wantError(t, "unknown client", e.do(http.MethodGet, "/register/no-such-client", nil, bearer(reg.RegistrationAccessToken)...),
		http.StatusUnauthorized, registration.ErrInvalidToken)
	wantError(t, "a provisioned client", e.do(http.MethodGet, "/register/"+staticID, nil, bearer(reg.RegistrationAccessToken)...),
		http.StatusUnauthorized, registration.ErrInvalidToken)
	wantError(t, "a client ID with a control character", e.do(http.MethodGet, "/register/a%01b", nil, bearer(reg.RegistrationAccessToken)...),
		http.StatusUnauthorized, registration.ErrInvalidToken)
	wantError(t, "malformed header", e.do(http.MethodGet, reg.RegistrationClientURI, nil, "Authorization", "Bearer"),
		http.StatusBadRequest, flows.ErrInvalidRequest)
	// Deeper paths are no client.
	if r := e.do(http.MethodGet, reg.RegistrationClientURI+"/x", nil, bearer(reg.RegistrationAccessToken)...); r.status != http.StatusNotFound {
		t.Errorf("a path below a client: %d, want 404", r.status)
	}
}

// Methods: the registration endpoint takes POST, the client configuration endpoint GET,
// PUT and DELETE; others are 405 with Allow, in JSON.
func TestMethods(t *testing.T) {
	e := newEnv(t, options{})
	reg := e.mustRegister(mcpClient())
	for _, c := range []struct{ method, path, allow string }{
		{http.MethodGet, "/register", "POST"}, {http.MethodPut, "/register", "POST"}, {http.MethodDelete, "/register", "POST"},
		{http.MethodPost, "/register/" + reg.ClientID, "DELETE, GET, PUT"}, {http.MethodPatch, "/register/" + reg.ClientID, "DELETE, GET, PUT"},
	} {
		r := e.do(c.method, c.path, nil, bearer(reg.RegistrationAccessToken)...)
		wantError(t, c.method+" "+c.path, r, http.StatusMethodNotAllowed, flows.ErrInvalidRequest)
		if r.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, r.header.Get("Allow"), c.allow)
		}
	}
}

// PUT replaces the registration (RFC 7592 §2.2) with the same rules as a registration:
// the client keeps its ID, secret and token; the request must name the client; a secret
// sent must be the current one; a client cannot become public or confidential; members
// left out are removed.
func TestUpdate(t *testing.T) {
	e := newEnv(t, options{})
	reg := e.mustRegister(with(mcpClient(), "token_endpoint_auth_method", "client_secret_basic", "client_uri", "https://app.example/"))
	before, err := e.st.Client(t.Context(), reg.ClientID)
	must(t, err)
	e.clock.Advance(60e9)
	put := func(m map[string]any, tok string) response {
		return e.do(http.MethodPut, reg.RegistrationClientURI, m, bearer(tok)...)
	}
	upd := with(mcpClient(), "token_endpoint_auth_method", "client_secret_post", "client_id", reg.ClientID,
		"client_name", "Renamed", "redirect_uris", []string{"http://127.0.0.1:9000/cb", "https://app.example/cb"},
		"scope", "notes:ro", "registration_access_token", reg.RegistrationAccessToken, "client_id_issued_at", reg.ClientIDIssuedAt)
	r := put(upd, reg.RegistrationAccessToken)
	if r.status != http.StatusOK {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	var got registered
	must(t, json.Unmarshal(r.body, &got))
	if got.ClientID != reg.ClientID || got.ClientSecret != "" || got.RegistrationAccessToken != reg.RegistrationAccessToken ||
		got.ClientName != "Renamed" || got.Scope != "notes:ro" || got.TokenEndpointAuthMethod != "client_secret_post" ||
		!slices.Equal(got.RedirectURIs, []string{"http://127.0.0.1:9000/cb", "https://app.example/cb"}) || got.ClientIDIssuedAt != reg.ClientIDIssuedAt {
		t.Errorf("update answered %+v", got)
	}
	if _, ok := r.json(t)["client_uri"]; ok {
		t.Error("client_uri, left out of the update, is still registered")
	}
	after, err := e.st.Client(t.Context(), reg.ClientID)
	must(t, err)
	if after.SecretHash != before.SecretHash || after.RegistrationHash != before.RegistrationHash || !after.CreatedAt.Equal(before.CreatedAt) ||
		!after.UpdatedAt.Equal(t0.Add(60e9)) || after.Name != "Renamed" || !after.RequirePKCE || after.UnusedLifetime != before.UnusedLifetime {
		t.Errorf("stored after the update: %+v", after)
	}
	// The same secret still works.
	if ok := e.do(http.MethodPost, "/introspect", "token=x", "Content-Type", "application/x-www-form-urlencoded",
		"Authorization", basic(reg.ClientID, reg.ClientSecret)); ok.status != http.StatusOK {
		t.Errorf("the secret after an update: %d", ok.status)
	}
	// A read shows the update.
	var read registered
	must(t, json.Unmarshal(e.do(http.MethodGet, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...).body, &read))
	if d := cmp.Diff(got, read); d != "" {
		t.Errorf("read after update (-update +read):\n%s", d)
	}

	withSecret := with(upd, "client_secret", reg.ClientSecret)
	if r := put(withSecret, reg.RegistrationAccessToken); r.status != http.StatusOK {
		t.Errorf("update with the current secret: %d %s", r.status, r.body)
	}
	for _, c := range []refusal{
		{"without client_id", with(upd, "client_id", nil), 0, registration.ErrInvalidClientMetadata},
		{"another client_id", with(upd, "client_id", staticID), 0, registration.ErrInvalidClientMetadata},
		{"a wrong secret", with(upd, "client_secret", reg.ClientSecret+"x"), 0, registration.ErrInvalidClientMetadata},
		{"a chosen secret", with(upd, "client_secret", "my-own-secret"), 0, registration.ErrInvalidClientMetadata},
		{"becoming public", with(upd, "token_endpoint_auth_method", "none"), 0, registration.ErrInvalidClientMetadata},
		{"a bad redirect", with(upd, "redirect_uris", []string{"http://evil.example/cb"}), 0, registration.ErrInvalidRedirectURI},
		{"no redirect", with(upd, "redirect_uris", nil), 0, registration.ErrInvalidRedirectURI},
		{"only disallowed scopes", with(upd, "scope", "admin:rw"), 0, registration.ErrInvalidClientMetadata},
		{"not JSON", "{", 0, registration.ErrInvalidClientMetadata},
	} {
		var r response
		if s, ok := c.metadata.(string); ok {
			r = e.do(http.MethodPut, reg.RegistrationClientURI, s, bearer(reg.RegistrationAccessToken)...)
		} else {
			r = put(c.metadata.(map[string]any), reg.RegistrationAccessToken)
		}
		wantError(t, "update "+c.name, r, http.StatusBadRequest, c.code)
	}
	wantError(t, "update with a wrong token", put(upd, reg.RegistrationAccessToken+"x"), http.StatusUnauthorized, registration.ErrInvalidToken)
	if c, _ := e.st.Client(t.Context(), reg.ClientID); c.Name != "Renamed" || len(c.RedirectURIs) != 2 {
		t.Errorf("a refused update changed the client: %+v", c)
	}

	// A public client cannot become confidential, nor send a secret.
	pub := e.mustRegister(mcpClient())
	pubUpd := with(mcpClient(), "client_id", pub.ClientID)
	wantError(t, "public becoming confidential", e.do(http.MethodPut, pub.RegistrationClientURI, with(pubUpd, "token_endpoint_auth_method", "client_secret_basic"), bearer(pub.RegistrationAccessToken)...),
		http.StatusBadRequest, registration.ErrInvalidClientMetadata)
	wantError(t, "public client sending a secret", e.do(http.MethodPut, pub.RegistrationClientURI, with(pubUpd, "client_secret", "x"), bearer(pub.RegistrationAccessToken)...),
		http.StatusBadRequest, registration.ErrInvalidClientMetadata)
	if r := e.do(http.MethodPut, pub.RegistrationClientURI, pubUpd, bearer(pub.RegistrationAccessToken)...); r.status != http.StatusOK {
		t.Errorf("public client's update: %d %s", r.status, r.body)
	}
}

// DELETE removes the client and revokes every token issued to it (RFC 7592 §2.3): 204;
// afterwards its token, its registration access token and its client_id are dead.
func TestDelete(t *testing.T) {
	e := newEnv(t, options{})
	reg := e.mustRegister(mcpClient())
	tok := e.codeFlow(reg)
	keep := e.mustRegister(mcpClient())
	keepTok := e.codeFlow(keep)

	wantError(t, "delete with a wrong token", e.do(http.MethodDelete, reg.RegistrationClientURI, nil, bearer(keep.RegistrationAccessToken)...),
		http.StatusUnauthorized, registration.ErrInvalidToken)
	r := e.do(http.MethodDelete, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...)
	if r.status != http.StatusNoContent || len(r.body) != 0 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("delete: %d %q, Cache-Control %q", r.status, r.body, r.header.Get("Cache-Control"))
	}
	if _, err := e.st.Client(t.Context(), reg.ClientID); err == nil {
		t.Error("the client is still stored")
	}
	for _, s := range []string{tok.AccessToken, tok.RefreshToken} {
		if _, err := e.st.Token(t.Context(), testHasher.Hash(s), e.clock.Now()); err == nil {
			t.Error("a token of the deleted client is still stored")
		}
	}
	if r := e.do(http.MethodGet, "/v2/info", nil, bearer(tok.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("the deleted client's access token at the info endpoint: %d, want 401", r.status)
	}
	if _, err := e.oauthConfig(reg).TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("the deleted client's refresh token still works")
	}
	wantError(t, "read after delete", e.do(http.MethodGet, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...),
		http.StatusUnauthorized, registration.ErrInvalidToken)
	wantError(t, "delete again", e.do(http.MethodDelete, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...),
		http.StatusUnauthorized, registration.ErrInvalidToken)
	// The other client and its token are untouched.
	if r := e.do(http.MethodGet, "/v2/info", nil, bearer(keepTok.AccessToken)...); r.status != http.StatusOK {
		t.Errorf("another client's token after the delete: %d", r.status)
	}
	if r := e.do(http.MethodGet, keep.RegistrationClientURI, nil, bearer(keep.RegistrationAccessToken)...); r.status != http.StatusOK {
		t.Errorf("another client's registration after the delete: %d", r.status)
	}
}

// Wrong registration access tokens are counted per (client, address) like failed client
// authentications: past flows.Config.Limits.ClientAuthFailures, 429, even with the right
// token, until the window ends; other addresses are not affected.
func TestManagementThrottle(t *testing.T) {
	e := newEnv(t, options{flows: func(c *flows.Config) { c.Limits.ClientAuthFailures = 3 }})
	reg := e.mustRegister(mcpClient())
	for range 3 {
		wantError(t, "wrong token", e.do(http.MethodGet, reg.RegistrationClientURI, nil, "Authorization", "Bearer wrong", "X-Test-Addr", "203.0.113.9"),
			http.StatusUnauthorized, registration.ErrInvalidToken)
	}
	r := e.do(http.MethodGet, reg.RegistrationClientURI, nil, "Authorization", "Bearer "+reg.RegistrationAccessToken, "X-Test-Addr", "203.0.113.9")
	wantError(t, "after 3 failures", r, http.StatusTooManyRequests, registration.ErrInvalidToken)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if r := e.do(http.MethodGet, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...); r.status != http.StatusOK {
		t.Errorf("from another address: %d", r.status)
	}
	e.clock.Advance(5*60e9 + 1)
	if r := e.do(http.MethodGet, reg.RegistrationClientURI, nil, "Authorization", "Bearer "+reg.RegistrationAccessToken, "X-Test-Addr", "203.0.113.9"); r.status != http.StatusOK {
		t.Errorf("after the window: %d", r.status)
	}
}

// The client configuration endpoint answers from the record as it is now: a change the
// application made to the client's name or scopes shows.
func TestReadFollowsTheRecord(t *testing.T) {
	e := newEnv(t, options{})
	reg := e.mustRegister(mcpClient())
	c, err := e.st.Client(t.Context(), reg.ClientID)
	must(t, err)
	c.Name, c.Scopes = "Renamed by the console", []string{"notes:ro"}
	must(t, e.st.PutClient(t.Context(), c))
	got := e.do(http.MethodGet, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...).json(t)
	if got["client_name"] != "Renamed by the console" || got["scope"] != "notes:ro" {
		t.Errorf("read after the record changed: %v", got)
	}
	if !strings.Contains(string(c.RegistrationMetadata), mcpName) {
		t.Errorf("stored metadata %s", c.RegistrationMetadata)
	}
}
