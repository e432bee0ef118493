package storetest

import (
	"slices"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// A test checks one rule of the storage contract on a fresh storage.
type test struct {
	// name is the subtest name, within its interface's group.
	name string
	// rule is the rule checked, logged when the subtest fails.
	rule string
	run  func(t *testing.T, s store.Storage)
}

// Run runs the conformance kit: for every rule of the contract in package store, a subtest
// named "<Interface>/<Rule>" that calls newStorage to get a new, empty storage and checks
// the rule on it. newStorage should register any cleanup with t.Cleanup.
func Run(t *testing.T, newStorage func(t *testing.T) store.Storage) {
	t.Helper()
	groups := []struct {
		name  string
		tests []test
	}{
		{"Organizations", organizationTests},
		{"Accounts", slices.Concat(accountTests, subjectTests)},
		{"Clients", clientTests},
		{"Codes", codeTests},
		{"Tokens", slices.Concat(tokenTests, rotationTests, revocationTests, limitTests, redeemTests, capTests)},
		{"TokenAdmin", tokenAdminTests},
		{"Grants", grantTests},
		{"Sessions", sessionTests},
		{"Customers", customerTests},
		{"Lookups", hostileTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.tests {
				t.Run(c.name, func(t *testing.T) {
					s := newStorage(t)
					defer func() {
						if t.Failed() {
							t.Logf("rule: %s", c.rule)
						}
					}()
					c.run(t, s)
				})
			}
		})
	}
}
