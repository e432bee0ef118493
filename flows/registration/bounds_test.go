package registration_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
)

// Hostile bodies and members: bounded, typed, plain text, refused with
// invalid_client_metadata (413 for an oversized body), nothing stored.
func TestBounds(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) { c.Limits.Registrations = flows.NoLimit }})
	long := strings.Repeat("a", 256)
	checkRefusals(t, e, []refusal{
		{"body over 16 KiB", with(mcpClient(), "client_uri", "https://app.example/"+strings.Repeat("a", 16<<10)),
			http.StatusRequestEntityTooLarge, registration.ErrInvalidClientMetadata},
		{"not JSON", "client_name=x", 0, registration.ErrInvalidClientMetadata},
		{"an array", `[{"redirect_uris":["http://127.0.0.1/cb"]}]`, 0, registration.ErrInvalidClientMetadata},
		{"a string", `"x"`, 0, registration.ErrInvalidClientMetadata},
		{"empty", ``, 0, registration.ErrInvalidClientMetadata},
		{"repeated member", `{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","token_endpoint_auth_method":"client_secret_basic"}`,
			0, registration.ErrInvalidClientMetadata},
		{"repeated member, escaped", `{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"a","client\u005fname":"b"}`,
			0, registration.ErrInvalidClientMetadata},
		{"trailing data", `{"redirect_uris":["http://127.0.0.1/cb"]} {}`, 0, registration.ErrInvalidClientMetadata},
		{"truncated", `{"redirect_uris":["http://127.0.0.1/cb"]`, 0, registration.ErrInvalidClientMetadata},
		{"name not a string", with(mcpClient(), "client_name", 7), 0, registration.ErrInvalidClientMetadata},
		{"name too long", with(mcpClient(), "client_name", long), 0, registration.ErrInvalidClientMetadata},
		{"name with a control character", with(mcpClient(), "client_name", "Good\u0007App"), 0, registration.ErrInvalidClientMetadata},
		{"name with NUL", with(mcpClient(), "client_name", "Good\u0000App"), 0, registration.ErrInvalidClientMetadata},
		{"name with a bidi override", with(mcpClient(), "client_name", "ppA\u202eGood"), 0, registration.ErrInvalidClientMetadata},
		{"name with a zero-width joiner", with(mcpClient(), "client_name", "Go\u200dod"), 0, registration.ErrInvalidClientMetadata},
		{"name of invalid UTF-8", "{\"redirect_uris\":[\"http://127.0.0.1/cb\"],\"token_endpoint_auth_method\":\"none\",\"client_name\":\"\xff\"}",
			0, registration.ErrInvalidClientMetadata},
		{"name with the replacement character", with(mcpClient(), "client_name", "Good\ufffdApp"), 0, registration.ErrInvalidClientMetadata},
		{"name blank", with(mcpClient(), "client_name", "   "), 0, registration.ErrInvalidClientMetadata},
		{"client_uri http", with(mcpClient(), "client_uri", "http://app.example/"), 0, registration.ErrInvalidClientMetadata},
		{"logo_uri javascript", with(mcpClient(), "logo_uri", "javascript:alert(1)"), 0, registration.ErrInvalidClientMetadata},
		{"tos_uri relative", with(mcpClient(), "tos_uri", "/tos"), 0, registration.ErrInvalidClientMetadata},
		{"policy_uri userinfo", with(mcpClient(), "policy_uri", "https://u@app.example/p"), 0, registration.ErrInvalidClientMetadata},
		{"client_uri too long", with(mcpClient(), "client_uri", "https://app.example/"+strings.Repeat("a", 2048)), 0, registration.ErrInvalidClientMetadata},
		{"contacts not an array", with(mcpClient(), "contacts", "a@example.com"), 0, registration.ErrInvalidClientMetadata},
		{"too many contacts", with(mcpClient(), "contacts", strings.Split(strings.Repeat("a@example.com,", 11), ",")[:11]), 0, registration.ErrInvalidClientMetadata},
		{"contact with a newline", with(mcpClient(), "contacts", []string{"a@example.com\nBcc: b@example.com"}), 0, registration.ErrInvalidClientMetadata},
		{"software_id too long", with(mcpClient(), "software_id", long), 0, registration.ErrInvalidClientMetadata},
		{"software_statement not a string", with(mcpClient(), "software_statement", map[string]any{"a": 1}), 0, registration.ErrInvalidClientMetadata},
		{"too many grant types", with(mcpClient(), "grant_types", strings.Split(strings.Repeat("authorization_code,", 11), ",")[:11]), 0, registration.ErrInvalidClientMetadata},
	})
	wantError(t, "not application/json", e.do(http.MethodPost, "/register", `{}`, "Content-Type", "text/plain"),
		http.StatusBadRequest, registration.ErrInvalidClientMetadata)

	// Unknown members are ignored (RFC 7591 §2), and so are members this server does not
	// support; what is supported is stored and returned as registered.
	reg := e.register(with(mcpClient(), "jwks_uri", "https://app.example/jwks", "client_name#fr", "Client", "x-extension", map[string]any{"deep": []any{1, 2}},
		"client_uri", "https://app.example/", "logo_uri", "https://app.example/logo.png", "tos_uri", "https://app.example/tos",
		"policy_uri", "https://app.example/privacy", "contacts", []string{"dev@app.example", "dev@app.example"},
		"software_id", "4NRB1-0XZABZI9E6-5SM3R", "software_version", "2.1", "client_name", "  Padded name  ",
		"client_id", "chosen-by-client", "client_secret", "chosen-too"))
	if reg.status != http.StatusCreated {
		t.Fatalf("registration with extra members: %d %s", reg.status, reg.body)
	}
	body := reg.json(t)
	for member, want := range map[string]any{
		"client_uri": "https://app.example/", "logo_uri": "https://app.example/logo.png", "tos_uri": "https://app.example/tos",
		"policy_uri": "https://app.example/privacy", "software_id": "4NRB1-0XZABZI9E6-5SM3R", "software_version": "2.1",
		"client_name": "Padded name",
	} {
		if body[member] != want {
			t.Errorf("%s = %v, want %v", member, body[member], want)
		}
	}
	if c, ok := body["contacts"].([]any); !ok || len(c) != 1 || c[0] != "dev@app.example" {
		t.Errorf("contacts = %v, want the one, once", body["contacts"])
	}
	for _, ignored := range []string{"jwks_uri", "client_name#fr", "x-extension", "software_statement"} {
		if _, ok := body[ignored]; ok {
			t.Errorf("%s is returned; it is not supported, so not registered", ignored)
		}
	}
	if body["client_id"] == "chosen-by-client" || body["client_secret"] != nil {
		t.Errorf("the client chose its client_id or secret: %v %v", body["client_id"], body["client_secret"])
	}
	// A body of exactly the limit is read.
	big := `{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","x":"`
	big += strings.Repeat("a", 16<<10-len(big)-2) + `"}`
	if r := e.register(big); r.status != http.StatusCreated {
		t.Errorf("a body of 16 KiB exactly: %d %s", r.status, r.body)
	}
}
