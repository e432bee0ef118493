package flows

import (
	"net/http"
	"slices"
	"strings"
)

// Metadata is the RFC 8414 authorization server metadata.
type Metadata struct {
	// Issuer is the server's issuer identifier (Config.Issuer).
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint is the URL of the authorization endpoint (Paths.Authorize).
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	// TokenEndpoint is the URL of the token endpoint (Paths.Token).
	TokenEndpoint string `json:"token_endpoint"`
	// RevocationEndpoint is the URL of the RFC 7009 revocation endpoint (Paths.Revoke).
	RevocationEndpoint string `json:"revocation_endpoint,omitempty"`
	// IntrospectionEndpoint is the URL of the RFC 7662 introspection endpoint
	// (Paths.Introspect).
	IntrospectionEndpoint string `json:"introspection_endpoint,omitempty"`
	// JWKSURI is the URL of the JWKS (Paths.JWKS); set only with Config.JWT.
	JWKSURI string `json:"jwks_uri,omitempty"`
	// RegistrationEndpoint is the URL of the RFC 7591 dynamic client registration endpoint
	// (Paths.Registration); set only with Config.Registration.
	RegistrationEndpoint string `json:"registration_endpoint,omitempty"`
	// ScopesSupported lists the catalog's scopes, in declaration order.
	ScopesSupported []string `json:"scopes_supported"`
	// ResponseTypesSupported is "code" and "token" (implicit, for clients that allow it).
	ResponseTypesSupported []string `json:"response_types_supported"`
	// ResponseModesSupported is "query" (code) and "fragment" (token).
	ResponseModesSupported []string `json:"response_modes_supported"`
	// GrantTypesSupported lists the grants of the token endpoint that Handler serves
	// (authorization_code and refresh_token, plus client_credentials when
	// Config.Policy.ClientCredentials is set) and implicit. A server whose token endpoint accepts
	// grants of its own serves Metadata() with their types added.
	GrantTypesSupported []string `json:"grant_types_supported"`
	// TokenEndpointAuthMethodsSupported lists how clients authenticate at the token
	// endpoint: client_secret_basic, client_secret_post, and none for public clients.
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	// RevocationEndpointAuthMethodsSupported lists the same methods for the revocation
	// endpoint.
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported,omitempty"`
	// IntrospectionEndpointAuthMethodsSupported lists client_secret_basic and
	// client_secret_post: public clients cannot introspect.
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported,omitempty"`
	// CodeChallengeMethodsSupported lists the PKCE methods: S256, and plain unless
	// Config.Policy.RequireS256 is set.
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	// AuthorizationResponseIssParameterSupported is true: authorization responses carry
	// iss (RFC 9207).
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
	// ClientIDMetadataDocumentSupported is true when clients may use an https URL of
	// their client metadata document as client_id (Config.ClientIDMetadataDocuments);
	// absent otherwise.
	ClientIDMetadataDocumentSupported bool `json:"client_id_metadata_document_supported,omitempty"`

	// oauthkit's endpoints beyond RFC 8414 (the LiveChat-style token info, personal access tokens
	// and customer tokens).

	// InfoEndpoint is the URL of the token info endpoint (Paths.Info).
	InfoEndpoint string `json:"info_endpoint,omitempty"`
	// PersonalTokensEndpoint is the URL of the personal access token API
	// (Paths.PersonalTokens).
	PersonalTokensEndpoint string `json:"personal_access_tokens_endpoint,omitempty"`
	// CustomerEndpoint is the URL of the customer endpoint (Paths.Customer).
	CustomerEndpoint string `json:"customer_endpoint,omitempty"`
}

// Metadata returns the server's RFC 8414 metadata, with endpoint URLs built from the issuer
// and the configured paths.
func (s *Server) Metadata() Metadata {
	p := s.cfg.Paths
	// Paths start with "/": an issuer written with a trailing slash must not double it.
	base := strings.TrimSuffix(s.cfg.Issuer, "/")
	url := func(path string) string { return base + path }
	names := make([]string, 0)
	for _, sc := range s.catalog.Scopes() {
		names = append(names, sc.Name)
	}
	pkce := []string{PKCEMethodS256, PKCEMethodPlain}
	if s.cfg.Policy.RequireS256 {
		pkce = []string{PKCEMethodS256}
	}
	var grants []string
	for _, g := range s.defaultGrants() {
		grants = append(grants, g.GrantType())
	}
	// The authorization endpoint's implicit grant, after authorization_code and
	// refresh_token, which are always first.
	grants = slices.Insert(grants, 2, "implicit")
	clientAuth := []string{"client_secret_basic", "client_secret_post"}
	m := Metadata{
		Issuer:                                     s.cfg.Issuer,
		AuthorizationEndpoint:                      url(p.Authorize),
		TokenEndpoint:                              url(p.Token),
		RevocationEndpoint:                         url(p.Revoke),
		IntrospectionEndpoint:                      url(p.Introspect),
		ScopesSupported:                            names,
		ResponseTypesSupported:                     []string{"code", "token"},
		ResponseModesSupported:                     []string{"query", "fragment"},
		GrantTypesSupported:                        grants,
		TokenEndpointAuthMethodsSupported:          append(slices.Clone(clientAuth), "none"),
		RevocationEndpointAuthMethodsSupported:     append(slices.Clone(clientAuth), "none"),
		IntrospectionEndpointAuthMethodsSupported:  clientAuth,
		CodeChallengeMethodsSupported:              pkce,
		AuthorizationResponseIssParameterSupported: true,
		InfoEndpoint:                               url(p.Info),
		PersonalTokensEndpoint:                     url(p.PersonalTokens),
	}
	if s.customers != nil {
		m.CustomerEndpoint = url(p.Customer)
	}
	if s.keys != nil {
		m.JWKSURI = url(p.JWKS)
	}
	if s.cfg.Registration != nil {
		m.RegistrationEndpoint = url(p.Registration)
	}
	m.ClientIDMetadataDocumentSupported = s.docs != nil
	return m
}

// MetadataHandler returns the RFC 8414 metadata document, served at
// /.well-known/oauth-authorization-server.
func (s *Server) MetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		writeJSON(w, http.StatusOK, s.Metadata())
	})
}
