package storetest

import (
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// Federated sign-in links an account to one upstream identity (issuer, subject), and finds
// it by that identity afterwards rather than by email.
var subjectTests = []test{
	{"BySubject", "AccountBySubject returns the account whose UpstreamIssuer and UpstreamSubject " +
		"are the arguments; Account returns them too; another issuer or subject finds nothing.",
		accountBySubject},
	{"BySubjectEmpty", "AccountBySubject with an empty issuer or subject finds nothing, and any " +
		"number of accounts may be unlinked (an empty issuer or subject).", accountBySubjectEmpty},
	{"SubjectTaken", "PutAccount returns ErrConflict when another account is linked to the same " +
		"(UpstreamIssuer, UpstreamSubject), and stores nothing.", accountSubjectTaken},
	{"SubjectRelinked", "Once an account is linked to another upstream identity, or unlinked, its " +
		"old identity finds nothing and another account may take it.", accountSubjectRelinked},
	{"BySubjectNoAliasing", "Mutating the Roles of a value returned by AccountBySubject does not " +
		"change the stored account.", accountBySubjectNoAliasing},
}

const upstream = "https://accounts.example.com"

// linked returns a new account of orgID linked to (upstream, subject).
func linked(orgID, subject string) store.Account {
	a := newAccount(orgID)
	a.UpstreamIssuer, a.UpstreamSubject = upstream, subject
	a.PasswordLoginDisabled = true
	return a
}

// wantNoSubject reports unless AccountBySubject(issuer, subject) is ErrNotFound.
func wantNoSubject(t *testing.T, s store.Parts, what, issuer, subject string) {
	t.Helper()
	a, err := s.AccountBySubject(t.Context(), issuer, subject)
	if err == nil {
		t.Errorf("AccountBySubject(%s) = account %s, want ErrNotFound", what, a.ID)
		return
	}
	wantErr(t, "AccountBySubject("+what+")", err, store.ErrNotFound)
}

func accountBySubject(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	want := linked(o.ID, "248289761001")
	must(t, "PutAccount", s.PutAccount(ctx, want))
	// The same subject at another issuer is another identity.
	elsewhere := newAccount(o.ID)
	elsewhere.UpstreamIssuer, elsewhere.UpstreamSubject = "https://idp.example.org", want.UpstreamSubject
	must(t, "PutAccount(same subject, another issuer)", s.PutAccount(ctx, elsewhere))
	putAccount(t, s, o.ID)

	got, err := s.AccountBySubject(ctx, upstream, want.UpstreamSubject)
	must(t, "AccountBySubject", err)
	checkEqual(t, "AccountBySubject", want, got)
	got, err = s.AccountBySubject(ctx, elsewhere.UpstreamIssuer, elsewhere.UpstreamSubject)
	must(t, "AccountBySubject(another issuer)", err)
	checkEqual(t, "AccountBySubject(another issuer)", elsewhere, got)
	got, err = s.Account(ctx, want.ID)
	must(t, "Account", err)
	checkEqual(t, "Account of a linked account", want, got)
	got, err = s.AccountByLogin(ctx, want.Login)
	must(t, "AccountByLogin", err)
	checkEqual(t, "AccountByLogin of a linked account", want, got)

	wantNoSubject(t, s, "another subject", upstream, "248289761002")
	wantNoSubject(t, s, "another issuer", "https://other.example.net", want.UpstreamSubject)
	wantNoSubject(t, s, "issuer and subject swapped", want.UpstreamSubject, upstream)
}

func accountBySubjectEmpty(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	putAccount(t, s, o.ID)
	putAccount(t, s, o.ID)
	issuerOnly, issuerOnly2 := newAccount(o.ID), newAccount(o.ID)
	issuerOnly.UpstreamIssuer, issuerOnly2.UpstreamIssuer = upstream, upstream
	subjectOnly, subjectOnly2 := newAccount(o.ID), newAccount(o.ID)
	subjectOnly.UpstreamSubject, subjectOnly2.UpstreamSubject = "42", "42"
	for _, a := range []store.Account{issuerOnly, issuerOnly2, subjectOnly, subjectOnly2} {
		must(t, "PutAccount(half linked)", s.PutAccount(ctx, a))
	}
	wantNoSubject(t, s, `"", ""`, "", "")
	wantNoSubject(t, s, `issuer, ""`, upstream, "")
	wantNoSubject(t, s, `"", subject`, "", "42")
}

func accountSubjectTaken(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	first := linked(o.ID, "alice")
	must(t, "PutAccount", s.PutAccount(ctx, first))

	second := linked(o.ID, "alice")
	wantErr(t, "PutAccount(another ID, same upstream identity)", s.PutAccount(ctx, second), store.ErrConflict)
	_, err := s.Account(ctx, second.ID)
	wantErr(t, "Account(rejected account)", err, store.ErrNotFound)

	// An existing account may not take another's identity either.
	third := putAccount(t, s, o.ID)
	moved := third
	moved.UpstreamIssuer, moved.UpstreamSubject = upstream, "alice"
	wantErr(t, "PutAccount(existing ID, taken upstream identity)", s.PutAccount(ctx, moved), store.ErrConflict)
	got, err := s.Account(ctx, third.ID)
	must(t, "Account", err)
	checkEqual(t, "Account (unchanged after conflict)", third, got)
	got, err = s.AccountBySubject(ctx, upstream, "alice")
	must(t, "AccountBySubject", err)
	checkEqual(t, "AccountBySubject (first account unchanged)", first, got)

	// Replacing the linked account itself is no conflict.
	first.Roles = []string{"agent"}
	must(t, "PutAccount(same ID, same upstream identity)", s.PutAccount(ctx, first))
	got, err = s.AccountBySubject(ctx, upstream, "alice")
	must(t, "AccountBySubject", err)
	checkEqual(t, "AccountBySubject after replacing the account", first, got)
}

func accountSubjectRelinked(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	a := linked(o.ID, "old")
	must(t, "PutAccount", s.PutAccount(ctx, a))
	a.UpstreamSubject = "new"
	must(t, "PutAccount(relink)", s.PutAccount(ctx, a))
	got, err := s.AccountBySubject(ctx, upstream, "new")
	must(t, "AccountBySubject(new identity)", err)
	checkEqual(t, "AccountBySubject(new identity)", a, got)
	wantNoSubject(t, s, "the old identity", upstream, "old")

	b := linked(o.ID, "old")
	must(t, "PutAccount(take the old identity)", s.PutAccount(ctx, b))
	got, err = s.AccountBySubject(ctx, upstream, "old")
	must(t, "AccountBySubject(old identity)", err)
	checkEqual(t, "AccountBySubject(old identity, taken over)", b, got)

	a.UpstreamIssuer, a.UpstreamSubject = "", ""
	must(t, "PutAccount(unlink)", s.PutAccount(ctx, a))
	wantNoSubject(t, s, "an unlinked identity", upstream, "new")
	c := linked(o.ID, "new")
	must(t, "PutAccount(take the unlinked identity)", s.PutAccount(ctx, c))
}

func accountBySubjectNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	want := linked(o.ID, "alias")
	must(t, "PutAccount", s.PutAccount(ctx, linked(o.ID, "other")))
	in := want
	in.Roles = []string{"agent", "administrator"}
	must(t, "PutAccount", s.PutAccount(ctx, in))
	in.Roles[0] = "mutated-after-put"

	got, err := s.AccountBySubject(ctx, upstream, "alias")
	must(t, "AccountBySubject", err)
	checkEqual(t, "AccountBySubject after mutating the value put", want, got)
	got.Roles[0] = "mutated-after-get"
	got, err = s.AccountBySubject(ctx, upstream, "alias")
	must(t, "AccountBySubject", err)
	checkEqual(t, "AccountBySubject after mutating a returned value", want, got)
}
