package storetest

import (
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

var organizationTests = []test{
	{"PutAndGet", "Organization returns the organization PutOrganization stored.", orgPutAndGet},
	{"PutReplaces", "PutOrganization with an existing ID replaces that organization.", orgPutReplaces},
	{"GetMissing", "Organization of an unknown id returns ErrNotFound.", orgGetMissing},
}

func orgPutAndGet(t *testing.T, s store.Parts) {
	want := store.Organization{ID: newID(), Name: "Acme"}
	must(t, "PutOrganization", s.PutOrganization(t.Context(), want))
	other := putOrganization(t, s)
	got, err := s.Organization(t.Context(), want.ID)
	must(t, "Organization", err)
	checkEqual(t, "Organization", want, got)
	got, err = s.Organization(t.Context(), other.ID)
	must(t, "Organization", err)
	checkEqual(t, "other Organization", other, got)
}

func orgPutReplaces(t *testing.T, s store.Parts) {
	o := putOrganization(t, s)
	o.Name = "Acme Renamed"
	must(t, "PutOrganization (replace)", s.PutOrganization(t.Context(), o))
	got, err := s.Organization(t.Context(), o.ID)
	must(t, "Organization", err)
	checkEqual(t, "Organization", o, got)
}

func orgGetMissing(t *testing.T, s store.Parts) {
	putOrganization(t, s)
	_, err := s.Organization(t.Context(), newID())
	wantErr(t, "Organization(unknown)", err, store.ErrNotFound)
}
