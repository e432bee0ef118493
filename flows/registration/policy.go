package registration

import (
	"net/url"
	"slices"
	"strings"

	"github.com/oauthkit/oauthkit/scopes"
)

// policy is what a registered client may be, resolved against the server at Routes.
type policy struct {
	scopes, defaults  scopes.Set
	grants, methods   []string
	clientCredentials bool // the server's Policy.ClientCredentials: every confidential client may use it
	maxRedirects      int
}

// decide applies the server's rules to q, a registration request that parsed, and returns
// what would be registered. An update also passes prev, the client's registered metadata:
// a client stays public or confidential for life.
func (p policy) decide(q request, prev *Metadata) (Metadata, *answer) {
	m := Metadata{
		ClientName: q.name, ClientURI: q.clientURI, LogoURI: q.logoURI, TOSURI: q.tosURI, PolicyURI: q.policyURI,
		Contacts: q.contacts, SoftwareID: q.softwareID, SoftwareVersion: q.softwareVersion,
	}
	// token_endpoint_auth_method; absent means client_secret_basic (RFC 7591 §2).
	m.TokenEndpointAuthMethod = AuthClientSecretBasic
	if q.hasAuthMethod {
		m.TokenEndpointAuthMethod = q.authMethod
	}
	switch method := m.TokenEndpointAuthMethod; {
	case method != AuthNone && method != AuthClientSecretBasic && method != AuthClientSecretPost:
		return Metadata{}, metadataError("token_endpoint_auth_method is not supported: this server supports none, client_secret_basic and client_secret_post")
	case !slices.Contains(p.methods, method):
		return Metadata{}, metadataError("token_endpoint_auth_method must be one of: %s", strings.Join(p.methods, ", "))
	case prev != nil && (method == AuthNone) != (prev.TokenEndpointAuthMethod == AuthNone):
		return Metadata{}, metadataError("token_endpoint_auth_method cannot change between none and a client secret")
	}
	public := m.TokenEndpointAuthMethod == AuthNone

	var a *answer
	if m.GrantTypes, a = p.grantTypes(q, public); a != nil {
		return Metadata{}, a
	}
	code := slices.Contains(m.GrantTypes, GrantAuthorizationCode)
	if m.ResponseTypes, a = responseTypes(q, code); a != nil {
		return Metadata{}, a
	}
	if m.RedirectURIs, a = redirects(q, code); a != nil {
		return Metadata{}, a
	}
	if m.Scope, a = p.scope(q); a != nil {
		return Metadata{}, a
	}
	return m, nil
}

// grantTypes checks grant_types (default authorization_code, RFC 7591 §2) against the
// allowance and returns what the client may use, in a fixed order: refresh_token with
// authorization_code, since the server's code grant always issues a refresh token, and
// client_credentials for every confidential client when the server enables it, since the
// server then lets every confidential client use it.
func (p policy) grantTypes(q request, public bool) ([]string, *answer) {
	asked := []string{GrantAuthorizationCode}
	if q.hasGrantTypes {
		asked = q.grantTypes
	}
	if len(asked) == 0 {
		return nil, metadataError("grant_types is empty")
	}
	for _, g := range asked {
		if !slices.Contains(p.grants, g) {
			return nil, metadataError("grant_types may hold only: %s", strings.Join(p.grants, ", "))
		}
	}
	code, cc := slices.Contains(asked, GrantAuthorizationCode), slices.Contains(asked, GrantClientCredentials)
	switch {
	case slices.Contains(asked, GrantRefreshToken) && !code:
		return nil, metadataError("grant_types holds refresh_token without authorization_code")
	case cc && public:
		return nil, metadataError("a public client (token_endpoint_auth_method none) cannot use client_credentials")
	case !public && p.clientCredentials && !slices.Contains(p.grants, GrantClientCredentials):
		return nil, metadataError("this server registers public clients only: use token_endpoint_auth_method none")
	}
	var out []string
	if code {
		out = append(out, GrantAuthorizationCode, GrantRefreshToken)
	}
	if cc || (!public && p.clientCredentials) {
		out = append(out, GrantClientCredentials)
	}
	return out, nil
}

// responseTypes checks response_types against the grant types: code with
// authorization_code, none without (RFC 7591 §2.1); the implicit grant is not offered.
func responseTypes(q request, code bool) ([]string, *answer) {
	want := []string{}
	if code {
		want = []string{"code"}
	}
	if !q.hasResponseTypes {
		return want, nil
	}
	switch {
	case slices.Contains(q.responseTypes, "token"):
		return nil, metadataError("response_types: the implicit grant (token) is not offered to registered clients")
	case !slices.Equal(q.responseTypes, want):
		if code {
			return nil, metadataError("response_types must be code, for the authorization_code grant")
		}
		return nil, metadataError("response_types must be empty without the authorization_code grant")
	}
	return want, nil
}

// redirects checks redirect_uris: required for the authorization_code grant and absent
// without it; https, a private-use scheme of a native app, or http on the person's own
// machine (a loopback host) only.
func redirects(q request, code bool) ([]string, *answer) {
	switch {
	case code && len(q.redirectURIs) == 0:
		return nil, redirectError("redirect_uris is required for the authorization_code grant")
	case !code && len(q.redirectURIs) > 0:
		return nil, redirectError("redirect_uris is only for the authorization_code grant")
	}
	for i, s := range q.redirectURIs {
		u, err := url.Parse(s)
		if err != nil { // ValidateRegistered accepted it; net/url agrees there
			return nil, redirectError("%s is not a valid redirect URI", describe("redirect_uris", i))
		}
		if strings.EqualFold(u.Scheme, "http") && !loopbackHost(u.Hostname()) {
			return nil, redirectError("%s: http is allowed only on a loopback host (127.0.0.1, [::1], localhost); use https", describe("redirect_uris", i))
		}
	}
	return q.redirectURIs, nil
}

// loopbackHost reports whether h (no port, no brackets) is the person's own machine.
func loopbackHost(h string) bool {
	switch strings.ToLower(h) {
	case "127.0.0.1", "::1", "localhost":
		return true
	}
	return false
}

// scope returns the scopes to register, space-separated: those asked for that the
// allowance holds, or the defaults when none were asked for. Asking only for scopes
// outside the allowance is refused.
func (p policy) scope(q request) (string, *answer) {
	if !q.hasScope || len(q.scope) == 0 {
		return strings.Join(p.defaults.Names(), " "), nil
	}
	got := scopes.New(q.scope...).Intersect(p.scopes)
	if got.IsEmpty() {
		return "", metadataError("none of the requested scopes may be registered here")
	}
	return strings.Join(got.Names(), " "), nil
}
