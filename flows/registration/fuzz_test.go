package registration

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
)

// fuzzPolicy is a policy of the usual kind: public and confidential clients, the code
// grant, two scopes.
var fuzzPolicy = policy{
	scopes: scopes.New("notes:ro", "notes:rw"), defaults: scopes.New("notes:ro"),
	grants:  []string{GrantAuthorizationCode, GrantRefreshToken},
	methods: []string{AuthNone, AuthClientSecretBasic, AuthClientSecretPost}, maxRedirects: 10,
}

// FuzzParseRequest feeds the registration request parser and the policy with arbitrary
// bodies: they never panic, a refusal is one of the RFC 7591 codes with a description safe
// to send, and what they accept obeys every rule (valid redirect URIs, plain-text name,
// scopes within the allowance, consistent grant and response types).
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		`{"client_name":"Example MCP client","redirect_uris":["http://127.0.0.1/callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none","scope":"notes:ro notes:rw"}`,
		`{"redirect_uris":["https://app.example/cb"]}`,
		`{"redirect_uris":["https://app.example/cb","com.example.app:/cb"],"token_endpoint_auth_method":"client_secret_post","client_uri":"https://app.example/","logo_uri":"https://app.example/l.png","contacts":["a@b.example"],"software_id":"x","software_version":"1"}`,
		`{"redirect_uris":["http://evil.example/cb"]}`,
		`{"redirect_uris":["javascript:alert(1)"]}`,
		`{"redirect_uris":"http://127.0.0.1/cb"}`,
		`{"redirect_uris":[1,2]}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","token_endpoint_auth_method":"none"}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"a\u202eb"}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"\u0000"}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"scope":"admin:rw notes:ro ,x"}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["refresh_token"]}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"response_types":["token"]}`,
		`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"}`,
		`{"redirect_uris":["http://127.0.0.1/cb"],"software_statement":"eyJhbGciOiJub25lIn0.e30."}`,
		`{"client_id":"x","client_secret":"y","redirect_uris":["http://[::1]:8080/cb"]}`,
		`{"redirect_uris":null,"scope":null}`,
		`{"a":{"b":[{"c":{}}]}}`,
		`[]`, `"x"`, `{`, `{}{}`, ``, "{\"client_name\":\"\xff\"}", `{"client_name":"` + strings.Repeat("é", 200) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, a := parseRequest(body, fuzzPolicy.maxRedirects)
		if a != nil {
			checkAnswer(t, a)
			return
		}
		m, a := fuzzPolicy.decide(q, nil)
		if a != nil {
			checkAnswer(t, a)
			return
		}
		if len(m.RedirectURIs) > fuzzPolicy.maxRedirects {
			t.Fatalf("%d redirect URIs accepted", len(m.RedirectURIs))
		}
		for _, u := range m.RedirectURIs {
			if err := redirecturi.ValidateRegistered(u); err != nil {
				t.Fatalf("accepted redirect URI %q: %v", u, err)
			}
			if strings.HasPrefix(strings.ToLower(u), "http://") && !strings.HasPrefix(u, "http://127.0.0.1") &&
				!strings.HasPrefix(u, "http://[::1]") && !strings.HasPrefix(strings.ToLower(u), "http://localhost") {
				t.Fatalf("accepted http redirect URI %q off loopback", u)
			}
		}
		for _, s := range []string{m.ClientName, m.SoftwareID, m.SoftwareVersion} {
			if len(s) > maxNameLen || !utf8.ValidString(s) || (s != "" && !plainText(s)) {
				t.Fatalf("accepted text %q", s)
			}
		}
		for _, name := range strings.Fields(m.Scope) {
			if !fuzzPolicy.scopes.Has(name) {
				t.Fatalf("accepted scope %q outside the allowance", name)
			}
		}
		code := slices.Contains(m.GrantTypes, GrantAuthorizationCode)
		if code != slices.Equal(m.ResponseTypes, []string{"code"}) || code != (len(m.RedirectURIs) > 0) {
			t.Fatalf("inconsistent registration %+v", m)
		}
		if !slices.Contains(fuzzPolicy.methods, m.TokenEndpointAuthMethod) {
			t.Fatalf("accepted method %q", m.TokenEndpointAuthMethod)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Metadata
		if err := json.Unmarshal(b, &back); err != nil || back.ClientName != m.ClientName || !slices.Equal(back.RedirectURIs, m.RedirectURIs) {
			t.Fatalf("metadata does not round-trip: %s", b)
		}
	})
}

// checkAnswer fails t unless a is an RFC 7591 refusal whose description is fit for
// error_description.
func checkAnswer(t *testing.T, a *answer) {
	t.Helper()
	switch a.e.Code {
	case ErrInvalidClientMetadata, ErrInvalidRedirectURI:
	default:
		t.Fatalf("refused with %q", a.e.Code)
	}
	d := a.e.Description
	if d == "" || strings.ContainsAny(d, "\"\\") || !utf8.ValidString(d) {
		t.Fatalf("description %q", d)
	}
	for i := 0; i < len(d); i++ {
		if d[i] < 0x20 || d[i] > 0x7e {
			t.Fatalf("description %q is not printable ASCII", d)
		}
	}
}
