package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var customerTests = []test{
	{"CreateAndGet", "Customer returns the customer CreateCustomer stored.", customerCreateAndGet},
	{"CreateDuplicate", "CreateCustomer with an existing ID returns ErrConflict and leaves the " +
		"existing customer unchanged.", customerCreateDuplicate},
	{"GetMissing", "Customer of an unknown id returns ErrNotFound.", customerGetMissing},
}

func newCustomer(p party) store.Customer {
	return store.Customer{ID: newID(), OrganizationID: p.org.ID, ClientID: p.client.ID, CreatedAt: base}
}

func customerCreateAndGet(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	want, other := newCustomer(p), newCustomer(p)
	must(t, "CreateCustomer", s.CreateCustomer(ctx, want))
	must(t, "CreateCustomer(other)", s.CreateCustomer(ctx, other))
	got, err := s.Customer(ctx, want.ID)
	must(t, "Customer", err)
	checkEqual(t, "Customer", want, got)
}

func customerCreateDuplicate(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	want := newCustomer(p)
	must(t, "CreateCustomer", s.CreateCustomer(ctx, want))
	dup := newCustomer(p.withClient(t, s))
	dup.ID = want.ID
	dup.CreatedAt = base.Add(time.Hour)
	wantErr(t, "CreateCustomer(duplicate ID)", s.CreateCustomer(ctx, dup), store.ErrConflict)
	got, err := s.Customer(ctx, want.ID)
	must(t, "Customer", err)
	checkEqual(t, "Customer (unchanged after conflict)", want, got)
}

func customerGetMissing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	must(t, "CreateCustomer", s.CreateCustomer(t.Context(), newCustomer(p)))
	_, err := s.Customer(t.Context(), newID())
	wantErr(t, "Customer(unknown)", err, store.ErrNotFound)
}
