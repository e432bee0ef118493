// Package scopes holds OAuth scope names, sets of them, and the catalog an application
// declares its scopes in.
//
// A scope name is an RFC 6749 §3.3 scope-token (characters %x21 / %x23-5B / %x5D-7E) that
// also contains no comma, because responses list scopes comma-separated (for example
// "chats--all:ro,chats--all:rw,customers:own"). Requests may separate names with commas,
// ASCII whitespace or both; [Parse] accepts either and [Set.String] writes the comma form.
//
// A [Catalog] declares every scope the server knows, with a human description shown on the
// consent screen and whether it is administrator-only.
//
// A held scope satisfies a requirement for the same scope, for anything the catalog declares
// it implies (transitively), and by a built-in rule: "x:rw" satisfies "x:ro". Checks are exact
// otherwise: no prefix matching ("chats" or "chats--all:r" never matches "chats--all:rw") and
// no wildcard unless the application declares one as an ordinary implication.
//
// Everything here is a pure value computation: no I/O, safe for concurrent use.
package scopes
