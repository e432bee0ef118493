// Package httpauth parses the Authorization header and writes the refusals of HTTP
// authentication, for every oauthkit package that guards a resource: the resource-server
// middleware and the authorization server's own token APIs.
//
//   - [Bearer] reads "Authorization: Bearer <token>" (RFC 6750 §2.1) and [Basic] reads
//     "Authorization: Basic base64(user:password)" (RFC 7617 §2), each reporting whether the
//     header claims its scheme at all and, when it does but is malformed, why. [ValidToken]
//     is the token syntax both accept.
//   - [Refusal] is an RFC 6750 §3 refusal: its [Refusal.Challenge] is the WWW-Authenticate
//     value, and [Refusal.Write] sends it with a JSON body. [BasicChallenge] is the
//     challenge of RFC 7617 §2.1.
//
// Everything here reads hostile input: headers are parsed strictly, lengths are bounded,
// and the descriptions of malformed headers are fixed sentences, never echoes of the input.
package httpauth
