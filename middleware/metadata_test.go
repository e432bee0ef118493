package middleware

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// R-RSMETA: RFC 9728 protected resource metadata.

// metaServer mounts h at h.Path() on a loopback server.
func metaServer(t *testing.T, h *MetadataHandler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(h.Path(), h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, srv *httptest.Server, method, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMetadataHandlerRoot(t *testing.T) {
	h, err := NewMetadataHandler(ResourceMetadata{
		Resource:              "https://api.example.com",
		AuthorizationServers:  []string{"https://auth.example.com", "https://auth.example.com/tenant1"},
		ScopesSupported:       []string{"chats--my:ro", "chats--all:rw"},
		ResourceName:          "Chat API « v3 »",
		ResourceDocumentation: "https://docs.example.com/api#auth",
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.Path() != "/.well-known/oauth-protected-resource" ||
		h.URL() != "https://api.example.com/.well-known/oauth-protected-resource" {
		t.Fatalf("Path %q, URL %q", h.Path(), h.URL())
	}
	srv := metaServer(t, h)
	resp, body := do(t, srv, "GET", srv.URL+"/.well-known/oauth-protected-resource", nil)
	want := `{"resource":"https://api.example.com","authorization_servers":["https://auth.example.com","https://auth.example.com/tenant1"],` +
		`"scopes_supported":["chats--my:ro","chats--all:rw"],"bearer_methods_supported":["header"],` +
		`"resource_name":"Chat API « v3 »","resource_documentation":"https://docs.example.com/api#auth"}` + "\n"
	if resp.StatusCode != 200 || body != want {
		t.Fatalf("GET: %d %s\nwant %s", resp.StatusCode, body, want)
	}
	for k, v := range map[string]string{
		"Content-Type": "application/json", "Cache-Control": "public, max-age=300",
		"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}

	resp, body = do(t, srv, "HEAD", srv.URL+"/.well-known/oauth-protected-resource", nil)
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len(want)) ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("HEAD: %d %q %d %v", resp.StatusCode, body, resp.ContentLength, resp.Header)
	}

	// A browser's CORS preflight, as an MCP client in a web page sends it.
	resp, _ = do(t, srv, "OPTIONS", srv.URL+"/.well-known/oauth-protected-resource", map[string]string{
		"Origin": "https://app.example.net", "Access-Control-Request-Method": "GET",
		"Access-Control-Request-Headers": "mcp-protocol-version",
	})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "mcp-protocol-version") ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}

	resp, _ = do(t, srv, "POST", srv.URL+"/.well-known/oauth-protected-resource", nil)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("POST: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestMetadataDiscovery follows what an MCP client does (RFC 9728 §5.1, §3.3): call the
// resource at a path without a token, read resource_metadata from the challenge, fetch
// the path-inserted metadata, and check that it names the resource it called.
func TestMetadataDiscovery(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	resource := srv.URL + "/mcp" // http://127.0.0.1:PORT/mcp: canonical already
	h, err := NewMetadataHandler(ResourceMetadata{Resource: resource,
		AuthorizationServers: []string{"https://auth.example.com"}, ScopesSupported: []string{"mcp:tools"}})
	if err != nil {
		t.Fatal(err)
	}
	if h.Path() != "/.well-known/oauth-protected-resource/mcp" ||
		h.URL() != srv.URL+"/.well-known/oauth-protected-resource/mcp" {
		t.Fatalf("Path %q, URL %q", h.Path(), h.URL())
	}
	if u, err := ResourceMetadataURL(resource); err != nil || u != h.URL() {
		t.Fatalf("ResourceMetadataURL = %q, %v", u, err)
	}
	mux.Handle(h.Path(), h)
	clock := newClock()
	authn := Authenticate(fakeValidator(clock), Options{Now: clock.Now, ResourceMetadata: h.URL()})
	mux.Handle("/mcp", authn(okHandler))

	resp, _ := do(t, srv, "POST", resource, nil)
	ch := resp.Header.Get("WWW-Authenticate")
	_, metaURL, ok := strings.Cut(ch, `resource_metadata="`)
	metaURL, _, _ = strings.Cut(metaURL, `"`)
	if resp.StatusCode != 401 || !ok || metaURL != h.URL() {
		t.Fatalf("401 challenge %q", ch)
	}
	resp, body := do(t, srv, "GET", metaURL, map[string]string{"MCP-Protocol-Version": "2025-06-18"})
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		BearerMethods        []string `json:"bearer_methods_supported"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("metadata: %d %s (%v)", resp.StatusCode, body, err)
	}
	if doc.Resource != resource || len(doc.AuthorizationServers) != 1 || len(doc.BearerMethods) != 1 {
		t.Errorf("metadata %+v does not name %s", doc, resource)
	}
	// The root form is another resource's metadata, not served here.
	if resp, _ := do(t, srv, "GET", srv.URL+"/.well-known/oauth-protected-resource", nil); resp.StatusCode != 404 {
		t.Errorf("root form: %d", resp.StatusCode)
	}
}

func TestResourceMetadataURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://mcp.example.com":             "https://mcp.example.com/.well-known/oauth-protected-resource",
		"https://mcp.example.com/":            "https://mcp.example.com/.well-known/oauth-protected-resource",
		"https://MCP.example.com:443/mcp":     "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
		"https://mcp.example.com/server/mcp":  "https://mcp.example.com/.well-known/oauth-protected-resource/server/mcp",
		"https://mcp.example.com:8443/a?t=1":  "https://mcp.example.com:8443/.well-known/oauth-protected-resource/a?t=1",
		"http://[::1]:8080/mcp/":              "http://[::1]:8080/.well-known/oauth-protected-resource/mcp/",
		"https://mcp.example.com/%7Euser/mcp": "https://mcp.example.com/.well-known/oauth-protected-resource/~user/mcp",
	} {
		if got, err := ResourceMetadataURL(in); err != nil || got != want {
			t.Errorf("ResourceMetadataURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "mcp.example.com", "https://mcp.example.com/#x", "https://u@mcp.example.com"} {
		if got, err := ResourceMetadataURL(bad); err == nil || got != "" || !strings.HasPrefix(err.Error(), "middleware: ") {
			t.Errorf("ResourceMetadataURL(%q) = %q, %v", bad, got, err)
		}
	}
}

func TestCanonicalResource(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com/":        "https://api.example.com",
		"HTTPS://Api.Example.com:443/mcp": "https://api.example.com/mcp",
		"https://api.example.com/mcp/":    "https://api.example.com/mcp/",
	} {
		if got, err := CanonicalResource(in); err != nil || got != want {
			t.Errorf("CanonicalResource(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := CanonicalResource("https://api.example.com/a/../b"); err == nil || !strings.HasPrefix(err.Error(), "middleware: ") {
		t.Errorf("dot segments: %v", err)
	}
}

func TestMetadataBearerMethods(t *testing.T) {
	for _, tt := range []struct {
		methods []string
		want    string
	}{
		{nil, `["header"]`},
		{[]string{}, `[]`},
		{[]string{"header", "query"}, `["header","query"]`},
	} {
		h, err := NewMetadataHandler(ResourceMetadata{Resource: "https://api.example.com", BearerMethodsSupported: tt.methods})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if want := `{"resource":"https://api.example.com","bearer_methods_supported":` + tt.want + "}\n"; rec.Body.String() != want {
			t.Errorf("%q: %s, want %s", tt.methods, rec.Body, want)
		}
	}
}

func TestNewMetadataHandlerErrors(t *testing.T) {
	const r = "https://api.example.com"
	for name, m := range map[string]ResourceMetadata{
		"no resource":              {},
		"resource not canonical":   {Resource: "https://API.example.com"},
		"resource root slash":      {Resource: r + "/"},
		"resource with fragment":   {Resource: r + "#x"},
		"resource not http":        {Resource: "urn:example:api"},
		"issuer relative":          {Resource: r, AuthorizationServers: []string{"/auth"}},
		"issuer with query":        {Resource: r, AuthorizationServers: []string{"https://auth.example.com?x=1"}},
		"issuer with fragment":     {Resource: r, AuthorizationServers: []string{"https://auth.example.com#x"}},
		"issuer twice":             {Resource: r, AuthorizationServers: []string{"https://a.example.com", "https://a.example.com"}},
		"bad scope":                {Resource: r, ScopesSupported: []string{"a b"}},
		"scope twice":              {Resource: r, ScopesSupported: []string{"a", "a"}},
		"unknown bearer method":    {Resource: r, BearerMethodsSupported: []string{"cookie"}},
		"bearer method twice":      {Resource: r, BearerMethodsSupported: []string{"header", "header"}},
		"name not UTF-8":           {Resource: r, ResourceName: "\xff"},
		"documentation relative":   {Resource: r, ResourceDocumentation: "/docs"},
		"documentation javascript": {Resource: r, ResourceDocumentation: "javascript:alert(1)"},
	} {
		if h, err := NewMetadataHandler(m); err == nil || h != nil || !strings.HasPrefix(err.Error(), "middleware: ") {
			t.Errorf("%s: %v, %v", name, h, err)
		}
	}
	_, err := NewMetadataHandler(ResourceMetadata{Resource: "https://API.example.com/mcp"})
	if err == nil || !strings.Contains(err.Error(), `"https://api.example.com/mcp"`) {
		t.Errorf("a non-canonical resource's error should name the canonical form: %v", err)
	}
}
