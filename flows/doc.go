// Package flows is an OAuth 2.1 authorization server to mount inside a Go program: the
// authorization endpoint with consent, the token endpoint and its grants, revocation,
// introspection, token info, personal access tokens, customer tokens, metadata, the JWKS
// and the error page, over the storage parts of package store. Its paths, parameters and
// answers are compatible with the LiveChat-style API; where that API is silent, each
// endpoint follows the RFC it cites.
//
// A [Server] is built once from a [Config] by [New], which fails on bad configuration;
// [Server.Handler] serves every endpoint under any router:
//
//	srv, err := flows.New(flows.Config{
//		Issuer:  "https://auth.example.com",
//		Storage: st,     // a store.Storage: memstore, sqlstore, or parts of your own
//		Hasher:  hasher, // credentials.NewHasher(key): the key stays out of the database
//		Scopes:  catalog,
//	})
//	mux.Handle("/", srv.Handler()) // chi: r.Mount("/", srv.Handler())
//
// Behind a router that strips a prefix (http.StripPrefix), the issuer's path is that
// prefix. Every endpoint is also an ordinary http.Handler returned by a method of Server,
// to mount alone at any path. Config's zero fields mean documented defaults: codes live
// 5 minutes, access tokens 8 hours, refresh tokens 30 days (and no grant longer than 90
// days), personal access tokens a year, customer tokens 8 hours ([Lifetimes]); 25 live
// tokens of each kind per (client, account), and no cap on a client's client_credentials
// tokens ([Limits]); who may do what is [Policy].
//
// # Sign-in
//
// The authorization endpoint asks an [Authenticator] who is signed in, and has it send
// people to sign in and back. An application with its own users and sessions implements
// it (two methods) and sets Config.Authenticator; built-in password sign-in and federated
// sign-in through an upstream OpenID Connect provider live in their own packages
// (flows/signin and flows/federation), which plug in the same way.
//
// # Endpoints
//
// The default paths are those of the LiveChat-style API ([DefaultPaths]; Config.Paths
// changes them):
//
//	path                                     methods    handler                what
//	/  (and /authorize)                      GET, POST  AuthorizeHandler       authorization; POST: consent
//	/v2/token  (and /token)                  POST       TokenHandler           token endpoint
//	/v2/token  (and /token)                  DELETE     DeleteTokenHandler     revocation, LiveChat style
//	/revoke                                  POST       RevokeHandler          revocation, RFC 7009
//	/v2/info  (and /info)                    GET, HEAD  InfoHandler            token info
//	/introspect                              POST       IntrospectHandler      introspection, RFC 7662
//	/v2/personal_access_tokens               GET, POST  PersonalTokensHandler  list, create
//	/v2/personal_access_tokens/{id}          DELETE     PersonalTokensHandler  revoke
//	/customer/  (and /customer)              POST       CustomerHandler        customer tokens
//	/ooops                                   GET, HEAD  ErrorPageHandler       the error page
//	/.well-known/oauth-authorization-server  GET, HEAD  MetadataHandler        metadata, RFC 8414
//	/.well-known/jwks.json                   GET, HEAD  JWKSHandler            JWKS (with Config.JWT)
//	/register                                POST       Config.Registration    client registration, RFC 7591
//	/register/{client_id}                    GET, PUT,  Config.Registration    its management, RFC 7592
//	                                         DELETE
//
// The aliases /authorize, /token and /info are served only while their path is the default;
// a customer path ending in a slash is served without it too. Through Handler, any other
// method is 405 with Allow (on the token path "Allow: DELETE, POST"), paths that no handler
// serves are 404, and paths that collide make New fail. The sign-in pages are not in this
// table: they belong to the sign-in in use. OPTIONS is answered 204 where CORS applies
// (below).
//
// # Authorization request
//
// client_id and redirect_uri are checked first. While either is missing, unknown or not
// registered (redirect URIs match exactly, as package redirecturi says; a loopback URI
// matches any port for public clients only, and so does an http://localhost one with
// Policy.LocalhostAnyPort, which MCP clients need), the person goes to the error page with
// oauth_exception=unauthorized_client and exception_details client_id_not_found,
// redirect_uri_not_set (the client has none) or invalid_redirect_uri, and never to the
// redirect URI. After that, errors go back to the client with error, error_description,
// state and iss, in the query (in the fragment for response_type=token), or to the error
// page for every error with Policy.ErrorPageMode.
//
// response_type is code, or token for a client with AllowImplicit (the implicit grant,
// kept for compatibility: the token comes in the fragment, with no refresh token). scope
// (names separated by commas or spaces) may narrow the client's scopes, never widen them;
// without it the request asks for the client's scopes that the account may hold.
// Administrator-only scopes need Policy.AdminRole: named without it they are
// invalid_scope, asked for by default they are dropped. PKCE (RFC 7636): code_challenge
// with code_challenge_method S256 or plain (in any case; plain when absent); public
// clients and clients with RequirePKCE must send one, and Policy.RequireS256 refuses plain.
// A private client (Client.OrganizationID) serves only accounts of its organization.
// prompt=consent asks again even when consent is remembered; prompt=none shows no page
// and answers login_required, or missing_grant when consent was never given, was refused
// or the client's scopes changed since. Success redirects with code, state and iss
// (RFC 9207).
//
// Consent is skipped for a private client used by an account of its own organization,
// and when the account already granted the requested scopes to the client under its
// current scopes. The page names the app and describes each scope from the catalog;
// Allow remembers the grant, Deny withdraws what was remembered (prompt=none then answers
// missing_grant). A client may send one signed-in person here Limits.Redirects times (3)
// within Limits.RedirectWindow (30 s; consent decisions do not count); the next request is
// taken for a redirect loop and goes to the error page with
// exception_details=too_many_redirects.
//
// # Clients identified by a metadata document
//
// Off by default. With Config.ClientIDMetadataDocuments ([ClientIDMetadataDocuments]) a
// client that was never registered here may use as client_id an https URL where it
// publishes its registration, a client ID metadata document (the OAuth Client ID Metadata
// Document draft, as MCP clients do): when storage does not know a client_id that is such
// a URL, the server fetches the document, checks it (its client_id must be the URL
// exactly; no secret; redirect URIs valid) and caches it. Storage is looked up first, so a
// stored client with a URL as ID is that client. The URL and the document are untrusted
// input: the document is fetched only from public addresses (checked on the address
// dialled; AllowPrivate lifts this for tests and development), without redirects, at most
// 5 KiB within 5 s, at most 32 fetches at once, and kept in a cache of bounded size for
// the lifetime its HTTP caching headers give it (between a minute and a day), failures
// for 5 s.
//
// Such a client is public: it authenticates with client_id alone (a secret sent anyway
// is invalid_client), must use PKCE with S256 (plain is invalid_request), may not use the
// implicit grant, and its refresh tokens rotate. Its redirect URIs match exactly, without
// the path-prefix rule of stored clients, except that an http://127.0.0.1 or
// http://[::1] one matches any port. It may use at the token endpoint the grant types its
// document lists, authorization_code and, when listed, refresh_token (otherwise the code
// grant issues no refresh token and the refresh grant is unauthorized_client). Its scopes
// are those of its document's scope member that ClientIDMetadataDocuments.Scopes allows
// (by default every catalog scope that is neither administrator-only nor
// PersonalTokensScope), or all of those when the document has no scope member; a request
// without scope asks for all of them, and the consent page lists each.
//
// A document that cannot be used (not fetched, not JSON, a client_id of another URL, a
// secret, a redirect URI that is invalid) makes the client unknown: the error page with
// client_id_not_found at the authorization endpoint, unauthorized_client at the token
// endpoint with the reason as error_description (and in the log at Info level); a
// redirect URI the document does not list is invalid_redirect_uri; both never reach any
// redirect URI. A document that cannot be resolved now (too many fetches in flight) is
// temporarily_unavailable: the error page, or 503 with Retry-After. Every use of the
// client (each authorization, each token request, each refresh) resolves it again, from
// the cache while it is fresh, so a scope the document drops is dropped from the next
// refresh, and a document that is gone ends refreshing.
//
// The consent page names such a client by the host of its URL, the one thing about it
// that was checked ("app.example.com wants to access your account"), and gives the name
// the document claims only second, as its claim; the sign-in page names it by host too,
// and no logo is loaded. When the answer goes to a program on the person's computer (a
// loopback or native-app redirect URI, as all of a desktop app's are), the page warns
// that any program can claim to be that host and asks to continue only if the person
// started the app, and consent is asked every time (RFC 8252 §8.6: the client's identity
// cannot be assured), although the grant is remembered per client ID URL as for any
// client. The metadata says client_id_metadata_document_supported.
//
// # Token endpoint
//
// Parameters come as application/x-www-form-urlencoded or as a JSON object of strings; a
// repeated parameter is invalid_request, and bodies are limited to 64 KiB (413 beyond).
// Every answer, success or error, carries Cache-Control: no-store and Pragma: no-cache.
// Confidential clients authenticate with client_secret_basic (id and secret
// form-urlencoded before base64, RFC 6749 §2.3.1) or client_secret_post; public clients
// send client_id alone. Failures map to errors so:
//
//   - no client_id, or an unknown one: unauthorized_client (the LiveChat-style code), 400;
//     401 with WWW-Authenticate: Basic when Basic was used.
//   - a wrong or missing secret, or a secret sent by a public client: invalid_client, 401
//     (with WWW-Authenticate: Basic when Basic was used).
//   - Basic and client_secret together, Basic whose user differs from client_id,
//     client_secret in the query string, malformed Basic: invalid_request, 400.
//   - Limits.ClientAuthFailures (10) failed authentications of one client from one
//     address (Config.ClientAddr) within Limits.ClientAuthFailureWindow (5 minutes):
//     invalid_client, 429 with Retry-After.
//   - grant_type missing: invalid_request; not accepted here: unsupported_grant_type.
//   - a code or refresh token unknown, expired, revoked or issued to another client, a
//     redirect_uri or code_verifier that does not match: invalid_grant, 400 (RFC 6749).
//   - a refresh asking for a scope that was not granted: access_denied, 400 (the
//     LiveChat-style code).
//   - storage unavailable: temporarily_unavailable, 503 with Retry-After.
//
// A success is a [TokenResponse]: access_token, token_type Bearer, expires_in,
// refresh_token, scope (comma-separated), account_id and organization_id.
//
// A code is redeemed at most once, whatever fails: it is marked used in the same atomic
// step that stores its tokens, so a crash, a lost response or a database restart never
// yields a second set of tokens. A second redemption that passes every check (client,
// redirect_uri, code_verifier) is refused and revokes every token the code issued; a
// replay that fails a check revokes nothing, so a thief cannot revoke the real client's
// tokens. A public client's refresh token rotates on every use, and presenting a rotated
// one revokes the whole grant, unless Policy.RefreshGrace is set: within that window after
// the rotation (at most a minute), the client may present the rotated token again, up to
// Policy.RefreshGraceRepeats times, and gets a new pair of the same grant while the pairs
// issued before stay valid (clients of several processes sharing one refresh token, a lost
// answer retried); a confidential client's refresh token does not rotate. No
// refresh token of a grant outlives Lifetimes.Grant (90 days) after the code was
// redeemed. Every refresh looks at the account and the client as they are now: a deleted
// account, or one without a role of Policy.SignInRoles, gets invalid_grant; scopes the
// account or the client lost (administrator-only ones after a demotion) are dropped from
// the new token, and a refresh left with none is invalid_grant.
//
// # Revocation
//
// Revoking any access or refresh token of a grant revokes every token of that grant
// (RFC 7009 §2.1): earlier rotations, their access tokens, and the customer tokens minted
// with them. A personal access token, or a customer token, is revoked alone. Two styles:
//
//   - DELETE on the token path, LiveChat style: holding the token is the authorization
//     ("Authorization: Bearer <token>", or the token in a code parameter of the query or
//     the body); the answer is 200 {}.
//   - POST /revoke, RFC 7009: the client authenticates as at the token endpoint and
//     revokes only its own tokens; the answer is 200 for unknown and foreign tokens too,
//     so it reveals nothing.
//
// # Token info and introspection
//
// GET /v2/info with "Authorization: Bearer <access token>" answers an [InfoResponse].
// Only access tokens are accepted: anything else gets 401 with WWW-Authenticate: Bearer
// error="invalid_token" (a customer token is told that customer tokens are not accepted
// here). For an access token that a confidential client got from a refresh, the answer also
// shows its refresh token, as the LiveChat-style API does: since no token secret is
// stored, it is kept sealed (AES-GCM) under a key derived from the access token and the
// server key, so only the access token's holder can read it, and it is useless without
// the client's secret. A public client's refresh token is never shown: it works without
// a secret, and refresh tokens never go to resource servers. Policy.InfoOmitsRefreshToken
// removes the field.
//
// POST /introspect (RFC 7662) is for resource servers in other processes. The caller
// authenticates as a confidential client (without credentials: 401 invalid_client with a
// Basic challenge). Access, personal and customer tokens are described to any such client,
// a refresh token only to its own client, and anything else is exactly {"active":false}
// ([IntrospectionResponse]). A personal access token is described with the rights its
// account holds today.
//
// # Personal access tokens
//
// A person creates tokens for their own scripts. A personal access token lasts
// Lifetimes.PersonalToken (a year) and survives the apps it was made with, so only the
// person manages them, in one of two ways:
//
//   - a signed-in browser session on the server's own origin: GET answers with an
//     X-CSRF-Token header, which POST and DELETE must send back, and cross-origin
//     requests are refused; [Server.CSRFToken] gives the same token to the application's
//     own pages;
//   - an access token of a first-party console app listed in Policy.PersonalTokenClients
//     that carries [PersonalTokensScope] (personal_tokens:manage). No other client may be
//     granted that scope (asking for it is invalid_scope), and no personal access token
//     holds it.
//
// Any other access token gets 403 insufficient_scope. The secret is shown once, in the
// creation answer ([PersonalToken]); scopes are fixed at creation, within the account's
// rights and, through a console app, within its token's scopes. At most 100 live per
// account, even when requests race. A resource server (package middleware) takes a
// personal access token as a Bearer token or, as the LiveChat-style API does, as HTTP
// Basic with the account id or login as user name; it is only as good as its account is
// now: it stops working when the account is deleted or may no longer sign in, and loses
// administrator-only scopes with the role. The same operations are Go methods:
// [Server.CreatePersonalToken], [Server.PersonalTokens], [Server.RevokePersonalToken].
//
// # Customer tokens
//
// An agent's app whose access token holds Policy.CustomerScope (customers:own) posts
// client_id (its own), response_type=token and redirect_uri to the customer endpoint and
// gets a customer token ([CustomerResponse]) for a new customer of its organization, or,
// with entity_id, for an existing one. Customer tokens are a kind of their own, refused
// wherever agent tokens are expected and the reverse; Limits.Tokens of them live per
// (client, customer), and they die with the grant of the token that minted them.
//
// # Client credentials
//
// Off by default. With Policy.ClientCredentials the token endpoint (and the metadata)
// accept grant_type=client_credentials: a confidential client gets an access token for
// itself, with no account, no refresh token and no administrator-only scope.
//
// # JWT access tokens
//
// Access tokens are opaque by default. With Config.JWT ([JWTAccessTokens]) they are
// RFC 9068 JWTs signed with ES256 (EdDSA and RS256 selectable; [GenerateSigningKey]), with
// the public keys at the JWKS path and jwks_uri in the metadata; [Server.RotateSigningKey]
// switches keys while the old one stays published. Every JWT is also recorded under its
// keyed hash with its jti as ID, so info, introspection, revocation and the local and
// introspection validators of package middleware honour its revocation; a resource
// server that only checks signatures cannot see one before exp. Refresh, personal and
// customer tokens stay opaque.
//
// # Discovery
//
// The metadata ([Server.Metadata], RFC 8414) lists the issuer, every endpoint, the
// response and grant types, the client authentication methods, the PKCE methods, the
// scope catalog, and authorization_response_iss_parameter_supported (and
// client_id_metadata_document_supported with Config.ClientIDMetadataDocuments).
//
// # Browser-based clients (CORS)
//
// A client running in a web page (a browser-based MCP client) needs CORS headers to read
// the server's answers ([CORS]). The metadata and the JWKS, public documents, always
// answer Access-Control-Allow-Origin: * and their preflights. The token endpoint (its
// DELETE revocation included) and the RFC 7009 revocation endpoint answer only the
// origins of Config.CORS.AllowedOrigins, matched exactly (scheme://host[:port], no
// wildcard, Vary: Origin), or every origin with Config.CORS.AllowAnyOrigin ("*"), which is
// safe there because no cookie or other ambient credential counts at those endpoints;
// by default they send no CORS header. Preflights are 204 with Allow-Methods,
// Allow-Headers (Authorization, Content-Type, DPoP, MCP-Protocol-Version) and Max-Age
// (2 hours by default); answers expose WWW-Authenticate, DPoP-Nonce and Retry-After, keep
// Cache-Control: no-store, and never allow credentials. The authorization endpoint, the
// consent, sign-in and error pages, info, introspection, personal access tokens and
// customers never send a CORS header. [Server.CrossOriginEndpoint] and
// [Server.CrossOriginDocument] apply the same rules to endpoints of one's own, such as a
// token endpoint with custom grants.
//
// # Errors
//
// There is one error type, [Error]: a code, a description shown to the caller, a detail for
// the error page, and an internal cause that is logged through Config.Logger, never shown.
// The JSON endpoints answer {"error": code, "error_description": text} with the RFC's
// status and Cache-Control: no-store; a refused Bearer token gets an RFC 6750 §3 challenge,
// a client that tried Basic a Basic one, and 429 and 503 carry Retry-After. An unexpected
// failure is 500 server_error. Authorization errors go back to the client once its
// client_id and redirect URI are trusted, else to the error page,
// /ooops?oauth_exception=…&exception_details=…, which explains the code to a person and
// shows both codes for support; unknown codes are never echoed. Config.Templates replaces
// its page (the "error" template). Failures of the built-in sign-in return to its page with
// identity_exception: invalid_request, unauthorized (wrong email or password, the same
// answer for unknown accounts), server_error, access_denied (no sign-in role),
// identity_lost (the session ended elsewhere), credentials_login_disabled (the account
// signs in upstream only), too_many_attempts and temporarily_unavailable.
//
// # Custom grants
//
// A grant type of one's own (token exchange, a device flow, a custom assertion) is a
// [Grant]: its GrantType and an Exchange that receives a [TokenRequest] whose parameters
// are parsed and whose client is authenticated. Exchange decides who gets which scopes
// ([TokenRequest.RequestedScopes]) and calls [Server.Issue] with an [IssueRequest], which
// applies the rules every grant shares (the client may hold the scopes, the account may
// still sign in, the token limits, the grant lifetime) and returns the [TokenResponse] to
// send. [Server.LookupToken] checks a token the grant is given, such as a subject token;
// [Server.RevokeFamily] revokes a grant whose one-time credential was presented twice.
// Refusals are *Error values from [InvalidRequest], [InvalidGrant], [InvalidScope],
// [UnauthorizedClient], [AccessDenied], [TemporarilyUnavailable], [ServerError] or
// [NewError] with a code such as [ErrInvalidTarget]; any other error becomes server_error.
// Serve it with [Server.TokenHandler], built-in grants beside it, at the token path ahead
// of Handler:
//
//	mux.Handle("POST /v2/token", srv.TokenHandler(srv.AuthorizationCodeGrant(), srv.RefreshTokenGrant(), myGrant))
//	mux.Handle("/", srv.Handler())
//
// TokenHandler with no arguments is the built-in set, which Handler serves. The metadata
// of Handler lists the built-in grant types only: a server with grants of its own serves
// [Server.Metadata] with their types added at the metadata path, the same way. Wrapped in
// [Server.CrossOriginEndpoint] and [Server.CrossOriginDocument], both follow Config.CORS
// like the built-in ones.
//
// # Provisioning
//
// [Server.NewClient] returns a client's record and, for a confidential client, a fresh
// secret whose keyed hash the record holds; [Server.NewAccount] returns an account's
// record with its password hashed (argon2id). Both validate against the server's
// configuration and write nothing: store the records with the store.ClientWriter and
// store.AccountWriter of the backend. Package store/credentials has the same primitives
// (NewClientSecret, Hasher.Hash, HashPassword) for records made elsewhere.
package flows
