package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var grantTests = []test{
	{"PutAndGet", "Grant returns the grant PutGrant stored for (account, client).", grantPutAndGet},
	{"PutReplaces", "PutGrant for an existing (account, client) replaces that grant.", grantPutReplaces},
	{"GetMissing", "Grant of an (account, client) with no grant returns ErrNotFound.", grantGetMissing},
	{"Delete", "DeleteGrant removes the grant of (account, client) and no other.", grantDelete},
	{"DeleteMissing", "DeleteGrant of an (account, client) with no grant returns nil.", grantDeleteMissing},
	{"NoAliasing", "Mutating the Scopes or ClientScopes of a value passed to PutGrant or returned " +
		"by Grant does not change the stored grant.", grantNoAliasing},
}

func newGrant(p party) store.Grant {
	return store.Grant{
		AccountID:    p.account.ID,
		ClientID:     p.client.ID,
		Scopes:       []string{"chats--all:ro", "agents--my:rw"},
		ClientScopes: []string{"chats--all:ro", "agents--my:rw", "customers:own"},
		CreatedAt:    base,
		UpdatedAt:    base,
	}
}

func grantPutAndGet(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	want := newGrant(p)
	must(t, "PutGrant", s.PutGrant(ctx, want))
	other := newGrant(p.withClient(t, s))
	other.Scopes = []string{"chats--all:ro"}
	must(t, "PutGrant(other)", s.PutGrant(ctx, other))
	got, err := s.Grant(ctx, want.AccountID, want.ClientID)
	must(t, "Grant", err)
	checkEqual(t, "Grant", want, got)
	got, err = s.Grant(ctx, other.AccountID, other.ClientID)
	must(t, "Grant(other)", err)
	checkEqual(t, "other Grant", other, got)
}

func grantPutReplaces(t *testing.T, s store.Parts) {
	ctx := t.Context()
	g := newGrant(newParty(t, s))
	must(t, "PutGrant", s.PutGrant(ctx, g))
	g.Scopes = []string{"customers:own"}
	g.ClientScopes = []string{"customers:own"}
	g.UpdatedAt = base.Add(time.Hour)
	must(t, "PutGrant(replace)", s.PutGrant(ctx, g))
	got, err := s.Grant(ctx, g.AccountID, g.ClientID)
	must(t, "Grant", err)
	checkEqual(t, "Grant", g, got)
}

func grantGetMissing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	must(t, "PutGrant", s.PutGrant(ctx, newGrant(p)))
	_, err := s.Grant(ctx, p.account.ID, newID())
	wantErr(t, "Grant(account, unknown client)", err, store.ErrNotFound)
	_, err = s.Grant(ctx, newID(), p.client.ID)
	wantErr(t, "Grant(unknown account, client)", err, store.ErrNotFound)
}

func grantDelete(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	g := newGrant(p)
	sameAccount := newGrant(p.withClient(t, s))
	sameClient := newGrant(p.withAccount(t, s))
	for _, x := range []store.Grant{g, sameAccount, sameClient} {
		must(t, "PutGrant", s.PutGrant(ctx, x))
	}
	must(t, "DeleteGrant", s.DeleteGrant(ctx, g.AccountID, g.ClientID))
	_, err := s.Grant(ctx, g.AccountID, g.ClientID)
	wantErr(t, "Grant(deleted)", err, store.ErrNotFound)
	for _, want := range []store.Grant{sameAccount, sameClient} {
		got, err := s.Grant(ctx, want.AccountID, want.ClientID)
		must(t, "Grant(other)", err)
		checkEqual(t, "other Grant after DeleteGrant", want, got)
	}
}

func grantDeleteMissing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	g := newGrant(p)
	must(t, "PutGrant", s.PutGrant(ctx, g))
	must(t, "DeleteGrant(no grant)", s.DeleteGrant(ctx, p.account.ID, newID()))
	must(t, "DeleteGrant", s.DeleteGrant(ctx, g.AccountID, g.ClientID))
	must(t, "DeleteGrant(already deleted)", s.DeleteGrant(ctx, g.AccountID, g.ClientID))
}

func grantNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	in, want := newGrant(p), newGrant(p)
	must(t, "PutGrant", s.PutGrant(ctx, in))
	in.Scopes[0] = "mutated-after-put"
	in.ClientScopes[0] = "mutated-after-put"

	got, err := s.Grant(ctx, p.account.ID, p.client.ID)
	must(t, "Grant", err)
	checkEqual(t, "Grant after mutating the value put", want, got)
	got.Scopes[1] = "mutated-after-get"
	got.ClientScopes[1] = "mutated-after-get"

	got, err = s.Grant(ctx, p.account.ID, p.client.ID)
	must(t, "Grant", err)
	checkEqual(t, "Grant after mutating a returned value", want, got)
}
