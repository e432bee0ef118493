// Package clientmeta resolves OAuth Client ID Metadata Documents
// (draft-ietf-oauth-client-id-metadata-document, the way MCP clients identify
// themselves): a client that uses an https URL as its client_id publishes its
// registration, as RFC 7591 client metadata in JSON, at that URL, and the authorization
// server fetches it instead of having the client registered beforehand.
//
// [IsClientIDURL] tells whether a client_id is such a URL; [Resolver.Resolve] fetches,
// validates and caches its document and returns a [Document]: the client's ID, name,
// redirect URIs, scopes, the hostname to show on the consent page, and whether every
// redirect URI is on the user's own machine.
//
// # Threat model
//
// Anyone can send any client_id, so the URL is attacker input and so is the document:
//
//   - The URL must follow the draft's rules ([ValidateURL]); it is fetched with a client
//     that connects only to public addresses, checked on the address actually dialled
//     (so a name that resolves to 127.0.0.1 or 169.254.169.254 is refused, DNS rebinding
//     included), and an IP address in the URL must be public too. Redirects are not
//     followed (the draft forbids it). Only Options.AllowPrivate, for tests and
//     development, lifts the address rule.
//   - A fetch reads at most Options.MaxBytes (5120 by default) and lasts at most
//     Options.Timeout (5 s); at most Options.MaxFetches run at once, and concurrent calls
//     for one URL share one fetch.
//   - The answer must be status 200 with a JSON media type, one JSON object without
//     repeated member names, whose client_id is the URL exactly (string equality).
//   - No shared secret: client_secret and client_secret_expires_at must be absent,
//     token_endpoint_auth_method must be none (or absent, read as none); private_key_jwt
//     is refused because this server does not support it yet; jwks may hold public keys
//     only. Every such client is public.
//   - redirect_uris is required and each must be a valid redirect URI by the rules of
//     package redirecturi; requests are compared with [Document.MatchRedirect] (exact
//     string match, with the RFC 8252 loopback port exception). grant_types may hold only
//     authorization_code (required) and refresh_token, response_types only code.
//     client_name must be plain text (no control, format or bidirectional characters),
//     client_uri and logo_uri https URLs, scope valid scope names. Other members are
//     ignored.
//   - The cache is two fixed-size LRUs (documents, failures): memory is bounded whatever
//     the number of URLs tried. A document is used for the lifetime its response's HTTP
//     caching headers give it, bounded by Options.MinTTL and Options.MaxTTL; a failure
//     is answered again for Options.FailureTTL without a new fetch.
//
// # Errors
//
// Every error is an *[Error] whose Description is safe to show and to send as an OAuth
// error_description. Its kind says how to answer: [ErrInvalidURL], [ErrFetch] and
// [ErrInvalidDocument] mean the client cannot be used (an unknown client: at the
// authorization endpoint the error page, never the redirect URI; at the token endpoint
// invalid_client); [ErrUnavailable] means this server could not finish now
// (temporarily_unavailable).
package clientmeta
