// Package storetest is the conformance kit for implementations of the storage contract of
// package store.
//
// # Running the kit
//
// A complete backend ([store.Storage]) proves itself by calling [Run] from its own tests,
// handing it a function that returns a fresh, empty storage. Run executes named subtests
// grouped by interface ("Tokens/RedeemCodeOnceConcurrently", "Tokens/LimitEvictsOldest",
// ...); each one checks a single rule of the contract documented in package store, and when
// it fails it logs that rule.
//
//	package mystore_test
//
//	import (
//		"testing"
//
//		"example.com/mystore"
//		"github.com/oauthkit/oauthkit/store"
//		"github.com/oauthkit/oauthkit/store/storetest"
//	)
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Storage {
//			s := mystore.Open(t.TempDir()) // a new, empty store for every subtest
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// A backend of some parts only, composed with others through [store.Parts] (accounts over
// an application's users table, say), proves exactly those parts with the Run function of
// each: [RunOrganizations], [RunAccounts], [RunAccountLinks], [RunClients], [RunCodes],
// [RunTokens], [RunTokenAdmin], [RunGrants], [RunSessions], [RunCustomers]. Their subtests
// have the names of Run's. Together they run every rule that Run runs.
//
//	func TestAccounts(t *testing.T) {
//		storetest.RunAccounts(t, func(t *testing.T) storetest.AccountsUnderTest {
//			return users.Open(filepath.Join(t.TempDir(), "users.json"))
//		})
//	}
//
// Optional capabilities have kits of their own, for a backend that implements them:
// [RunExpiredDeleter] ([store.ExpiredDeleter]), [RunRevocationPublisher]
// ([store.RevocationPublisher]) and [RunDirectories] (the directories and the revocation
// a developer console needs). Package sqlstore is a worked example (its tests run the kit
// on a SQLite file, in-memory SQLite and PostgreSQL), and so is examples/customstore, a
// backend of a few parts proven part by part.
//
// # What a backend must get right
//
//   - The operations that must be atomic are single methods, so make each one atomic in
//     the database itself, not behind a process-local mutex, if several server processes
//     will share it. IssueTokens is all or nothing: it redeems the code named by
//     Issue.ConsumeCode (once per code, ever), rotates the refresh token named by RotateID,
//     checks RequireID, inserts the tokens and evicts the oldest beyond Limits (tokens of
//     an account or a customer) and ClientLimits (tokens of neither), or refuses beyond
//     Caps. RevokeFamily removes every token of a grant in one step.
//   - Return [store.ErrNotFound], [store.ErrConflict] and [store.ErrLimitReached] (wrapped
//     is fine) exactly where the contract says. Any other error means "backend failure",
//     which the server answers with temporarily_unavailable. Transient errors (deadlocks,
//     serialization failures, a busy database) must be retried inside the backend: the
//     kit's concurrency cases accept only nil or the documented sentinel. Lookups by
//     identifiers taken from requests (invalid UTF-8, NUL bytes, very long strings) answer
//     ErrNotFound, never a backend error ("Lookups/HostileKeys").
//   - Time is always passed in (now); never read the clock. Store at least microseconds.
//   - Never keep or return slices that callers can mutate: a value passed in or returned
//     must not alias stored data (the parts' "NoAliasing" cases check it).
//   - Optional abilities are separate interfaces, discovered by type assertion:
//     [store.ExpiredDeleter] (housekeeping) and [store.RevocationPublisher] (telling
//     in-process caches which tokens were revoked).
//
// # How the kit is written
//
// The kit is written so that SQL backends pass without special cases: record times derive
// from a fixed instant with no sub-second part and are compared with time.Time.Equal within a
// millisecond (so microsecond precision and non-UTC locations are fine); nil and empty
// slices compare equal; "now" is always passed in, never read from the clock. Under Run, the
// organization, account, client and customer that a record names are stored before the
// record, and no record that another one names is deleted, so a backend may enforce
// referential integrity; the Run function of a part stores only records of the parts under
// test. Several subtests run goroutines against one storage at once (codes redeemed once
// by concurrent issuances, rotations won once, limits and caps held exactly, and an
// issuance never evicting the tokens it inserts however late it commits); a backend must
// answer them with nil or the documented sentinel error, never with a transient error such
// as "database is locked". No Run function calls t.Parallel.
package storetest
