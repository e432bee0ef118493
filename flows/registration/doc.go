// Package registration is dynamic client registration for the authorization server of
// package flows: RFC 7591 (a client registers itself by POSTing its metadata) with the
// management of RFC 7592 (it reads, replaces and deletes its registration with the
// registration access token it was given), as MCP clients use it to connect to a server
// they have never met.
//
// It is off unless the application turns it on:
//
//	reg, err := registration.New(registration.Config{
//		Storage: st,
//		Access:  registration.Open(), // or InitialAccessTokens(hash), or AllowFunc(fn)
//	})
//	srv, err := flows.New(flows.Config{..., Registration: reg})
//	// srv.Handler() now serves POST /register and GET, PUT, DELETE /register/{client_id},
//	// and the metadata names registration_endpoint.
//
// # What a registration gets
//
// A new client_id (a random UUID) and, for a confidential client
// (token_endpoint_auth_method client_secret_basic, the RFC 7591 default, or
// client_secret_post), a client_secret of 256 random bits, shown once in the 201 answer
// and stored only as its keyed hash; client_secret_expires_at is 0 (it does not expire). A
// public client (token_endpoint_auth_method none, what MCP clients send) gets no secret.
// Every registered client must use PKCE, and a public client's refresh tokens rotate. The
// answer also carries a registration_access_token (256 random bits, stored as its keyed
// hash) and registration_client_uri, Paths.Registration + "/" + client_id, where that
// token reads (GET), replaces (PUT) and deletes (DELETE) the registration; every answer is
// application/json with Cache-Control: no-store.
//
// What may be registered:
//
//   - redirect_uris, required for the authorization_code grant: each valid by the rules of
//     package redirecturi (no query, fragment, userinfo or traversal; javascript: and
//     friends refused), and https, a native app's private-use scheme, or http only on
//     127.0.0.1, [::1] or localhost. At most Config.Limits.RedirectURIs.
//   - grant_types (default authorization_code) within Config.GrantTypes, listed as the
//     server will honour them: authorization_code always with refresh_token (the code
//     grant issues one), client_credentials for confidential clients where allowed;
//     response_types code exactly when authorization_code is there. The implicit grant is
//     not offered.
//   - scope, space-separated: the names asked for that Config.Scopes allows (by default
//     every catalog scope that is not administrator-only or flows.PersonalTokensScope,
//     which no registered client ever holds); asking only for others is
//     invalid_client_metadata, asking for none registers Config.DefaultScopes.
//   - client_name (shown on the consent page; plain text without control, format or
//     bidirectional characters, at most 255 bytes), client_uri, logo_uri, tos_uri,
//     policy_uri (https URLs), contacts, software_id and software_version are stored and
//     returned as registered. Other members (jwks, jwks_uri, localized names, extensions)
//     are ignored, and software_statement is shown to Config.Check, which may verify it,
//     and never stored.
//
// Refusals are RFC 7591 §3.2.2 JSON: invalid_redirect_uri, invalid_client_metadata (a body
// that is not one JSON object, a repeated member, a wrong type, a bound exceeded),
// invalid_software_statement and unapproved_software_statement from Check, 401
// invalid_token for a missing or wrong initial or registration access token, 413 for a body
// over Config.Limits.BodyBytes, 429 with Retry-After past Config.Limits.Registrations per
// address, 503 when storage fails. No description quotes the request.
//
// # Updates and deletion
//
// PUT replaces the whole registration with the same rules (members left out are removed
// or take their defaults); it must carry the client's client_id, and its client_secret, if
// any, must be the current one. A client stays public or confidential for life, and keeps
// its secret and registration access token. DELETE revokes every token issued to the
// client and removes it (its remembered consents stay, harmless, since client IDs are
// never reused). An unknown client, one not registered dynamically, and a wrong token all
// answer the same 401.
//
// # Unused clients
//
// Registered clients expire when unused: a client that has gone Config.UnusedClientLifetime
// (30 days by default) since its registration, its last update and the expiry of its last
// code or token is removed, with its consents, by the storage's housekeeping
// (store.ExpiredDeleter, which the application runs periodically). Use costs nothing at
// issuance: housekeeping reads it from the codes and tokens it stores and removes.
//
// # Threat model
//
// With Open access, anyone on the network can register clients: bounded per address (a
// fixed-memory counter, per process), each bounded in size, and unable to hold more than
// the allowances or to skip consent. What a registered client claims about itself (its
// name, its URIs) is unverified; the consent page shows its name and its scopes, and a
// person should be told the app is unknown. Restrict who may register with
// InitialAccessTokens (for production: hand tokens to the developers you trust) or
// AllowFunc.
package registration
