package registration

// Metadata is a client's metadata (RFC 7591 §2) as this server registers it: what a
// registration asked for, validated, with the server's defaults and replacements. It is
// what the registration endpoint returns and what [Config.Check] is shown. Members this
// server does not support (jwks, jwks_uri, localized names such as "client_name#fr",
// extensions) are ignored, as RFC 7591 §2 asks, and so neither stored nor returned.
type Metadata struct {
	// RedirectURIs are redirect_uris, in order, without repeats; required for the
	// authorization_code grant, absent otherwise.
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	// TokenEndpointAuthMethod is token_endpoint_auth_method: "none" for a public client,
	// "client_secret_basic" (the RFC 7591 default) or "client_secret_post" for a
	// confidential one.
	TokenEndpointAuthMethod string `json:"token_endpoint_auth_method"`
	// GrantTypes are grant_types: authorization_code (the default) with refresh_token, and
	// client_credentials for a confidential client where the server allows it.
	GrantTypes []string `json:"grant_types"`
	// ResponseTypes are response_types: "code" with the authorization_code grant, none
	// otherwise.
	ResponseTypes []string `json:"response_types"`
	// ClientName is client_name, trimmed: the name the consent page shows. The client's own
	// claim: anyone may register any name.
	ClientName string `json:"client_name,omitempty"`
	// ClientURI, LogoURI, TOSURI and PolicyURI are client_uri, logo_uri, tos_uri and
	// policy_uri: https URLs, stored and returned.
	ClientURI string `json:"client_uri,omitempty"`
	LogoURI   string `json:"logo_uri,omitempty"`
	TOSURI    string `json:"tos_uri,omitempty"`
	PolicyURI string `json:"policy_uri,omitempty"`
	// Scope is scope: the registered scopes, space-separated (RFC 7591 §2), sorted.
	Scope string `json:"scope,omitempty"`
	// Contacts are contacts, stored and returned.
	Contacts []string `json:"contacts,omitempty"`
	// SoftwareID and SoftwareVersion are software_id and software_version, stored and
	// returned.
	SoftwareID      string `json:"software_id,omitempty"`
	SoftwareVersion string `json:"software_version,omitempty"`
}

// The token endpoint authentication methods (RFC 7591 §2) this server supports.
const (
	AuthNone              = "none"
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
)

// The grant types a registered client may use.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// clone returns a copy of m that shares no slice with it.
func (m Metadata) clone() Metadata {
	m.RedirectURIs = append([]string(nil), m.RedirectURIs...)
	m.GrantTypes = append([]string(nil), m.GrantTypes...)
	m.ResponseTypes = append([]string(nil), m.ResponseTypes...)
	m.Contacts = append([]string(nil), m.Contacts...)
	return m
}
