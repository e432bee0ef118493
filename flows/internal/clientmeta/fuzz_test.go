package clientmeta_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
)

// FuzzValidateURL: ValidateURL never panics; what it accepts has every property the
// draft requires, reads the same with net/url, and is a valid redirect URI; what it
// refuses comes with a safe description.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/client.json", "https://example.com/", "https://example.com:8443/c",
		"https://[2001:db8::1]/c", "https://203.0.114.7/c", "https://example.com", "http://example.com/c",
		"https://example.com/c#f", "https://example.com/c?q", "https://u@example.com/c",
		"https://example.com/a/../c", "https://example.com/%2e%2e/c", "https://Example.com/c",
		"https://example.com//c", "https://example.com/a\\b", "https://bücher.example/c",
		"https://127.1/c", "https://example.com:080/c", "https:///c", "https://[::1%25lo]/c", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := clientmeta.ValidateURL(s)
		if clientmeta.IsClientIDURL(s) != (err == nil) {
			t.Fatalf("IsClientIDURL(%q) disagrees with ValidateURL: %v", s, err)
		}
		if err != nil {
			var e *clientmeta.Error
			if !errors.As(err, &e) || !errors.Is(err, clientmeta.ErrInvalidURL) || !descriptionSafe(e.Description) {
				t.Fatalf("ValidateURL(%q) = %v", s, err)
			}
			return
		}
		u, perr := url.Parse(s)
		switch {
		case len(s) > clientmeta.MaxURLLen, !strings.HasPrefix(s, "https://"),
			strings.ContainsAny(s, "#?"), strings.Contains(strings.SplitN(s, "/", 4)[2], "@"):
			t.Fatalf("accepted %q", s)
		case perr != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Path == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
			t.Fatalf("accepted %q, which net/url reads as %#v (%v)", s, u, perr)
		case clientmeta.HostOf(s) != u.Hostname() || u.Hostname() != strings.ToLower(u.Hostname()):
			t.Fatalf("accepted %q: host %q, net/url %q", s, clientmeta.HostOf(s), u.Hostname())
		case redirecturi.ValidateRegistered(s) != nil:
			t.Fatalf("accepted %q, which redirecturi refuses", s)
		}
		for seg := range strings.SplitSeq(u.Path, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("accepted %q with a dot segment", s)
			}
		}
	})
}

// FuzzParseDocument: the document parser never panics; what it accepts obeys every rule
// of the package; what it refuses comes with a safe description.
func FuzzParseDocument(f *testing.F) {
	const id = "https://client.example/c.json"
	for _, s := range []string{
		`{"client_id":"https://client.example/c.json","redirect_uris":["https://app.example.com/cb"]}`,
		`{"client_id":"https://client.example/c.json","client_name":"App","client_uri":"https://app.example",` +
			`"logo_uri":"https://app.example/l.png","redirect_uris":["http://127.0.0.1/cb","my_app://cb"],` +
			`"grant_types":["authorization_code","refresh_token"],"response_types":["code"],` +
			`"token_endpoint_auth_method":"none","scope":"a b:ro","jwks":{"keys":[{"kty":"EC"}]}}`,
		`{"client_id":"https://client.example/c.json","client_id":"x","redirect_uris":["https://a.example/cb"]}`,
		`{"client_id":"https://client.example/c.json","redirect_uris":["https://a.example/cb"],"client_secret":"s"}`,
		`{"client_id":"https://client.example/c.json","redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`,
		`{"client_id":"https://client.example/c.json","redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"d":"x"}]}}`,
		`{"client_id":"https://client.example/c.json","redirect_uris":["https://a.example/cb"],"client_name":"\u202e"}`,
		`{"client_id":"https://client.example/c.json","redirect_uris":["javascript:x"]}`,
		`{"client_id":"https://client.example/c.json","redirect_uris":[]} {}`,
		`{"client_id":"https://client.example/c.json","redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]}`,
		`[]`, `{`, `null`, `{"client_id":1}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := clientmeta.ParseDocument(id, body)
		if err != nil {
			var e *clientmeta.Error
			if !errors.As(err, &e) || !errors.Is(err, clientmeta.ErrInvalidDocument) || !descriptionSafe(e.Description) {
				t.Fatalf("ParseDocument(%q) = %v", body, err)
			}
			return
		}
		if d.ID != id || d.Hostname != "client.example" || len(d.RedirectURIs) == 0 {
			t.Fatalf("accepted %q as %+v", body, d)
		}
		for _, u := range d.RedirectURIs {
			if redirecturi.ValidateRegistered(u) != nil {
				t.Fatalf("accepted redirect URI %q", u)
			}
		}
		if !slices.Contains(d.GrantTypes, "authorization_code") || slices.ContainsFunc(d.GrantTypes, func(g string) bool {
			return g != "authorization_code" && g != "refresh_token"
		}) {
			t.Fatalf("accepted grant types %q", d.GrantTypes)
		}
		for _, s := range d.Scopes {
			if !scopes.ValidName(s) {
				t.Fatalf("accepted scope %q", s)
			}
		}
		for _, u := range []string{d.ClientURI, d.LogoURI} {
			if u != "" && !strings.HasPrefix(u, "https://") {
				t.Fatalf("accepted URI %q", u)
			}
		}
		if len(d.Name) > 255 || strings.TrimSpace(d.Name) != d.Name || strings.ContainsFunc(d.Name, func(r rune) bool {
			return r < 0x20 || r == 0x7f || r == 0x202e || r == 0x200b || r == 0xfffd
		}) {
			t.Fatalf("accepted name %q", d.Name)
		}
		// A second reading, by encoding/json, agrees on the members that matter.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
		}
		var cid, method string
		if json.Unmarshal(m["client_id"], &cid) != nil || cid != id {
			t.Fatalf("accepted %q with client_id %q", body, cid)
		}
		for _, name := range []string{"client_secret", "client_secret_expires_at"} {
			if v, ok := m[name]; ok && string(v) != "null" {
				t.Fatalf("accepted %q with %s", body, name)
			}
		}
		if v, ok := m["token_endpoint_auth_method"]; ok && string(v) != "null" && (json.Unmarshal(v, &method) != nil || method != "none") {
			t.Fatalf("accepted %q with token_endpoint_auth_method %s", body, v)
		}
	})
}
