// Package middleware is oauthkit's resource-server side: net/http middleware that
// authenticates API requests with OAuth access tokens, personal access tokens and customer
// tokens, and checks their scopes and kind.
//
// Every piece is a func(http.Handler) http.Handler, so it composes with http.ServeMux, chi
// or any router:
//
//   - [Authenticate] takes the credential from the request (RFC 6750 §2.1 Bearer, or HTTP
//     Basic with a personal access token, as the LiveChat-style API accepts), checks it
//     with a [Validator], and puts the token's [Info] in the request context
//     ([TokenFromContext]). It treats every Validator alike: wrapping one (for metrics,
//     say) changes nothing of what it decides.
//   - [RequireScopes] refuses tokens whose scopes do not satisfy the route's, implied
//     scopes included ("x:rw" satisfies "x:ro").
//   - [RequireKind], [AgentOnly], [CustomerOnly] and [ClientOnly] keep customer tokens off
//     agent APIs and agent tokens off customer APIs, and tokens that act for no
//     account ([KindClient]: client_credentials) off routes that need an account.
//
// Validators: [Local] reads the authorization server's own storage, with the server's
// credentials.Hasher; [Introspection] asks the server over RFC 7662; [JWT] verifies
// RFC 9068 JWT access tokens against the issuer's JWKS. [Cached] puts a bounded LRU with a
// negative cache and request coalescing in front of any of them.
//
// Threat model. The middleware assumes the network between client and resource server is
// TLS, and that anything in a request is hostile: headers are parsed strictly, credentials
// are compared in constant time or by keyed-hash lookup, and the raw token is never logged,
// cached as a key or echoed. It fails closed: a validator that cannot answer (storage down,
// introspection endpoint unreachable, JWKS unavailable) makes the request fail with 503,
// never pass; a scope or kind middleware that finds no authenticated token refuses the
// request. Responses follow RFC 6750 §3 and carry no internal detail. Bad configuration
// panics at construction (like http.ServeMux.Handle), never per request.
package middleware
