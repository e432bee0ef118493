package flows_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/flows"
)

// RFC 8414 authorization server metadata (R-META).

const metadataPath = "/.well-known/oauth-authorization-server"

// metadata fetches the metadata document at path and checks the answer.
func (e *env) metadata(path string) (map[string]any, apiResp) {
	e.t.Helper()
	r := e.apiDo(http.MethodGet, path, "")
	if r.status != http.StatusOK || r.obj == nil {
		e.t.Fatalf("metadata: %d %s", r.status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		e.t.Errorf("Content-Type = %q, want application/json", ct)
	}
	return r.obj, r
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// endpointFields are the metadata fields holding endpoint URLs.
var endpointFields = []string{"authorization_endpoint", "token_endpoint", "revocation_endpoint", "introspection_endpoint"}

// wantEndpointsServed checks that every endpoint URL of md is absolute on the test server,
// equals want, and is answered by a handler (not 404).
func (e *env) wantEndpointsServed(md map[string]any, want map[string]string) {
	e.t.Helper()
	srv, _ := url.Parse(e.srv.URL)
	for _, f := range endpointFields {
		raw, _ := md[f].(string)
		if raw != want[f] {
			e.t.Errorf("%s = %q, want %q", f, raw, want[f])
		}
		u, err := url.Parse(raw)
		if err != nil || !u.IsAbs() || u.Scheme != srv.Scheme || u.Host != srv.Host || u.RawQuery != "" || u.Fragment != "" {
			e.t.Errorf("%s = %q is not an absolute URL on the server", f, raw)
			continue
		}
		method := http.MethodPost
		if f == "authorization_endpoint" {
			method = http.MethodGet
		}
		r := e.apiDo(method, u.Path, "x=1", ctHdr(ctForm)...)
		switch r.status {
		case http.StatusNotFound:
			e.t.Errorf("%s %s answers 404: nothing is mounted there", method, raw)
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			e.t.Errorf("%s %s answers %d to %s: not the URL of a handler", method, raw, r.status, r.header.Get("Location"))
		}
	}
}

// TestMetadata: R-META with RFC 8414 §2 and RFC 9207, the default document: issuer, endpoint
// URLs, PKCE methods, the scope catalog, grant types without client_credentials, iss in
// authorization responses equal to the issuer; the Go API gives the same document.
func TestMetadata(t *testing.T) {
	e := newEnv(t)
	md, r := e.metadata(metadataPath)
	if md["issuer"] != e.srv.URL {
		t.Errorf("issuer = %v, want %s", md["issuer"], e.srv.URL)
	}
	e.wantEndpointsServed(md, map[string]string{
		"authorization_endpoint": e.srv.URL + "/",
		"token_endpoint":         e.srv.URL + "/v2/token",
		"revocation_endpoint":    e.srv.URL + "/revoke",
		"introspection_endpoint": e.srv.URL + "/introspect",
	})
	if md["authorization_response_iss_parameter_supported"] != true {
		t.Error("authorization_response_iss_parameter_supported is not true")
	}
	if got := strs(md["code_challenge_methods_supported"]); !cmp.Equal(got, []string{"S256", "plain"}) {
		t.Errorf("code_challenge_methods_supported = %v", got)
	}
	scopes := strs(md["scopes_supported"])
	slices.Sort(scopes)
	want := slices.Clone(allScopes)
	slices.Sort(want)
	if !cmp.Equal(scopes, want) {
		t.Errorf("scopes_supported = %v, want the catalog %v", scopes, want)
	}
	if got := strs(md["grant_types_supported"]); !cmp.Equal(got, []string{"authorization_code", "refresh_token", "implicit"}) {
		t.Errorf("grant_types_supported = %v", got)
	}
	if got := strs(md["response_types_supported"]); !slices.Contains(got, "code") {
		t.Errorf("response_types_supported = %v, want code", got)
	}
	if got := strs(md["token_endpoint_auth_methods_supported"]); !cmp.Equal(got, []string{"client_secret_basic", "client_secret_post", "none"}) {
		t.Errorf("token_endpoint_auth_methods_supported = %v", got)
	}
	if got := strs(md["introspection_endpoint_auth_methods_supported"]); slices.Contains(got, "none") || len(got) == 0 {
		t.Errorf("introspection_endpoint_auth_methods_supported = %v: public clients cannot introspect", got)
	}
	if _, ok := md["jwks_uri"]; ok {
		t.Errorf("jwks_uri = %v with opaque tokens", md["jwks_uri"])
	}

	// RFC 9207: iss in the authorization response is the metadata issuer.
	p := e.browser().authorize(e.authURL(url.Values{"response_type": {"code"}, "client_id": {confID}, "redirect_uri": {confRedirect}, "scope": {"chats--my:ro"}}), acctAlice.login, acctAlice.pw, "allow")
	if iss := callback(t, p, confRedirect).Get("iss"); iss != md["issuer"] {
		t.Errorf("iss = %q, want the metadata issuer %v", iss, md["issuer"])
	}

	// The Go API gives the same document.
	var fromAPI map[string]any
	b, _ := json.Marshal(e.flows.Metadata())
	_ = json.Unmarshal(b, &fromAPI)
	if diff := cmp.Diff(fromAPI, md); diff != "" {
		t.Errorf("Metadata() and the document differ (-api +http):\n%s", diff)
	}
	// A public document: no cookie, and readable by every origin (CORS tests the rest).
	if r.header.Get("Set-Cookie") != "" || r.header.Get("Access-Control-Allow-Origin") != "*" ||
		r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("metadata sets cookies, or is not readable by every origin without credentials: %v", r.header)
	}
}

// TestMetadataOptions: R-META follows the configuration: client_credentials is listed only
// when enabled (R-TOKEN-6); RequireS256 lists only S256 (R-AUTHZ-4).
func TestMetadataOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*flows.Config)
		grants []string
		pkce   []string
	}{
		{"defaults", func(*flows.Config) {}, []string{"authorization_code", "refresh_token", "implicit"}, []string{"S256", "plain"}},
		{"client credentials", withClientCredentials, []string{"authorization_code", "refresh_token", "implicit", "client_credentials"}, []string{"S256", "plain"}},
		{"RequireS256", func(c *flows.Config) { c.Policy.RequireS256 = true }, []string{"authorization_code", "refresh_token", "implicit"}, []string{"S256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.mutate)
			md, _ := e.metadata(metadataPath)
			if got := strs(md["grant_types_supported"]); !cmp.Equal(got, tc.grants) {
				t.Errorf("grant_types_supported = %v, want %v", got, tc.grants)
			}
			if got := strs(md["code_challenge_methods_supported"]); !cmp.Equal(got, tc.pkce) {
				t.Errorf("code_challenge_methods_supported = %v, want %v", got, tc.pkce)
			}
		})
	}
}

// TestMetadataPaths: R-META, configured paths are listed, absolute on the server, and
// served there, including the metadata document's own path.
func TestMetadataPaths(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) {
		c.Paths = flows.Paths{
			Authorize: "/oauth/authorize", Token: "/oauth/token", Revoke: "/oauth/revoke",
			Introspect: "/oauth/introspect", Metadata: "/meta/oauth",
		}
	})
	md, _ := e.metadata("/meta/oauth")
	e.wantEndpointsServed(md, map[string]string{
		"authorization_endpoint": e.srv.URL + "/oauth/authorize",
		"token_endpoint":         e.srv.URL + "/oauth/token",
		"revocation_endpoint":    e.srv.URL + "/oauth/revoke",
		"introspection_endpoint": e.srv.URL + "/oauth/introspect",
	})
}

// TestMetadataIssuerTrailingSlash: R-META, an issuer configured with a trailing slash still
// gives endpoint URLs with a single slash: http.ServeMux answers "//v2/token" with a
// redirect, which many OAuth clients do not follow for a POST.
func TestMetadataIssuerTrailingSlash(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Issuer += "/" })
	md, _ := e.metadata(metadataPath)
	if md["issuer"] != e.srv.URL+"/" {
		t.Errorf("issuer = %v, want the configured %s/", md["issuer"], e.srv.URL)
	}
	e.wantEndpointsServed(md, map[string]string{
		"authorization_endpoint": e.srv.URL + "/",
		"token_endpoint":         e.srv.URL + "/v2/token",
		"revocation_endpoint":    e.srv.URL + "/revoke",
		"introspection_endpoint": e.srv.URL + "/introspect",
	})
}

// TestMetadataMethods: R-META, the document is read with GET or HEAD only.
func TestMetadataMethods(t *testing.T) {
	e := newEnv(t)
	if r := e.apiDo(http.MethodHead, metadataPath, ""); r.status != http.StatusOK {
		t.Errorf("HEAD: %d", r.status)
	}
	r := e.apiDo(http.MethodPost, metadataPath, "x=1", ctHdr(ctForm)...)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q, want 405 with Allow: GET, HEAD", r.status, r.header.Get("Allow"))
	}
}
