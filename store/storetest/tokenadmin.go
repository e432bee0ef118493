package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var tokenAdminTests = []test{
	{"ByID", "TokenByID returns the token with that ID, and a rotated refresh token with " +
		"RotatedAt set.", tokenByID},
	{"ByIDMissingOrExpired", "TokenByID of an unknown ID, or of a token expired at now, returns " +
		"ErrNotFound.", tokenByIDMissing},
	{"AccountTokens", "AccountTokens returns the account's live tokens of the kind asked (all " +
		"kinds for \"\"), oldest first, without expired, rotated or other accounts' tokens.", accountTokens},
	{"AccountTokensNoAliasing", "Mutating a token returned by AccountTokens does not change the " +
		"stored token.", accountTokensNoAliasing},
	{"AudienceNoAliasing", "Mutating the Audience of a token returned by TokenByID or AccountTokens " +
		"does not change the Audience returned afterwards.", adminAudienceNoAliasing},
	{"RevokeAccountTokens", "RevokeAccountTokens removes every token of the account, rotated ones " +
		"included, returns how many, and leaves other accounts' tokens.", revokeAccountTokens},
	{"RevokeAccountTokensFamilies", "RevokeAccountTokens also removes every token sharing a " +
		"non-empty FamilyID with one of the account's tokens (the customer tokens minted with " +
		"its grants and personal tokens), and counts them; other families survive.",
		revokeAccountTokensFamilies},
	{"RevokeClientTokens", "RevokeClientTokens removes every token of the client, of every kind, " +
		"rotated ones included, and every token sharing a non-empty FamilyID with one of them, returns " +
		"how many, and leaves other clients' tokens and personal tokens; an empty client ID removes " +
		"nothing.", revokeClientTokens},
}

func tokenByID(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	access, refresh := p.pair(newID(), base)
	access.GrantedAt, refresh.GrantedAt = base.Add(-time.Hour), base.Add(-time.Hour)
	issue(t, s, base, access, refresh)
	got, err := s.TokenByID(ctx, access.ID, base.Add(time.Minute))
	must(t, "TokenByID", err)
	checkEqual(t, "TokenByID", access, got)

	now := base.Add(time.Hour)
	a1, r1 := p.rotation(refresh, now)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh.ID}))
	got, err = s.TokenByID(ctx, refresh.ID, now.Add(time.Minute))
	must(t, "TokenByID(rotated)", err)
	if got.RotatedAt.IsZero() {
		t.Errorf("TokenByID(rotated): RotatedAt is zero")
	}
}

func tokenByIDMissing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	tok := p.token(store.KindAccess, base)
	issue(t, s, base, tok)
	_, err := s.TokenByID(t.Context(), newID(), base.Add(time.Minute))
	wantErr(t, "TokenByID(unknown)", err, store.ErrNotFound)
	_, err = s.TokenByID(t.Context(), tok.ID, tok.ExpiresAt)
	wantErr(t, "TokenByID(expired)", err, store.ErrNotFound)
}

func accountTokens(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	other := p.withAccount(t, s)
	pat2 := p.token(store.KindPersonal, base.Add(2*time.Second))
	pat1 := p.token(store.KindPersonal, base.Add(time.Second))
	pat1.Name, pat2.Name = "first", "second"
	expired := p.token(store.KindPersonal, base)
	expired.ExpiresAt = base.Add(time.Minute)
	access, refresh := p.pair(newID(), base)
	issue(t, s, base, pat2, pat1, expired, access, refresh, other.token(store.KindPersonal, base))
	now := base.Add(time.Hour)
	a1, r1 := p.rotation(refresh, now)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh.ID}))

	later := now.Add(time.Minute)
	got, err := s.AccountTokens(ctx, p.account.ID, store.KindPersonal, later)
	must(t, "AccountTokens(personal)", err)
	checkEqual(t, "AccountTokens(personal)", []store.Token{pat1, pat2}, got)

	got, err = s.AccountTokens(ctx, p.account.ID, "", later)
	must(t, "AccountTokens(all)", err)
	if len(got) != 5 { // pat1, pat2, access, a1, r1: not the expired PAT nor the rotated refresh
		t.Errorf("AccountTokens(all) returned %d tokens, want 5", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].IssuedAt.Before(got[i-1].IssuedAt) {
			t.Errorf("AccountTokens(all) is not oldest first")
		}
	}
	got, err = s.AccountTokens(ctx, newID(), "", later)
	must(t, "AccountTokens(unknown account)", err)
	if len(got) != 0 {
		t.Errorf("AccountTokens(unknown account) = %d tokens, want none", len(got))
	}
}

func accountTokensNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	pat := p.token(store.KindPersonal, base)
	issue(t, s, base, pat)
	got, err := s.AccountTokens(ctx, p.account.ID, store.KindPersonal, base.Add(time.Minute))
	must(t, "AccountTokens", err)
	if len(got) != 1 {
		t.Fatalf("AccountTokens returned %d tokens, want 1", len(got))
	}
	got[0].Scopes[0] = "mutated"
	got, err = s.AccountTokens(ctx, p.account.ID, store.KindPersonal, base.Add(time.Minute))
	must(t, "AccountTokens", err)
	checkEqual(t, "stored token after mutating a returned one", []store.Token{pat}, got)
}

func adminAudienceNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	now := base.Add(time.Minute)
	tok, want := issueWithAudience(t, s, p, now)
	byID, err := s.TokenByID(ctx, tok.ID, now)
	must(t, "TokenByID", err)
	mutate(byID.Audience, "https://mutated.example/by-id")
	checkAudience(t, s, "Audience after mutating one returned by TokenByID", tok, want, now)
	listed, err := s.AccountTokens(ctx, p.account.ID, store.KindAccess, now)
	must(t, "AccountTokens", err)
	for _, l := range listed {
		mutate(l.Audience, "https://mutated.example/listed")
	}
	checkAudience(t, s, "Audience after mutating one returned by AccountTokens", tok, want, now)
}

func revokeAccountTokens(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	other := p.withAccount(t, s)
	access, refresh := p.pair(newID(), base)
	pat := p.token(store.KindPersonal, base)
	keep := other.token(store.KindAccess, base)
	issue(t, s, base, access, refresh, pat, keep)
	now := base.Add(time.Hour)
	a1, r1 := p.rotation(refresh, now)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh.ID}))

	n, err := s.RevokeAccountTokens(ctx, p.account.ID)
	must(t, "RevokeAccountTokens", err)
	if n != 5 {
		t.Errorf("RevokeAccountTokens = %d, want 5", n)
	}
	later := now.Add(time.Minute)
	for _, tok := range []store.Token{access, refresh, pat, a1, r1} {
		if exists(t, s, tok, later) {
			t.Errorf("%s token %s survived RevokeAccountTokens", tok.Kind, tok.ID)
		}
	}
	if !exists(t, s, keep, later) {
		t.Errorf("another account's token was revoked")
	}
}

// accountFamilies issues, for p's account, a pair in a family and a personal token (a
// family of its own), each with a customer token minted with it, and for other, a pair with
// its own customer token and a customer token in no family. It returns the account's tokens
// with the customer tokens of its families, and the tokens that must survive their
// revocation.
func accountFamilies(t *testing.T, s store.Parts, p, other party) (gone, kept []store.Token) {
	t.Helper()
	cust := putCustomer(t, s, p)
	access, refresh := p.pair(newID(), base)
	pat := p.personal(base)
	viaGrant := p.customerToken(cust, base)
	viaGrant.FamilyID = access.FamilyID
	viaPAT := p.customerToken(cust, base)
	viaPAT.FamilyID = pat.FamilyID

	otherAccess, otherRefresh := other.pair(newID(), base)
	viaOther := other.customerToken(cust, base)
	viaOther.FamilyID = otherAccess.FamilyID
	unrelated := p.customerToken(cust, base)
	issue(t, s, base, access, refresh, pat, viaGrant, viaPAT, otherAccess, otherRefresh, viaOther, unrelated)
	return []store.Token{access, refresh, pat, viaGrant, viaPAT}, []store.Token{otherAccess, otherRefresh, viaOther, unrelated}
}

func revokeAccountTokensFamilies(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	gone, kept := accountFamilies(t, s, p, p.withAccount(t, s))
	n, err := s.RevokeAccountTokens(t.Context(), p.account.ID)
	must(t, "RevokeAccountTokens", err)
	if n != len(gone) {
		t.Errorf("RevokeAccountTokens = %d, want %d", n, len(gone))
	}
	now := base.Add(time.Minute)
	wantAbsent(t, s, now, "after RevokeAccountTokens", gone...)
	wantPresent(t, s, now, "tokens of other families, or none, after RevokeAccountTokens", kept...)
}

// clientFamilies issues, for p's client, a pair (rotated once), a customer token and a
// customer token of another client minted into the pair's family, and for other (another
// client of the same account), a pair and a customer token; and a personal token of the
// account (no client). It returns the tokens of p's client with those of its families, and
// the tokens that must survive their revocation.
func clientFamilies(t *testing.T, s store.Parts, p, other party) (gone, kept []store.Token) {
	t.Helper()
	ctx := t.Context()
	cust := putCustomer(t, s, p)
	access, refresh := p.pair(newID(), base)
	own := p.customerToken(cust, base)
	viaGrant := other.customerToken(cust, base)
	viaGrant.FamilyID = access.FamilyID
	otherAccess, otherRefresh := other.pair(newID(), base)
	otherCustomer := other.customerToken(cust, base)
	pat := p.personal(base)
	issue(t, s, base, access, refresh, own, viaGrant, otherAccess, otherRefresh, otherCustomer, pat)
	now := base.Add(time.Minute)
	a1, r1 := p.rotation(refresh, now)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh.ID}))
	return []store.Token{access, refresh, own, viaGrant, a1, r1}, []store.Token{otherAccess, otherRefresh, otherCustomer, pat}
}

func revokeClientTokens(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	gone, kept := clientFamilies(t, s, p, p.withClient(t, s))
	n, err := s.RevokeClientTokens(ctx, "", "")
	must(t, "RevokeClientTokens(\"\")", err)
	if n != 0 {
		t.Errorf("RevokeClientTokens(\"\") = %d, want 0", n)
	}
	now := base.Add(time.Hour)
	wantPresent(t, s, now, "after RevokeClientTokens of no client", append(gone, kept...)...)

	n, err = s.RevokeClientTokens(ctx, p.client.ID, "")
	must(t, "RevokeClientTokens", err)
	if n != len(gone) {
		t.Errorf("RevokeClientTokens = %d, want %d", n, len(gone))
	}
	wantAbsent(t, s, now, "after RevokeClientTokens", gone...)
	wantPresent(t, s, now, "other clients' and personal tokens after RevokeClientTokens", kept...)
	n, err = s.RevokeClientTokens(ctx, p.client.ID, "")
	must(t, "RevokeClientTokens (again)", err)
	if n != 0 {
		t.Errorf("RevokeClientTokens of a client without tokens = %d, want 0", n)
	}
}
