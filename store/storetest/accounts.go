package storetest

import (
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

var accountTests = []test{
	{"PutAndGet", "Account and AccountByLogin return the account PutAccount stored.", accountPutAndGet},
	{"PutReplaces", "PutAccount with an existing ID replaces that account, login included: " +
		"the old login no longer finds it.", accountPutReplaces},
	{"PutLoginTaken", "PutAccount returns ErrConflict when another account has the login, " +
		"and stores nothing.", accountPutLoginTaken},
	{"LoginFreedByChange", "Once an account changes its login, another account may take the old one.",
		accountLoginFreed},
	{"GetMissing", "Account of an unknown id and AccountByLogin of an unknown login return ErrNotFound.",
		accountGetMissing},
	{"NoAliasing", "Mutating the Roles of a value passed to PutAccount or returned by Account or " +
		"AccountByLogin does not change the stored account.", accountNoAliasing},
}

func accountPutAndGet(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	want := newAccount(o.ID)
	want.PasswordLoginDisabled = true
	must(t, "PutAccount", s.PutAccount(ctx, want))
	putAccount(t, s, o.ID)

	got, err := s.Account(ctx, want.ID)
	must(t, "Account", err)
	checkEqual(t, "Account", want, got)
	got, err = s.AccountByLogin(ctx, want.Login)
	must(t, "AccountByLogin", err)
	checkEqual(t, "AccountByLogin", want, got)
}

func accountPutReplaces(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	a := putAccount(t, s, o.ID)
	oldLogin := a.Login
	a.Login = "renamed-" + newID() + "@example.com"
	a.Roles = []string{"agent"}
	a.PasswordHash = ""
	a.PasswordLoginDisabled = true
	must(t, "PutAccount (replace)", s.PutAccount(ctx, a))

	got, err := s.Account(ctx, a.ID)
	must(t, "Account", err)
	checkEqual(t, "Account", a, got)
	got, err = s.AccountByLogin(ctx, a.Login)
	must(t, "AccountByLogin(new login)", err)
	checkEqual(t, "AccountByLogin(new login)", a, got)
	_, err = s.AccountByLogin(ctx, oldLogin)
	wantErr(t, "AccountByLogin(old login)", err, store.ErrNotFound)

	// Replacing without changing the login is not a conflict with itself.
	a.Roles = []string{"agent", "administrator"}
	must(t, "PutAccount (same login)", s.PutAccount(ctx, a))
	got, err = s.Account(ctx, a.ID)
	must(t, "Account", err)
	checkEqual(t, "Account", a, got)
}

func accountPutLoginTaken(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	first := putAccount(t, s, o.ID)
	second := newAccount(o.ID)
	second.Login = first.Login
	wantErr(t, "PutAccount(another ID, same login)", s.PutAccount(ctx, second), store.ErrConflict)

	_, err := s.Account(ctx, second.ID)
	wantErr(t, "Account(rejected account)", err, store.ErrNotFound)
	got, err := s.AccountByLogin(ctx, first.Login)
	must(t, "AccountByLogin", err)
	checkEqual(t, "AccountByLogin (first account unchanged)", first, got)

	// An existing account may not take another's login either.
	third := putAccount(t, s, o.ID)
	moved := third
	moved.Login = first.Login
	wantErr(t, "PutAccount(existing ID, taken login)", s.PutAccount(ctx, moved), store.ErrConflict)
	got, err = s.Account(ctx, third.ID)
	must(t, "Account", err)
	checkEqual(t, "Account (unchanged after conflict)", third, got)
}

func accountLoginFreed(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	a := putAccount(t, s, o.ID)
	login := a.Login
	a.Login = "moved-" + newID() + "@example.com"
	must(t, "PutAccount (change login)", s.PutAccount(ctx, a))

	b := newAccount(o.ID)
	b.Login = login
	must(t, "PutAccount (take freed login)", s.PutAccount(ctx, b))
	got, err := s.AccountByLogin(ctx, login)
	must(t, "AccountByLogin", err)
	checkEqual(t, "AccountByLogin(freed login)", b, got)
}

func accountGetMissing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	putAccount(t, s, putOrganization(t, s).ID)
	_, err := s.Account(ctx, newID())
	wantErr(t, "Account(unknown)", err, store.ErrNotFound)
	_, err = s.AccountByLogin(ctx, "nobody-"+newID()+"@example.com")
	wantErr(t, "AccountByLogin(unknown)", err, store.ErrNotFound)
}

func accountNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	in := newAccount(o.ID)
	want := newAccount(o.ID)
	want.ID, want.Login = in.ID, in.Login
	must(t, "PutAccount", s.PutAccount(ctx, in))
	in.Roles[0] = "mutated-after-put"

	got, err := s.Account(ctx, in.ID)
	must(t, "Account", err)
	checkEqual(t, "Account after mutating the value put", want, got)
	got.Roles[0] = "mutated-after-get"

	got, err = s.AccountByLogin(ctx, in.Login)
	must(t, "AccountByLogin", err)
	checkEqual(t, "AccountByLogin after mutating a returned value", want, got)
	got.Roles[1] = "mutated-after-get-by-login"

	got, err = s.Account(ctx, in.ID)
	must(t, "Account", err)
	checkEqual(t, "Account after mutating a returned value", want, got)
}
