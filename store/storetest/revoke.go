package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var revocationTests = []test{
	{"RevokeAccess", "RevokeToken of an access token removes it, the refresh token it names and " +
		"every access token paired with that refresh token; other pairs survive.", revokeAccess},
	{"RevokeRefresh", "RevokeToken of a refresh token removes it and every access token paired " +
		"with it; other pairs survive.", revokeRefresh},
	{"RevokeUnpaired", "RevokeToken of a token with no pair (an access token without RefreshID, " +
		"a personal token) removes only that token.", revokeUnpaired},
	{"RevokeMissing", "RevokeToken of an unknown or already revoked id returns ErrNotFound.", revokeMissing},
	{"RevokeFamily", "RevokeFamily removes every token of the family (access, refresh, rotated " +
		"refresh) and no token of another family.", revokeFamily},
	{"RevokeFamilyEmpty", "RevokeFamily of a family with no tokens returns nil and removes nothing.",
		revokeFamilyEmpty},
}

// pairs issues two families of tokens for p: in the first, a pair (access, refresh) and an
// access token later refreshed from the same refresh token (no rotation); in the second, a
// pair (otherAccess, otherRefresh).
func pairs(t *testing.T, s store.Parts, p party) (access, refresh, refreshed, otherAccess, otherRefresh store.Token) {
	t.Helper()
	access, refresh = p.pair(newID(), base)
	otherAccess, otherRefresh = p.pair(newID(), base)
	issue(t, s, base, access, refresh, otherAccess, otherRefresh)
	refreshed = p.token(store.KindAccess, base.Add(time.Hour))
	refreshed.FamilyID, refreshed.RefreshID, refreshed.FromRefresh = refresh.FamilyID, refresh.ID, true
	issue(t, s, base.Add(time.Hour), refreshed)
	return access, refresh, refreshed, otherAccess, otherRefresh
}

func revokeAccess(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	access, refresh, refreshed, otherAccess, otherRefresh := pairs(t, s, p)
	now := base.Add(2 * time.Hour)
	// The access token issued by the refresh token takes its sibling with it.
	must(t, "RevokeToken(refreshed access)", s.RevokeToken(t.Context(), refreshed.ID))
	wantAbsent(t, s, now, "after revoking the refreshed access token", refreshed, refresh, access)
	wantPresent(t, s, now, "after revoking another pair's access token", otherAccess, otherRefresh)

	must(t, "RevokeToken(other access)", s.RevokeToken(t.Context(), otherAccess.ID))
	wantAbsent(t, s, now, "after revoking the other access token", otherAccess, otherRefresh)
}

func revokeRefresh(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	access, refresh, refreshed, otherAccess, otherRefresh := pairs(t, s, p)
	must(t, "RevokeToken(refresh)", s.RevokeToken(t.Context(), refresh.ID))
	now := base.Add(2 * time.Hour)
	wantAbsent(t, s, now, "after revoking the refresh token", refresh, access, refreshed)
	wantPresent(t, s, now, "after revoking another pair's refresh token", otherAccess, otherRefresh)
}

func revokeUnpaired(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	family := newID()
	lone := p.token(store.KindAccess, base)
	lone.FamilyID = family
	pat := p.token(store.KindPersonal, base)
	pat.Name = "ci"
	access, refresh := p.pair(family, base)
	issue(t, s, base, lone, pat, access, refresh)

	now := base.Add(time.Hour)
	must(t, "RevokeToken(unpaired access)", s.RevokeToken(t.Context(), lone.ID))
	wantAbsent(t, s, now, "after revoking an unpaired access token", lone)
	wantPresent(t, s, now, "after revoking an unpaired access token", pat, access, refresh)

	must(t, "RevokeToken(personal)", s.RevokeToken(t.Context(), pat.ID))
	wantAbsent(t, s, now, "after revoking a personal token", pat)
	wantPresent(t, s, now, "after revoking a personal token", access, refresh)
}

func revokeMissing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	tok := p.token(store.KindAccess, base)
	issue(t, s, base, tok)
	wantErr(t, "RevokeToken(unknown)", s.RevokeToken(t.Context(), newID()), store.ErrNotFound)
	must(t, "RevokeToken", s.RevokeToken(t.Context(), tok.ID))
	wantErr(t, "RevokeToken(already revoked)", s.RevokeToken(t.Context(), tok.ID), store.ErrNotFound)
}

func revokeFamily(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	family := newID()
	a0, r0 := p.pair(family, base)
	b0, q0 := p.pair(newID(), base)
	pat := p.token(store.KindPersonal, base)
	issue(t, s, base, a0, r0, b0, q0, pat)

	// Two rotations in the family, one in the other.
	t1 := base.Add(time.Hour)
	a1, r1 := p.rotation(r0, t1)
	b1, q1 := p.rotation(q0, t1)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, t1, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: r0.ID}))
	must(t, "IssueTokens(rotate other)", s.IssueTokens(ctx, t1, store.Issue{Tokens: []store.Token{b1, q1}, RotateID: q0.ID}))
	t2 := base.Add(2 * time.Hour)
	a2, r2 := p.rotation(r1, t2)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, t2, store.Issue{Tokens: []store.Token{a2, r2}, RotateID: r1.ID}))

	now := base.Add(3 * time.Hour)
	wantPresent(t, s, now, "before RevokeFamily", a0, r0, a1, r1, a2, r2)
	must(t, "RevokeFamily", s.RevokeFamily(ctx, family))
	wantAbsent(t, s, now, "after RevokeFamily", a0, r0, a1, r1, a2, r2)
	wantPresent(t, s, now, "tokens of another family (or none) after RevokeFamily", b0, q0, b1, q1, pat)
	must(t, "RevokeFamily(again)", s.RevokeFamily(ctx, family))
}

func revokeFamilyEmpty(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	access, refresh := p.pair(newID(), base)
	issue(t, s, base, access, refresh)
	must(t, "RevokeFamily(no tokens)", s.RevokeFamily(t.Context(), newID()))
	wantPresent(t, s, base.Add(time.Hour), "after revoking an empty family", access, refresh)
}
