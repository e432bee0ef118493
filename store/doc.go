// Package store defines oauthkit's domain records and the storage contract that the
// authorization server (package flows) needs.
//
// The contract is a set of small interfaces, one per kind of record, composed into
// [Storage]. Operations that must be atomic are single methods, so that every backend gets
// them right in one place: [Codes.ConsumeCode] succeeds once per code, ever;
// [Tokens.IssueTokens] inserts tokens, evicts the oldest beyond a per-(client, account)
// limit and optionally rotates a refresh token, all or nothing; [Tokens.RevokeFamily]
// removes every token descended from one authorization grant.
//
// Secrets never reach storage: codes, tokens, client secrets and session ids are stored and
// looked up by their keyed hash ([Hash]), computed by the server with a key that lives in its
// configuration, not in the database. Human passwords are stored as memory-hard KDF strings.
//
// Time is always passed in (a now argument), never read from the wall clock, so that tests
// control expiry. A record has expired at now when now is not before its ExpiresAt. Backends return the sentinel errors [ErrNotFound] and [ErrConflict]
// (possibly wrapped); any other error is a backend failure, which the server reports as
// temporarily_unavailable or server_error without its text.
//
// Package storetest is the conformance kit: every backend, including custom ones, proves
// itself by calling storetest.Run from its own tests.
package store
