package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/internal/resourceid"
	"github.com/oauthkit/oauthkit/scopes"
)

// ResourceMetadata is an RFC 9728 §2 protected resource metadata document: what a client
// (an MCP client, for one) reads to learn which authorization servers issue tokens for
// this resource and how to present them. [NewMetadataHandler] checks and serves it.
type ResourceMetadata struct {
	// Resource is the resource's identifier, required: an absolute https (or http) URI
	// in canonical form ([CanonicalResource]), the same as [Options.Resource]. The
	// metadata's URL is derived from it ([ResourceMetadataURL]), and clients check that
	// the document names the resource they derived that URL from (RFC 9728 §3.3).
	Resource string `json:"resource"`
	// AuthorizationServers are the issuer identifiers (RFC 8414 §2) of the authorization
	// servers whose tokens this resource accepts: absolute http(s) URLs without query or
	// fragment, published as written. The MCP authorization specification requires at
	// least one.
	AuthorizationServers []string `json:"authorization_servers,omitempty"`
	// ScopesSupported are the scopes clients may request for this resource (valid scope
	// names).
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// BearerMethodsSupported are the ways a token may be sent (RFC 6750 §2): "header",
	// "body" (Options.AllowFormToken) and "query" (Options.AllowQueryToken). Nil means
	// ["header"], what [Authenticate] accepts by default; an empty, non-nil slice publishes
	// [] (no way at all).
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	// ResourceName is a human-readable name of the resource, which a client may show to
	// the person (valid UTF-8).
	ResourceName string `json:"resource_name,omitempty"`
	// ResourceDocumentation is the URL of documentation for developers using the resource
	// (an absolute http(s) URL).
	ResourceDocumentation string `json:"resource_documentation,omitempty"`
}

// metadataWellKnown is the well-known name of RFC 9728 §3.
const metadataWellKnown = "oauth-protected-resource"

// metadataMaxAge is how long clients and shared caches may keep the document.
const metadataMaxAge = 5 * 60

// MetadataHandler serves one [ResourceMetadata] document: an http.Handler to mount at
// [MetadataHandler.Path]. The document is public: it answers without authentication,
// with Access-Control-Allow-Origin: * so that browser-based clients of any origin can read
// it. It is safe for concurrent use.
//
//   - GET and HEAD: 200, the JSON document, Cache-Control: public, max-age=300;
//   - OPTIONS (a CORS preflight or not): 204 allowing GET, HEAD and OPTIONS from any
//     origin, any request header (MCP clients send MCP-Protocol-Version), for a day;
//   - any other method: 405 with Allow.
type MetadataHandler struct {
	body []byte
	url  string
	path string
}

// NewMetadataHandler checks m and returns its handler. It refuses a Resource that is not
// in canonical form, authorization servers and documentation that are not absolute
// http(s) URLs (issuers without query or fragment), duplicates, invalid scope names,
// bearer methods other than header, body and query, and a name that is not UTF-8.
func NewMetadataHandler(m ResourceMetadata) (*MetadataHandler, error) {
	if err := mustBeCanonical(m.Resource); err != nil {
		return nil, fmt.Errorf("middleware: ResourceMetadata.Resource: %w", err)
	}
	for i, as := range m.AuthorizationServers {
		if !validIssuer(as) {
			return nil, fmt.Errorf("middleware: ResourceMetadata.AuthorizationServers[%d] is not an http(s) issuer identifier without query or fragment", i)
		}
	}
	for i, s := range m.ScopesSupported {
		if !scopes.ValidName(s) {
			return nil, fmt.Errorf("middleware: ResourceMetadata.ScopesSupported[%d] is not a valid scope name", i)
		}
	}
	if m.BearerMethodsSupported == nil {
		m.BearerMethodsSupported = []string{"header"}
	}
	for _, b := range m.BearerMethodsSupported {
		if b != "header" && b != "body" && b != "query" {
			return nil, errors.New("middleware: ResourceMetadata.BearerMethodsSupported may hold header, body and query only")
		}
	}
	for name, list := range map[string][]string{"AuthorizationServers": m.AuthorizationServers,
		"ScopesSupported": m.ScopesSupported, "BearerMethodsSupported": m.BearerMethodsSupported} {
		if hasDuplicate(list) {
			return nil, fmt.Errorf("middleware: ResourceMetadata.%s has a duplicate", name)
		}
	}
	if !utf8.ValidString(m.ResourceName) {
		return nil, errors.New("middleware: ResourceMetadata.ResourceName is not valid UTF-8")
	}
	if m.ResourceDocumentation != "" && !validWebURL(m.ResourceDocumentation) {
		return nil, errors.New("middleware: ResourceMetadata.ResourceDocumentation is not an absolute http(s) URL")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("middleware: ResourceMetadata: %w", err)
	}
	u, err := resourceid.WellKnown(m.Resource, metadataWellKnown)
	if err != nil { // cannot happen: m.Resource is canonical
		return nil, fmt.Errorf("middleware: ResourceMetadata.Resource: %w", err)
	}
	return &MetadataHandler{body: append(body, '\n'), url: u, path: pathOf(u)}, nil
}

// URL returns the metadata's URL ([ResourceMetadataURL] of the resource), for
// [Options.ResourceMetadata].
func (h *MetadataHandler) URL() string { return h.url }

// Path returns the path of [MetadataHandler.URL], where to mount the handler:
// "/.well-known/oauth-protected-resource" for a resource at the root of its host,
// "/.well-known/oauth-protected-resource/mcp" for "https://mcp.example.com/mcp". It is
// escaped as in the URL. With http.ServeMux, a Path that ends in '/' (a resource whose
// identifier does) is a subtree pattern; add "{$}" to match it alone.
func (h *MetadataHandler) Path() string { return h.path }

// ServeHTTP implements http.Handler.
func (h *MetadataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		hd.Set("Content-Type", "application/json")
		hd.Set("Content-Length", strconv.Itoa(len(h.body)))
		hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(metadataMaxAge))
		hd.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(h.body)
		}
	case http.MethodOptions:
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		// "*" is any header for requests without credentials (Fetch standard); the
		// header MCP clients send is named too, for user agents that predate the wildcard.
		hd.Set("Access-Control-Allow-Headers", "*, MCP-Protocol-Version")
		hd.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
	default:
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// pathOf returns the escaped path of u, an absolute URL of the strict syntax of resource
// identifiers: what follows the authority, up to the query.
func pathOf(u string) string {
	rest := u[strings.Index(u, "://")+3:]
	rest, _, _ = strings.Cut(rest, "?")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return "/"
}

// validIssuer reports whether s is an issuer identifier as RFC 8414 §2 says, allowing
// http for development: an absolute http(s) URL without query or fragment.
func validIssuer(s string) bool {
	_, err := resourceid.Canonical(s)
	return err == nil && !strings.Contains(s, "?")
}

// validWebURL reports whether s is an absolute http(s) URL with a host and no user
// information.
func validWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil &&
		!strings.ContainsAny(s, " \t\r\n")
}

func hasDuplicate(list []string) bool {
	sorted := slices.Clone(list)
	slices.Sort(sorted)
	return len(slices.Compact(sorted)) != len(list)
}
