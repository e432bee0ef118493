// Package middleware is oauthkit's resource-server side: net/http middleware that
// authenticates API requests with OAuth access tokens, personal access tokens and customer
// tokens, and checks their scopes and kind. It imports neither the authorization server
// (package flows) nor a storage backend, so a resource server in another process needs
// only this package, with introspection or JWT validation.
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
//     scopes included ("x:rw" satisfies "x:ro", plus the catalog's declared rules,
//     transitively; a nil catalog applies the built-in rule only).
//   - [RequireKind], [AgentOnly], [CustomerOnly] and [ClientOnly] keep customer tokens off
//     agent APIs and agent tokens off customer APIs, and tokens that act for no
//     account ([KindClient]: client_credentials) off routes that need an account.
//   - [NewMetadataHandler] serves the resource's RFC 9728 protected resource metadata,
//     which an MCP client reads to find the authorization server; with Options.Resource
//     and ResourceMetadata, Authenticate accepts only tokens issued for this resource
//     (RFC 8707) and points every challenge at the metadata.
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
// fails at construction, never per request: the validators' constructors return an error,
// and a middleware given a nil validator, a realm with '"', a refresh kind or an
// undeclared or invalid required scope panics (like http.ServeMux.Handle).
//
// # Responses
//
// Every refusal has a JSON body {"error": …, "error_description": …} and Cache-Control:
// no-store. Status and WWW-Authenticate per situation:
//
//   - no credential, or a scheme other than Bearer and Basic (Basic too with
//     Options.DisableBasic): 401, Bearer realm="…" with no error attribute (RFC 6750
//     §3.1); the body's error is "unauthorized".
//   - a malformed header, several Authorization headers, a token in the query or the form
//     when that is not allowed, a token sent more than one way: 400, Bearer realm="…",
//     error="invalid_request", error_description="…".
//   - an unknown, expired or revoked token, a refresh token, a token other than a personal
//     access token sent as Basic, a Basic user name that does not name the token's
//     account: 401, error="invalid_token".
//   - a token whose audience does not name Options.Resource, when set: 401,
//     error="invalid_token", error_description="the access token is not meant for this
//     resource".
//   - a token of a kind the route does not accept (Options.Kinds, RequireKind): 401,
//     error="invalid_token", error_description="this kind of token is not accepted here".
//   - scopes insufficient: 403, error="insufficient_scope", scope="<the required scopes,
//     space-separated>".
//   - a validator that cannot decide (storage down, introspection unreachable, JWKS never
//     fetched): 503 temporarily_unavailable with Retry-After: 5 and no challenge; the
//     request never passes, and the cause is logged (Options.Logger).
//   - RequireScopes or RequireKind mounted without Authenticate before it: 500
//     server_error, no challenge.
//
// With Options.ResourceMetadata, every challenge above (400, 401, 403) ends with
// resource_metadata="<the metadata URL>" (RFC 9728 §5.1). Attribute values are
// quoted-strings in which '"' and '\' would be escaped; the configuration that fills
// them is checked at construction.
//
// # Credentials
//
// A Bearer token (the scheme name in any case, then spaces) is an RFC 6750 b64token plus
// ':' (oauthkit's tokens look like "oak:at_…"), '=' only at its end, at most
// [MaxTokenLength] (4096) bytes; anything else is malformed before a validator sees it.
// Basic credentials are taken as sent (RFC 7617), not form-urldecoded: that rule of RFC
// 6749 §2.3.1 is for client credentials. Tokens in the query (access_token=, RFC 6750 §2.3)
// or in a form body (§2.2) are off by default (Options.AllowQueryToken, AllowFormToken):
// URLs end up in logs and Referer headers. A query token sent while they are off is
// refused with 400 rather than ignored.
//
// Options.Kinds defaults to access tokens and personal access tokens that act for an
// account (an agent API): a route that forgets the kind check refuses customer tokens and
// client_credentials tokens rather than accepting them.
//
// # Validators
//
// A [Validator] has one method, Validate(ctx, Credential) (Info, error); its errors wrap
// [ErrInvalidToken] (401) or [ErrUnavailable] (503; any other error is treated the same
// way). [ValidatorFunc] adapts a function.
//
// [NewLocal](tokens, hasher, [LocalOptions]) reads the same storage as the authorization
// server: in its process, or a database it shares, with the same [credentials.Hasher].
// Tokens are looked up by their keyed hash; refresh, rotated and expired tokens are
// refused (LocalOptions.Now is the clock). Personal access tokens are accepted only with
// LocalOptions.Accounts and Catalog: while the account exists, is still in the token's
// organization and holds one of SignInRoles (when set), and with administrator-only scopes
// only while it holds AdminRole; as Basic, the user name must be the token's AccountID
// (compared in constant time) or the account's login (case-insensitive). With
// LocalOptions.JWT and TokenAdmin, JWT access tokens are verified and their jti must name a
// live token record: that is how a JWT is revoked.
//
// [NewIntrospection](endpoint, [IntrospectionOptions]) is RFC 7662, for resource servers in
// other processes: it posts token with token_type_hint=access_token, authenticating with
// client_secret_basic (form-urlencoded before base64), with a timeout per call (default
// 5 s) and a bound on the answer (default 64 KiB). active:false is an invalid token;
// non-200 answers, timeouts and malformed JSON leave the question open (503). It maps
// scope (space- or comma-separated), client_id, sub, exp, iat, nbf, jti, account_id,
// organization_id, customer_id and username (the login, for Basic personal access tokens).
// The kind comes from kind (access, personal, customer, client) when present, else from a
// token_type naming a kind; Bearer, access_token or none means an access token, or a
// customer token when customer_id is set; refresh tokens are refused. aud, a string or an
// array of strings, is Info.Audience; an aud of another type is a malformed answer (503).
//
// [NewJWT]([JWTOptions]) verifies RFC 9068 JWT access tokens locally: an algorithm
// allow-list (default ES256, EdDSA, RS256; only asymmetric algorithms can be listed, never
// none or HMAC), header typ at+jwt (or application/at+jwt), kid required, iss exact, aud
// containing Audience (compared canonically when Audience is an http(s) resource
// identifier, exactly otherwise), exp and iat required, nbf honoured, 30 s of leeway (at most 5
// minutes; Info.ExpiresAt is exp plus the leeway), sub, client_id and jti required. The
// JWKS (JWTOptions.JWKSURL, at most 1 MiB; or a fixed JWKS) is fetched on first use,
// cached for KeysMaxAge (10 minutes) and refetched at once for an unknown kid, but at most
// once per MinRefetchInterval (10 s), so a flood of forged kids costs one request per
// interval. Keys never fetched mean 503; a failed refresh keeps the old keys.
//
// # Audiences and protected resource metadata
//
// A token can be bound to the resource servers it is for (RFC 8707 resource indicators):
// its audience, [Info.Audience], which every validator reports (the record's
// store.Token.Audience, introspection's aud, the JWT's aud). Options.Resource names this
// resource server; Authenticate then refuses, with 401 invalid_token, a token whose
// audience does not name it, and a token without an audience, so that a token obtained
// for another server (another MCP server, say) cannot be replayed here. The check follows
// every validator's verdict, [Cache] hits included, so it is the same for every
// validator, custom ones too.
//
// Resource identifiers are compared canonically ([CanonicalResource]): scheme and host
// case-insensitive, the default port dropped, "https://api.example.com/" the same as
// "https://api.example.com"; paths are case-sensitive and a trailing slash makes another
// path ("…/mcp/" is not "…/mcp"); percent-encodings of unreserved characters are decoded;
// the query is compared exactly; a fragment, user information and "." or ".." segments
// make an identifier invalid, which names nothing. The authorization server applies the
// same rules to the resource parameter.
//
// [NewMetadataHandler] checks a [ResourceMetadata] document (resource,
// authorization_servers, scopes_supported, bearer_methods_supported, resource_name,
// resource_documentation) and serves it at [MetadataHandler.Path]: the RFC 9728 §3.1
// well-known URL, "/.well-known/oauth-protected-resource" inserted before the resource's
// path ([ResourceMetadataURL]), so "https://mcp.example.com/mcp" publishes at
// "/.well-known/oauth-protected-resource/mcp" and a resource at the root of its host at
// "/.well-known/oauth-protected-resource". The document is public: JSON, Cache-Control:
// public, max-age=300, Access-Control-Allow-Origin: *, and CORS preflights answered, for
// browser-based clients. Give [MetadataHandler.URL] to Options.ResourceMetadata so that
// the challenges point at it, as the MCP authorization specification requires.
//
// # Cached validation
//
// [Cached](v, [CacheOptions]) returns a [Cache], itself a Validator:
//
//   - Valid tokens are kept in a bounded LRU (golang-lru/v2's simplelru; default 10 000
//     entries, sharded 16 ways when both bounds are at least 1024). An entry is served only
//     before min(token expiry, stored + MaxAge), checked on every hit (default MaxAge 1
//     minute). It is found by a keyed 64-bit hash of the credential and served only if the
//     presented credential equals the one it holds, compared in constant time: the raw
//     token is never a map key, and credentials whose hashes collide never share an
//     answer. The entries do hold the valid tokens themselves: a copy of the process's
//     memory shows them.
//   - Invalid credentials are remembered for NegativeTTL (5 s; negative turns it off) in a
//     second LRU (NegativeSize, 10 000), by their SHA-256 only, so a flood of garbage
//     reaches the backend once per distinct token per NegativeTTL (twice once the LRU is
//     full). ErrUnavailable is never cached.
//   - A full LRU stores a credential only on its second miss within a short window: a
//     token in use gets in on its second request, while more tokens than the cache holds,
//     each used now and then, pass through at the cost of the backend alone instead of
//     evicting an entry on every miss. A miss costs little more than the backend call.
//   - Concurrent misses for one credential share one backend call, made by the first on
//     its own goroutine with its own context (and Timeout, if set); the others wait, each
//     as long as its own context allows, and ask again if the first gave up.
//   - [Cache.Forget] drops tokens by ID (store record ID or JWT jti) at once, answers still
//     in flight included; [Cache.SubscribeTo] wires it to a backend that publishes
//     revocations ([store.RevocationPublisher]: memstore and sqlstore do), so revocations
//     made through this process are seen immediately.
//   - A revocation made elsewhere (another server instance, another process on the same
//     database, the remote server behind introspection) is seen within MaxAge at most: set
//     MaxAge to the staleness you accept.
//   - No goroutine: every entry carries its deadline, checked on read, so [Cache.Close]
//     only ends the subscriptions and empties the cache (which then passes every call
//     through). golang-lru's expirable LRU is not used because it starts a goroutine per
//     cache that can never be stopped, expires by the wall clock rather than per token
//     with an injectable clock, and reads the clock on every Get.
//
// With the default clock, a hit reads the monotonic clock only: the same check unless the
// wall clock is stepped, and then an entry is never served longer than MaxAge.
//
// # JWT access tokens and revocation
//
// A JWT can be verified with nothing but the issuer's public keys, with no storage and no
// network per request, but for that very reason a JWT validator alone cannot see
// revocations: a revoked JWT stays valid until its exp. Keep JWT lifetimes short, or, where
// revocation must bite, use [Local] with LocalOptions.JWT (it checks the jti's record) or
// [Introspection] (the server checks it).
package middleware
