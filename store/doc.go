// Package store defines oauthkit's domain records and the storage contract that the
// authorization server (package flows) needs.
//
// The contract is a set of small interfaces, one per kind of record, with reading and
// writing apart ([Clients] and [ClientWriter], [Accounts] and [AccountWriter], …). Each
// feature asks only for the parts it uses: the authorization server reads clients and
// accounts and writes neither, only federated sign-in and password changes write accounts,
// and only the built-in password sign-in needs sessions. [Storage] is
// the union of every part, what a complete backend (packages memstore and sqlstore)
// implements; [Parts] composes a storage from several backends, e.g. tokens, codes and
// grants in sqlstore, accounts from the application's own users table and no sessions at
// all, and [Parts.Check] names the parts a consumer needs that are missing.
//
// Operations that must be atomic are single methods, so that every backend gets them right
// in one place: [Tokens.IssueTokens] redeems an authorization code (once per code, ever),
// inserts tokens, evicts the oldest beyond a per-(client, account) limit and optionally
// rotates a refresh token, all or nothing; [Tokens.RevokeFamily] removes every token
// descended from one authorization grant.
//
// Secrets never reach storage: codes, tokens, client secrets and session ids are stored and
// looked up by their keyed hash ([Hash]), computed by the server with a key that lives in its
// configuration, not in the database (package store/credentials computes them). Human
// passwords are stored as memory-hard KDF strings.
//
// Time is always passed in (a now argument), never read from the wall clock, so that tests
// control expiry. A record has expired at now when now is not before its ExpiresAt.
// Backends return the sentinel errors [ErrNotFound], [ErrConflict] and [ErrLimitReached]
// (possibly wrapped); any other error is a backend failure, which the server reports as
// temporarily_unavailable or server_error without its text.
//
// Package store/storetest is the conformance kit: every backend, including custom ones,
// proves itself by calling storetest.Run from its own tests, or, for a backend of some
// parts only, the kit's function for each part it implements (storetest.RunTokens, …).
package store
