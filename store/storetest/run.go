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
	// run checks the rule on s, whose parts are those of the run: every part for Run, the
	// parts under test for the Run function of a part.
	run func(t *testing.T, s store.Parts)
}

// A group is the rules of one interface, run as subtests of a subtest named after it.
type group struct {
	name  string
	tests []test
}

// The groups of rules, by part.
var (
	organizationGroup = group{"Organizations", organizationTests}
	accountGroup      = group{"Accounts", accountTests}
	accountLinkGroup  = group{"Accounts", subjectTests}
	clientGroup       = group{"Clients", clientTests}
	codeGroup         = group{"Codes", codeTests}
	tokenGroup        = group{"Tokens", slices.Concat(tokenTests, rotationTests, graceTests, revocationTests, limitTests, clientLimitTests, redeemTests, capTests)}
	tokenAdminGroup   = group{"TokenAdmin", tokenAdminTests}
	grantGroup        = group{"Grants", grantTests}
	sessionGroup      = group{"Sessions", sessionTests}
	customerGroup     = group{"Customers", customerTests}
	lookupGroup       = group{"Lookups", hostileTests}
)

// Run runs the conformance kit: for every rule of the contract in package store, a subtest
// named "<Interface>/<Rule>" that calls newStorage to get a new, empty storage and checks
// the rule on it. newStorage should register any cleanup with t.Cleanup.
func Run(t *testing.T, newStorage func(t *testing.T) store.Storage) {
	t.Helper()
	all := group{"Accounts", slices.Concat(accountTests, subjectTests)}
	run(t, []group{organizationGroup, all, clientGroup, codeGroup, tokenGroup, tokenAdminGroup,
		grantGroup, sessionGroup, customerGroup, lookupGroup},
		func(t *testing.T) store.Parts { return store.PartsOf(newStorage(t)) })
}

// run runs groups, each rule on the parts that newParts returns for its subtest.
func run(t *testing.T, groups []group, newParts func(t *testing.T) store.Parts) {
	t.Helper()
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.tests {
				t.Run(c.name, func(t *testing.T) {
					s := newParts(t)
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
