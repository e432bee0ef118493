package flows

// Paths are the URL paths of the server's pages and endpoints, as [Server.Handler] sees
// them: after any prefix a router strips (which is then the path of Config.Issuer). The
// sign-in pages' paths are the sign-in package's.
type Paths struct {
	// Authorize is the authorization endpoint. Default "/" (the handler also serves
	// "/authorize" then).
	Authorize string
	// Token is the token endpoint. Default "/v2/token" (the handler also serves "/token"
	// then).
	Token string
	// ErrorPage explains authorization errors to a person. Default "/ooops".
	ErrorPage string
	// Revoke is the RFC 7009 revocation endpoint. Default "/revoke".
	Revoke string
	// Introspect is the RFC 7662 introspection endpoint. Default "/introspect".
	Introspect string
	// Info is the token info endpoint (LiveChat-style). Default "/v2/info" (the handler
	// also serves "/info" then).
	Info string
	// PersonalTokens is the personal access token API. Default
	// "/v2/personal_access_tokens".
	PersonalTokens string
	// Customer creates customers and their tokens. Default "/customer/".
	Customer string
	// Metadata is the RFC 8414 metadata document. Default
	// "/.well-known/oauth-authorization-server".
	Metadata string
	// JWKS publishes the keys of JWT access tokens. Default "/.well-known/jwks.json";
	// served only with Config.JWT.
	JWKS string
	// Registration is the RFC 7591 dynamic client registration endpoint, and the prefix
	// of each registered client's RFC 7592 configuration endpoint (Registration + "/" +
	// client_id). Default "/register"; served only with Config.Registration.
	Registration string
}

// DefaultPaths returns the default paths, those of the LiveChat-style API.
func DefaultPaths() Paths {
	return Paths{
		Authorize:      "/",
		Token:          "/v2/token",
		ErrorPage:      "/ooops",
		Revoke:         "/revoke",
		Introspect:     "/introspect",
		Info:           "/v2/info",
		PersonalTokens: "/v2/personal_access_tokens",
		Customer:       "/customer/",
		Metadata:       "/.well-known/oauth-authorization-server",
		JWKS:           "/.well-known/jwks.json",
		Registration:   "/register",
	}
}

// withDefaults fills the zero fields of p from [DefaultPaths].
func (p Paths) withDefaults() Paths {
	d := DefaultPaths()
	for _, f := range []struct {
		v   *string
		def string
	}{
		{&p.Authorize, d.Authorize}, {&p.Token, d.Token}, {&p.ErrorPage, d.ErrorPage}, {&p.Revoke, d.Revoke},
		{&p.Introspect, d.Introspect}, {&p.Info, d.Info}, {&p.PersonalTokens, d.PersonalTokens},
		{&p.Customer, d.Customer}, {&p.Metadata, d.Metadata}, {&p.JWKS, d.JWKS}, {&p.Registration, d.Registration},
	} {
		setDefault(f.v, f.def)
	}
	return p
}
