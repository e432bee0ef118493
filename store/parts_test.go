package store_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

func TestPartsCheck(t *testing.T) {
	m := memstore.New()
	p := store.Parts{Clients: m, Codes: m, Tokens: m}
	if err := p.Check(store.PartClients, store.PartCodes, store.PartTokens); err != nil {
		t.Errorf("Check of set parts: %v", err)
	}
	if err := p.Check(); err != nil {
		t.Errorf("Check of no parts: %v", err)
	}
	err := p.Check(store.PartAccounts, store.PartTokens, store.PartSessions)
	var missing *store.MissingPartsError
	if !errors.As(err, &missing) {
		t.Fatalf("Check of unset parts = %v, want a *MissingPartsError", err)
	}
	if d := cmp.Diff([]store.Part{store.PartAccounts, store.PartSessions}, missing.Missing); d != "" {
		t.Errorf("missing parts (-want +got):\n%s", d)
	}
	if got, want := err.Error(), "store: missing storage parts: Accounts, Sessions"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if err := p.Check(store.Part(0), store.Part(200)); err == nil || err.Error() != "store: missing storage parts: Part(0), Part(200)" {
		t.Errorf("Check of unknown parts = %v", err)
	}
}

func TestPartsOfSetsEveryPart(t *testing.T) {
	p := store.PartsOf(memstore.New())
	for _, part := range store.AllParts() {
		if !p.Has(part) {
			t.Errorf("PartsOf leaves %s unset", part)
		}
	}
	if _, err := p.Storage(); err != nil {
		t.Errorf("Storage of a complete Parts: %v", err)
	}
	if n := len(store.AllParts()); n != 13 {
		t.Errorf("AllParts has %d parts, want the 13 fields of Parts", n)
	}
	p.Sessions = nil
	if _, err := p.Storage(); err == nil || err.Error() != "store: missing storage parts: Sessions" {
		t.Errorf("Storage without Sessions = %v, want the missing part named", err)
	}
}

func TestPartNames(t *testing.T) {
	want := []string{"Organizations", "OrganizationWriter", "Accounts", "AccountWriter", "AccountLinks",
		"Clients", "ClientWriter", "Codes", "Tokens", "TokenAdmin", "Grants", "Sessions", "Customers"}
	var got []string
	for _, p := range store.AllParts() {
		got = append(got, p.String())
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("part names (-want +got):\n%s", d)
	}
}
