package clientmeta_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/store"
)

func TestResolveMinimal(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		if r.Method != http.MethodGet || r.Header.Get("Accept") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		writeJSON(w, minimalDoc, id)
	})
	id := s.id("/client.json")
	d, err := resolver(t, s, clientmeta.Options{}).Resolve(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	want := clientmeta.Document{
		ID: id, Hostname: "127.0.0.1", RedirectURIs: []string{"https://app.example.com/cb"},
		GrantTypes: []string{"authorization_code"},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("Document (-want +got):\n%s", diff)
	}
	if d.RefreshTokens() {
		t.Error("RefreshTokens without refresh_token in grant_types")
	}
	wantClient := store.Client{ID: id, Public: true, RedirectURIs: []string{"https://app.example.com/cb"}}
	if diff := cmp.Diff(wantClient, d.Client()); diff != "" {
		t.Errorf("Client (-want +got):\n%s", diff)
	}
}

// TestResolveFull: an MCP-style document with every member this package reads, some it
// ignores, and content served as application/<something>+json.
func TestResolveFull(t *testing.T) {
	const doc = `{
	  "client_id": "$ID",
	  "client_name": "  Example MCP Client ",
	  "client_uri": "https://app.example.com",
	  "logo_uri": "https://cdn.example.com/logo.png?v=2",
	  "redirect_uris": ["http://127.0.0.1:3000/callback", "http://localhost:3000/callback", "http://127.0.0.1:3000/callback"],
	  "grant_types": ["authorization_code", "refresh_token"],
	  "response_types": ["code"],
	  "token_endpoint_auth_method": "none",
	  "scope": "notes:rw  notes:ro notes:rw",
	  "client_secret": null,
	  "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}]},
	  "software_id": "example", "contacts": ["ops@example.com"], "Client_Id": "ignored"
	}`
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		writeJSON(w, doc, id)
		w.Header().Set("Content-Type", "application/client-metadata+json; charset=utf-8")
	})
	id := s.id("/oauth/client.json")
	d, err := resolver(t, s, clientmeta.Options{}).Resolve(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	want := clientmeta.Document{
		ID: id, Hostname: "127.0.0.1", Name: "Example MCP Client",
		ClientURI: "https://app.example.com", LogoURI: "https://cdn.example.com/logo.png?v=2",
		RedirectURIs: []string{"http://127.0.0.1:3000/callback", "http://localhost:3000/callback"},
		LoopbackOnly: true,
		Scopes:       []string{"notes:ro", "notes:rw"},
		GrantTypes:   []string{"authorization_code", "refresh_token"},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("Document (-want +got):\n%s", diff)
	}
	if !d.RefreshTokens() {
		t.Error("RefreshTokens is false")
	}
}

func TestLoopbackOnly(t *testing.T) {
	for uris, want := range map[string]bool{
		`["http://127.0.0.1/cb"]`:                           true,
		`["http://[::1]:8080/cb", "https://localhost/cb"]`:  true,
		`["http://127.5.6.7/cb", "http://app.localhost/x"]`: true,
		`["http://127.0.0.1/cb", "https://app.example/cb"]`: false,
		`["com.example.app:/oauth2redirect"]`:               false,
		`["https://localhost.example.com/cb"]`:              false,
	} {
		d, err := clientmeta.ParseDocument("https://example.com/c", []byte(`{"client_id":"https://example.com/c","redirect_uris":`+uris+`}`))
		if err != nil {
			t.Fatalf("%s: %v", uris, err)
		}
		if d.LoopbackOnly != want {
			t.Errorf("%s: LoopbackOnly = %v, want %v", uris, d.LoopbackOnly, want)
		}
	}
}

// TestResolveRefusesDocuments: every document rule, each through a real fetch.
func TestResolveRefusesDocuments(t *testing.T) {
	const uri = `"redirect_uris":["https://app.example.com/cb"]`
	cases := []struct{ name, body, want string }{
		{"array", `[]`, "not a JSON object"},
		{"truncated", `{"client_id":"$ID",`, "not a JSON object"},
		{"empty", ``, "not a JSON object"},
		{"trailing data", `{"client_id":"$ID",` + uri + `} {}`, "data after its JSON object"},
		{"repeated client_id", `{"client_id":"https://other.example/c","client_id":"$ID",` + uri + `}`, "repeats a member name"},
		{"repeated unknown member", `{"client_id":"$ID",` + uri + `,"x":1,"x":2}`, "repeats a member name"},
		{"no client_id", `{` + uri + `}`, "client_id is missing"},
		{"null client_id", `{"client_id":null,` + uri + `}`, "client_id is missing"},
		{"client_id not a string", `{"client_id":1,` + uri + `}`, "client_id must be a string"},
		{"client_id with slash", `{"client_id":"$ID/",` + uri + `}`, "does not match"},
		{"client_id of another URL", `{"client_id":"https://example.com/client.json",` + uri + `}`, "does not match"},
		{"client_id in upper case", `{"client_id":"$UPPER_ID",` + uri + `}`, "does not match"},
		{"no redirect_uris", `{"client_id":"$ID"}`, "redirect_uris is missing or empty"},
		{"empty redirect_uris", `{"client_id":"$ID","redirect_uris":[]}`, "redirect_uris is missing or empty"},
		{"redirect_uris a string", `{"client_id":"$ID","redirect_uris":"https://app.example.com/cb"}`, "redirect_uris must be an array of strings"},
		{"redirect_uris of numbers", `{"client_id":"$ID","redirect_uris":[1]}`, "redirect_uris must be an array of strings"},
		{"redirect URI fragment", `{"client_id":"$ID","redirect_uris":["https://app.example.com/cb","https://app.example.com/cb#x"]}`, "redirect_uris[1] is not a valid redirect URI: fragment not allowed"},
		{"redirect URI javascript", `{"client_id":"$ID","redirect_uris":["javascript:alert(1)"]}`, "redirect_uris[0] is not a valid redirect URI: scheme not allowed"},
		{"redirect URI relative", `{"client_id":"$ID","redirect_uris":["/cb"]}`, "redirect_uris[0] is not a valid redirect URI"},
		{"redirect URI null item", `{"client_id":"$ID","redirect_uris":[null]}`, "redirect_uris[0] is not a valid redirect URI: empty"},
		{"client_secret", `{"client_id":"$ID",` + uri + `,"client_secret":"s3cret"}`, "must not hold a client_secret"},
		{"client_secret_expires_at", `{"client_id":"$ID",` + uri + `,"client_secret_expires_at":0}`, "must not hold a client_secret"},
		{"client_secret_basic", `{"client_id":"$ID",` + uri + `,"token_endpoint_auth_method":"client_secret_basic"}`, "must not use a shared secret"},
		{"client_secret_post", `{"client_id":"$ID",` + uri + `,"token_endpoint_auth_method":"client_secret_post"}`, "must not use a shared secret"},
		{"client_secret_jwt", `{"client_id":"$ID",` + uri + `,"token_endpoint_auth_method":"client_secret_jwt"}`, "must not use a shared secret"},
		{"private_key_jwt", `{"client_id":"$ID",` + uri + `,"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://app.example.com/jwks"}`, "private_key_jwt is not supported by this server"},
		{"other auth method", `{"client_id":"$ID",` + uri + `,"token_endpoint_auth_method":"tls_client_auth"}`, "token_endpoint_auth_method is not supported"},
		{"auth method not a string", `{"client_id":"$ID",` + uri + `,"token_endpoint_auth_method":["none"]}`, "token_endpoint_auth_method must be a string"},
		{"private JWK", `{"client_id":"$ID",` + uri + `,"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y","d":"d"}]}}`, "private or symmetric key material"},
		{"symmetric JWK", `{"client_id":"$ID",` + uri + `,"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, "private or symmetric key material"},
		{"jwks not a set", `{"client_id":"$ID",` + uri + `,"jwks":[]}`, "jwks must be a JWK Set"},
		{"client_name number", `{"client_id":"$ID",` + uri + `,"client_name":5}`, "client_name must be a string"},
		{"client_name bidi override", `{"client_id":"$ID",` + uri + `,"client_name":"Good \u202eApp"}`, "client_name must be plain text"},
		{"client_name control", `{"client_id":"$ID",` + uri + `,"client_name":"App\u0007"}`, "client_name must be plain text"},
		{"client_name zero width", `{"client_id":"$ID",` + uri + `,"client_name":"Go\u200bogle"}`, "client_name must be plain text"},
		{"client_name line separator", `{"client_id":"$ID",` + uri + `,"client_name":"A\u2028B"}`, "client_name must be plain text"},
		{"client_name invalid UTF-8", "{\"client_id\":\"$ID\"," + uri + ",\"client_name\":\"A\xffB\"}", "client_name must be plain text"},
		{"client_name blank", `{"client_id":"$ID",` + uri + `,"client_name":"   "}`, "client_name is blank"},
		{"client_name long", `{"client_id":"$ID",` + uri + `,"client_name":"` + strings.Repeat("n", 256) + `"}`, "client_name is longer than 255 bytes"},
		{"client_uri http", `{"client_id":"$ID",` + uri + `,"client_uri":"http://app.example.com"}`, "client_uri must be an https URL"},
		{"client_uri relative", `{"client_id":"$ID",` + uri + `,"client_uri":"/about"}`, "client_uri must be an https URL"},
		{"logo_uri javascript", `{"client_id":"$ID",` + uri + `,"logo_uri":"javascript:alert(1)"}`, "logo_uri must be an https URL"},
		{"logo_uri no host", `{"client_id":"$ID",` + uri + `,"logo_uri":"https:///logo.png"}`, "logo_uri must be an https URL"},
		{"logo_uri userinfo", `{"client_id":"$ID",` + uri + `,"logo_uri":"https://a@cdn.example.com/l.png"}`, "logo_uri must be an https URL"},
		{"logo_uri space", `{"client_id":"$ID",` + uri + `,"logo_uri":"https://cdn.example.com/l o.png"}`, "logo_uri must be an https URL"},
		{"scope not a string", `{"client_id":"$ID",` + uri + `,"scope":["a"]}`, "scope must be a string"},
		{"scope with comma", `{"client_id":"$ID",` + uri + `,"scope":"a b,c"}`, "scope item 2 is not a valid scope name"},
		{"scope with quote", `{"client_id":"$ID",` + uri + `,"scope":"a\"b"}`, "scope item 1 is not a valid scope name"},
		{"scope too many", `{"client_id":"$ID",` + uri + `,"scope":"` + strings.Repeat("s ", 101) + `"}`, "more than 100 names"},
		{"grant client_credentials", `{"client_id":"$ID",` + uri + `,"grant_types":["authorization_code","client_credentials"]}`, "grant_types may hold only authorization_code and refresh_token"},
		{"grant implicit", `{"client_id":"$ID",` + uri + `,"grant_types":["implicit"]}`, "grant_types may hold only"},
		{"grant refresh only", `{"client_id":"$ID",` + uri + `,"grant_types":["refresh_token"]}`, "grant_types must include authorization_code"},
		{"grant empty", `{"client_id":"$ID",` + uri + `,"grant_types":[]}`, "grant_types must include authorization_code"},
		{"grant types a string", `{"client_id":"$ID",` + uri + `,"grant_types":"authorization_code"}`, "grant_types must be an array of strings"},
		{"response token", `{"client_id":"$ID",` + uri + `,"response_types":["code","token"]}`, "response_types must be code only"},
		{"response empty", `{"client_id":"$ID",` + uri + `,"response_types":[]}`, "response_types must be code only"},
	}
	path := func(i int) string { return fmt.Sprintf("/case-%d.json", i) }
	bodies := map[string]string{}
	for i, c := range cases {
		bodies[path(i)] = c.body
	}
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		writeJSON(w, strings.ReplaceAll(bodies[r.URL.Path], "$UPPER_ID", strings.ToUpper(id)), id)
	})
	res := resolver(t, s, clientmeta.Options{})
	for i, c := range cases {
		_, err := res.Resolve(bg, s.id(path(i)))
		var e *clientmeta.Error
		if !errors.As(err, &e) || !errors.Is(err, clientmeta.ErrInvalidDocument) {
			t.Errorf("%s: err = %v, want an *Error of ErrInvalidDocument", c.name, err)
			continue
		}
		if !strings.Contains(e.Description, c.want) || !descriptionSafe(e.Description) {
			t.Errorf("%s: description %q, want it to contain %q (and be error_description-safe)", c.name, e.Description, c.want)
		}
	}
}
