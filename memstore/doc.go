// Package memstore is an in-memory implementation of [store.Storage], for tests, examples
// and single-process servers that can afford to lose every session and token on restart.
// It also has the optional capabilities of package store: housekeeping, revocation
// publishing, and the directories of a developer console (whose lists scan every record).
//
// A [Store] is safe for concurrent use. It keeps deep copies: slices in the records passed in
// and handed out are cloned, so callers never share memory with stored data. Every operation
// the contract requires to be atomic is, yet tokens are locked in stripes: issuances and
// lookups for different (client, account) pairs do not wait for each other, and enforcing a
// limit costs O(log n) in the size of the group, whatever the number of tokens stored.
//
// Expired records stay in memory (they are not returned) until [Store.DeleteExpired] removes
// them; a long-running server should call it periodically.
package memstore
