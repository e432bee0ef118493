// Package storetest is the conformance kit for implementations of [store.Storage].
//
// A backend proves itself by calling [Run] from its own tests, handing it a function that
// returns a fresh, empty storage. Run executes named subtests grouped by interface
// ("Codes/ConsumeOnceConcurrently", "Tokens/LimitEvictsOldest", ...); each one checks a single
// rule of the contract documented in package store, and when it fails it logs that rule.
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
// The kit is written so that SQL backends pass without special cases: record times derive
// from a fixed instant with no sub-second part and are compared with time.Time.Equal within a
// millisecond (so microsecond precision and non-UTC locations are fine); nil and empty
// slices compare equal; "now" is always passed in, never read from the clock. The
// organization, account, client and customer that a record names are stored before the
// record, and no record that another one names is deleted, so a backend may enforce
// referential integrity. Several subtests run goroutines against one storage at once (the
// concurrency rules of [store.Codes.ConsumeCode] and [store.Tokens.IssueTokens]: codes
// redeemed once, rotations won once, limits and caps held exactly, and an issuance never
// evicting the tokens it inserts however late it commits); a backend
// must answer them with nil or the documented sentinel error, never with a transient error
// such as "database is locked". Run does not call t.Parallel.
package storetest
