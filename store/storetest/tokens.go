package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var tokenTests = []test{
	{"IssueAndGet", "Token returns each token IssueTokens inserted, of every kind.", tokenIssueAndGet},
	{"GetMissing", "Token of an unknown hash returns ErrNotFound.", tokenGetMissing},
	{"GetExpired", "Token returns ErrNotFound when now is at or after ExpiresAt.", tokenGetExpired},
	{"IssueDuplicateHash", "IssueTokens with a token whose hash exists returns ErrConflict, inserts " +
		"none of the Issue's tokens and leaves the existing token unchanged.", tokenIssueDuplicateHash},
	{"IssueDuplicateID", "IssueTokens with a token whose ID exists returns ErrConflict, inserts " +
		"none of the Issue's tokens and leaves the existing token unchanged.", tokenIssueDuplicateID},
	{"IssueDuplicateWithinIssue", "IssueTokens with two tokens sharing a hash or an ID returns " +
		"ErrConflict and inserts neither.", tokenIssueDuplicateWithin},
	{"IssueConflictWritesNothing", "An IssueTokens that fails with ErrConflict neither rotates " +
		"RotateID nor evicts anything.", tokenIssueConflictWritesNothing},
	{"RequireLive", "IssueTokens with RequireID issues only while that token is live at now: " +
		"a missing, expired or rotated one gives ErrNotFound and nothing is written.", tokenRequireLive},
	{"GrantedAt", "Token, TokenByID and AccountTokens return the GrantedAt IssueTokens stored, " +
		"and a zero GrantedAt as zero.", tokenGrantedAt},
	{"NoAliasing", "Mutating the Scopes of a token passed to IssueTokens (or the Issue's Tokens " +
		"slice) or returned by Token does not change the stored token.", tokenNoAliasing},
	{"AudienceNoAliasing", "Mutating the Audience of a token passed to IssueTokens, or of one " +
		"returned by Token, does not change the Audience returned afterwards.", tokenAudienceNoAliasing},
}

func tokenIssueAndGet(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	access, refresh := p.pair(newID(), base)
	pat := p.token(store.KindPersonal, base)
	pat.Name = "ci"
	pat.Scopes = []string{"chats--all:ro"}
	cust := putCustomer(t, s, p)
	ct := p.token(store.KindCustomer, base)
	ct.CustomerID = cust.ID
	fromRefresh := p.token(store.KindAccess, base.Add(time.Minute))
	fromRefresh.FamilyID, fromRefresh.RefreshID, fromRefresh.FromRefresh = access.FamilyID, refresh.ID, true
	fromRefresh.SealedRefresh = []byte{0, 1, 2, 0xfe, 0xff}

	issue(t, s, base, access, refresh, pat, ct)
	issue(t, s, base.Add(time.Minute), fromRefresh)
	now := base.Add(time.Hour)
	for _, want := range []store.Token{access, refresh, pat, ct, fromRefresh} {
		got, err := s.Token(ctx, want.Hash, now)
		must(t, "Token", err)
		checkEqual(t, "Token("+string(want.Kind)+")", want, got)
	}
}

func tokenGetMissing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	issue(t, s, base, p.token(store.KindAccess, base))
	_, err := s.Token(t.Context(), newHash(), base.Add(time.Minute))
	wantErr(t, "Token(unknown)", err, store.ErrNotFound)
}

func tokenGetExpired(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	access, refresh := p.pair(newID(), base)
	issue(t, s, base, access, refresh)
	for _, tok := range []store.Token{access, refresh} {
		_, err := s.Token(ctx, tok.Hash, tok.ExpiresAt.Add(-time.Second))
		must(t, "Token(a second before ExpiresAt)", err)
		_, err = s.Token(ctx, tok.Hash, tok.ExpiresAt)
		wantErr(t, "Token("+string(tok.Kind)+", now = ExpiresAt)", err, store.ErrNotFound)
		_, err = s.Token(ctx, tok.Hash, tok.ExpiresAt.Add(time.Hour))
		wantErr(t, "Token("+string(tok.Kind)+", now after ExpiresAt)", err, store.ErrNotFound)
	}
}

// checkToken reports a difference between want and the stored token with want.Hash at now.
func checkToken(t *testing.T, s store.Parts, what string, want store.Token, now time.Time) {
	t.Helper()
	got, err := s.Token(t.Context(), want.Hash, now)
	if err != nil {
		t.Errorf("%s: Token(%s %s): %v", what, want.Kind, want.ID, err)
		return
	}
	checkEqual(t, what, want, got)
}

func tokenIssueDuplicateHash(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	existing := p.token(store.KindAccess, base)
	issue(t, s, base, existing)

	now := base.Add(time.Minute)
	access, refresh := p.pair(newID(), now)
	dup := p.token(store.KindAccess, now)
	dup.Hash = existing.Hash
	err := s.IssueTokens(t.Context(), now, store.Issue{Tokens: []store.Token{access, dup, refresh}})
	wantErr(t, "IssueTokens(existing hash)", err, store.ErrConflict)
	wantAbsent(t, s, now, "after a conflicting IssueTokens", access, refresh)
	checkToken(t, s, "existing token after a conflicting IssueTokens", existing, now)
}

func tokenIssueDuplicateID(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	existing := p.token(store.KindRefresh, base)
	issue(t, s, base, existing)

	now := base.Add(time.Minute)
	access, refresh := p.pair(newID(), now)
	dup := p.token(store.KindRefresh, now)
	dup.ID = existing.ID
	err := s.IssueTokens(t.Context(), now, store.Issue{Tokens: []store.Token{access, refresh, dup}})
	wantErr(t, "IssueTokens(existing ID)", err, store.ErrConflict)
	wantAbsent(t, s, now, "after a conflicting IssueTokens", access, refresh, dup)
	checkToken(t, s, "existing token after a conflicting IssueTokens", existing, now)
}

func tokenIssueDuplicateWithin(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	now := base
	a, b := p.token(store.KindAccess, now), p.token(store.KindAccess, now)
	b.Hash = a.Hash
	err := s.IssueTokens(t.Context(), now, store.Issue{Tokens: []store.Token{a, b}})
	wantErr(t, "IssueTokens(two tokens, one hash)", err, store.ErrConflict)
	wantAbsent(t, s, now, "after IssueTokens(two tokens, one hash)", a)

	c, d := p.token(store.KindAccess, now), p.token(store.KindAccess, now)
	d.ID = c.ID
	err = s.IssueTokens(t.Context(), now, store.Issue{Tokens: []store.Token{c, d}})
	wantErr(t, "IssueTokens(two tokens, one ID)", err, store.ErrConflict)
	wantAbsent(t, s, now, "after IssueTokens(two tokens, one ID)", c, d)
}

func tokenIssueConflictWritesNothing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	family := newID()
	oldAccess, oldRefresh := p.pair(family, base)
	issue(t, s, base, oldAccess, oldRefresh)

	now := base.Add(time.Hour)
	access, refresh := p.pair(family, now)
	access.FromRefresh = true
	dup := p.token(store.KindPersonal, now)
	dup.Hash = oldAccess.Hash
	err := s.IssueTokens(t.Context(), now, store.Issue{
		Tokens:   []store.Token{access, refresh, dup},
		Limits:   map[store.TokenKind]int{store.KindAccess: 1, store.KindRefresh: 1},
		RotateID: oldRefresh.ID,
	})
	wantErr(t, "IssueTokens(rotation, limits, existing hash)", err, store.ErrConflict)
	wantAbsent(t, s, now, "after a conflicting IssueTokens", access, refresh)
	checkToken(t, s, "access token after a conflicting IssueTokens (not evicted)", oldAccess, now)
	checkToken(t, s, "refresh token after a conflicting IssueTokens (neither evicted nor rotated)",
		oldRefresh, now)
}

func tokenNoAliasing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	access, refresh := p.pair(newID(), base)
	wantAccess, wantRefresh := access, refresh
	wantAccess.Scopes = []string{"chats--all:ro", "agents--my:rw"}
	wantRefresh.Scopes = []string{"chats--all:ro", "agents--my:rw"}
	is := store.Issue{Tokens: []store.Token{access, refresh}}
	must(t, "IssueTokens", s.IssueTokens(t.Context(), base, is))
	access.Scopes[0] = "mutated-after-issue"
	is.Tokens[1].Scopes[1] = "mutated-after-issue"
	is.Tokens[1].ExpiresAt = base
	is.Tokens[0] = store.Token{}

	now := base.Add(time.Minute)
	checkToken(t, s, "access Token after mutating the issued value", wantAccess, now)
	checkToken(t, s, "refresh Token after mutating the issued value", wantRefresh, now)

	got, err := s.Token(t.Context(), wantAccess.Hash, now)
	must(t, "Token", err)
	got.Scopes[0] = "mutated-after-get"
	checkToken(t, s, "Token after mutating a returned value", wantAccess, now)
}

// issueWithAudience issues an access token of p with an Audience, mutates the Audience of
// the value issued, and returns the token and the Audience that Token returned before the
// mutation, which Token must keep returning. The kit asks what is returned not to change,
// not what it is.
func issueWithAudience(t *testing.T, s store.Parts, p party, now time.Time) (store.Token, []string) {
	t.Helper()
	tok := p.token(store.KindAccess, base)
	tok.Audience = []string{"https://api.example.com/", "https://chat.example.com/"}
	must(t, "IssueTokens", s.IssueTokens(t.Context(), base, store.Issue{Tokens: []store.Token{tok}}))
	first, err := s.Token(t.Context(), tok.Hash, now)
	must(t, "Token", err)
	want := append([]string(nil), first.Audience...)
	tok.Audience[0] = "https://mutated.example/issued"
	checkAudience(t, s, "Audience after mutating the issued value", tok, want, now)
	return tok, want
}

// checkAudience checks that Token returns tok with the Audience want.
func checkAudience(t *testing.T, s store.Parts, what string, tok store.Token, want []string, now time.Time) {
	t.Helper()
	got, err := s.Token(t.Context(), tok.Hash, now)
	must(t, what+": Token", err)
	checkEqual(t, what, want, got.Audience)
}

// mutate changes the first entry of aud, if there is one.
func mutate(aud []string, to string) {
	if len(aud) > 0 {
		aud[0] = to
	}
}

func tokenAudienceNoAliasing(t *testing.T, s store.Parts) {
	now := base.Add(time.Minute)
	tok, want := issueWithAudience(t, s, newParty(t, s), now)
	got, err := s.Token(t.Context(), tok.Hash, now)
	must(t, "Token", err)
	mutate(got.Audience, "https://mutated.example/token")
	checkAudience(t, s, "Audience after mutating one returned by Token", tok, want, now)
}

func tokenRequireLive(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	access, refresh := p.pair(newID(), base)
	issue(t, s, base, access, refresh)
	now := base.Add(time.Hour)

	next := p.token(store.KindAccess, now)
	next.RefreshID, next.FromRefresh = refresh.ID, true
	must(t, "IssueTokens(RequireID live)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{next}, RequireID: refresh.ID}))
	checkToken(t, s, "token issued while the required token is live", next, now)

	for _, tc := range []struct {
		what string
		id   string
		now  time.Time
	}{
		{"missing", newID(), now},
		{"expired", refresh.ID, refresh.ExpiresAt},
	} {
		tok := p.token(store.KindAccess, tc.now.Add(-time.Minute))
		err := s.IssueTokens(ctx, tc.now, store.Issue{Tokens: []store.Token{tok}, RequireID: tc.id})
		wantErr(t, "IssueTokens(RequireID "+tc.what+")", err, store.ErrNotFound)
		if exists(t, s, tok, tc.now.Add(-time.Second)) {
			t.Errorf("IssueTokens(RequireID %s) inserted its token", tc.what)
		}
	}

	a1, r1 := p.rotation(refresh, now)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh.ID}))
	late := p.token(store.KindAccess, now)
	err := s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{late}, RequireID: refresh.ID})
	wantErr(t, "IssueTokens(RequireID rotated)", err, store.ErrNotFound)
}

func tokenGrantedAt(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	granted := base.Add(-24 * time.Hour)
	access, refresh := p.pair(newID(), base)
	access.GrantedAt, refresh.GrantedAt = granted, granted
	pat := p.personal(base) // descends from no grant
	issue(t, s, base, access, refresh, pat)

	now := base.Add(time.Minute)
	for _, want := range []store.Token{access, refresh, pat} {
		checkToken(t, s, "Token("+string(want.Kind)+")", want, now)
	}
	if s.TokenAdmin == nil {
		return // a run of Tokens alone: RunTokenAdmin checks what TokenAdmin returns
	}
	for _, want := range []store.Token{access, refresh, pat} {
		got, err := s.TokenByID(ctx, want.ID, now)
		must(t, "TokenByID", err)
		checkEqual(t, "TokenByID("+string(want.Kind)+")", want, got)
	}
	got, err := s.AccountTokens(ctx, p.account.ID, store.KindRefresh, now)
	must(t, "AccountTokens", err)
	checkEqual(t, "AccountTokens(refresh)", []store.Token{refresh}, got)
}
