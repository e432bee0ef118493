// Package storetest is the conformance kit for implementations of the storage contract of
// package store.
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
//
// Optional capabilities have kits of their own: [RunExpiredDeleter] and
// [RunRevocationPublisher].
package storetest
