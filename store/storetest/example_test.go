package storetest_test

import (
	"testing"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/storetest"
)

// A complete backend runs the whole kit from a test of its own package, with a new, empty
// storage for every subtest.
func ExampleRun() {
	testConformance := func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Storage {
			return memstore.New() // your backend; register its cleanup with t.Cleanup
		})
	}
	_ = testConformance // func TestConformance(t *testing.T) in a _test.go file
}

// A backend of some parts proves each of them: here the tokens and codes that a program
// keeps in its own database, beside accounts and clients from elsewhere.
func ExampleRunTokens() {
	testTokens := func(t *testing.T) {
		newTokens := func(t *testing.T) *memstore.Store { return memstore.New() } // your backend
		storetest.RunTokens(t, func(t *testing.T) storetest.TokensUnderTest { return newTokens(t) })
		storetest.RunCodes(t, func(t *testing.T) storetest.CodesUnderTest { return newTokens(t) })
	}
	_ = testTokens // func TestTokens(t *testing.T) in a _test.go file
}
