package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// R-TOKEN-7: at most N live tokens of a kind per (client, account); one more evicts the
// oldest, atomically, even under concurrent requests.
var limitTests = []test{
	{"LimitEvictsOldest", "R-TOKEN-7: issuing limit+1 live tokens of a kind for one (client, " +
		"account) evicts the oldest by IssuedAt.", limitEvictsOldest},
	{"LimitOrdersByIssuedAt", "R-TOKEN-7: eviction picks the oldest IssuedAt, not the first " +
		"inserted.", limitOrdersByIssuedAt},
	{"LimitPerClientAccountKind", "R-TOKEN-7: a limit counts and evicts only tokens of the same " +
		"kind, client and account; older tokens of other clients, accounts and kinds are untouched.",
		limitPerGroup},
	{"LimitIgnoresExpiredAndRotated", "R-TOKEN-7: expired and rotated tokens are not live, so they " +
		"do not count toward a limit, and a rotated token is not evicted.", limitIgnoresDead},
	{"LimitEvictRefreshCascades", "R-TOKEN-7: evicting a refresh token also removes the access " +
		"tokens paired with it.", limitEvictRefresh},
	{"LimitEvictAccessAlone", "R-TOKEN-7: evicting an access token does not remove its refresh " +
		"token.", limitEvictAccess},
	{"LimitUnlimited", "R-TOKEN-7: a kind absent from Limits, or with a limit of 0 or less, is " +
		"unlimited.", limitUnlimited},
	{"LimitConcurrently", "R-TOKEN-7: 40 goroutines each issuing one access token for one (client, " +
		"account) with a limit of 5 all succeed and leave exactly 5 live.", limitConcurrently},
}

// limited issues toks at now under limits.
func limited(t *testing.T, s store.Storage, now time.Time, limits map[store.TokenKind]int, toks ...store.Token) {
	t.Helper()
	must(t, "IssueTokens", s.IssueTokens(t.Context(), now, store.Issue{Tokens: toks, Limits: limits}))
}

func limitEvictsOldest(t *testing.T, s store.Storage) {
	p := newParty(t, s)
	limits := map[store.TokenKind]int{store.KindAccess: 3}
	var toks []store.Token
	for i := range 5 {
		at := base.Add(time.Duration(i) * time.Minute)
		tok := p.token(store.KindAccess, at)
		limited(t, s, at, limits, tok)
		toks = append(toks, tok)
		if i == 3 {
			now := at.Add(time.Second)
			wantAbsent(t, s, now, "after issuing 4 with a limit of 3", toks[0])
			wantPresent(t, s, now, "after issuing 4 with a limit of 3", toks[1:]...)
		}
	}
	now := base.Add(time.Hour)
	wantAbsent(t, s, now, "after issuing 5 with a limit of 3", toks[:2]...)
	wantPresent(t, s, now, "after issuing 5 with a limit of 3", toks[2:]...)
}

func limitOrdersByIssuedAt(t *testing.T, s store.Storage) {
	p := newParty(t, s)
	newer := p.token(store.KindAccess, base.Add(2*time.Minute))
	older := p.token(store.KindAccess, base.Add(time.Minute))
	issue(t, s, base.Add(2*time.Minute), newer)
	issue(t, s, base.Add(2*time.Minute), older)
	at := base.Add(3 * time.Minute)
	latest := p.token(store.KindAccess, at)
	limited(t, s, at, map[store.TokenKind]int{store.KindAccess: 2}, latest)
	wantAbsent(t, s, at, "oldest by IssuedAt (inserted last)", older)
	wantPresent(t, s, at, "newer by IssuedAt (inserted first)", newer, latest)
}

func limitPerGroup(t *testing.T, s store.Storage) {
	p := newParty(t, s)
	otherClient := p.withClient(t, s)
	otherAccount := p.withAccount(t, s)
	const limit = 2

	// Older tokens, at the limit in every other group: a backend that groups wrongly counts
	// them with p's access tokens and evicts them first.
	var others []store.Token
	for i := range limit {
		at := base.Add(time.Duration(i) * time.Minute)
		others = append(others,
			otherClient.token(store.KindAccess, at),
			otherAccount.token(store.KindAccess, at),
			p.token(store.KindRefresh, at),
			p.token(store.KindPersonal, at),
		)
	}
	issue(t, s, base.Add(time.Minute), others...)

	var mine []store.Token
	for i := range limit + 1 {
		at := base.Add(time.Duration(10+i) * time.Minute)
		tok := p.token(store.KindAccess, at)
		limited(t, s, at, map[store.TokenKind]int{store.KindAccess: limit}, tok)
		mine = append(mine, tok)
	}
	now := base.Add(time.Hour)
	wantAbsent(t, s, now, "oldest access token of the group", mine[0])
	wantPresent(t, s, now, "newer access tokens of the group", mine[1:]...)
	wantPresent(t, s, now, "tokens of other clients, accounts and kinds", others...)
}

func limitIgnoresDead(t *testing.T, s store.Storage) {
	ctx := t.Context()
	p := newParty(t, s)
	limits := map[store.TokenKind]int{store.KindAccess: 2, store.KindRefresh: 2}

	// Access: a live token, then a newer one that expires early. Issuing a second live one
	// must evict nothing: the expired token does not count.
	live := p.token(store.KindAccess, base.Add(time.Minute))
	expired := p.token(store.KindAccess, base.Add(5*time.Minute))
	expired.ExpiresAt = base.Add(6 * time.Minute)
	issue(t, s, base.Add(5*time.Minute), live, expired)
	at := base.Add(10 * time.Minute)
	fresh := p.token(store.KindAccess, at)
	limited(t, s, at, limits, fresh)
	wantPresent(t, s, at, "live access tokens at the limit, beside an expired one", live, fresh)

	// Refresh: a live token r1, then r0 (newer) rotated into r2. r0 no longer counts, so
	// nothing is evicted; then r3 evicts r1, the oldest live one, and never the rotated r0.
	r1 := p.token(store.KindRefresh, base.Add(time.Minute))
	r0 := p.token(store.KindRefresh, base.Add(2*time.Minute))
	issue(t, s, base.Add(2*time.Minute), r1, r0)
	at = base.Add(20 * time.Minute)
	r2 := p.token(store.KindRefresh, at)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, at, store.Issue{
		Tokens: []store.Token{r2}, Limits: limits, RotateID: r0.ID,
	}))
	wantPresent(t, s, at, "live refresh tokens at the limit, beside a rotated one", r1, r2)
	at = base.Add(30 * time.Minute)
	r3 := p.token(store.KindRefresh, at)
	limited(t, s, at, limits, r3)
	wantAbsent(t, s, at, "oldest live refresh token", r1)
	wantPresent(t, s, at, "newer live refresh tokens", r2, r3)
	rotated := r0
	rotated.RotatedAt = base.Add(20 * time.Minute)
	checkToken(t, s, "rotated refresh token (not evicted)", rotated, at)
}

func limitEvictRefresh(t *testing.T, s store.Storage) {
	p := newParty(t, s)
	limits := map[store.TokenKind]int{store.KindRefresh: 2}
	a0, r0 := p.pair(newID(), base)
	limited(t, s, base, limits, a0, r0)
	// Another access token paired with r0 (refreshed without rotation).
	a0b := p.token(store.KindAccess, base.Add(30*time.Second))
	a0b.FamilyID, a0b.RefreshID, a0b.FromRefresh = r0.FamilyID, r0.ID, true
	limited(t, s, base.Add(30*time.Second), limits, a0b)
	a1, r1 := p.pair(newID(), base.Add(time.Minute))
	limited(t, s, base.Add(time.Minute), limits, a1, r1)
	a2, r2 := p.pair(newID(), base.Add(2*time.Minute))
	limited(t, s, base.Add(2*time.Minute), limits, a2, r2)

	now := base.Add(time.Hour)
	wantAbsent(t, s, now, "evicted refresh token and its access tokens", r0, a0, a0b)
	wantPresent(t, s, now, "newer pairs", a1, r1, a2, r2)
}

func limitEvictAccess(t *testing.T, s store.Storage) {
	p := newParty(t, s)
	limits := map[store.TokenKind]int{store.KindAccess: 2}
	var access, refresh []store.Token
	for i := range 3 {
		at := base.Add(time.Duration(i) * time.Minute)
		a, r := p.pair(newID(), at)
		limited(t, s, at, limits, a, r)
		access, refresh = append(access, a), append(refresh, r)
	}
	now := base.Add(time.Hour)
	wantAbsent(t, s, now, "evicted access token", access[0])
	wantPresent(t, s, now, "newer access tokens", access[1:]...)
	wantPresent(t, s, now, "refresh tokens, including the evicted access token's", refresh...)
}

func limitUnlimited(t *testing.T, s store.Storage) {
	p := newParty(t, s)
	cases := []map[store.TokenKind]int{
		nil,
		{store.KindAccess: 0},
		{store.KindAccess: -1},
		{store.KindRefresh: 1, store.KindPersonal: 1},
	}
	var toks []store.Token
	for i, limits := range cases {
		for j := range 3 {
			at := base.Add(time.Duration(3*i+j) * time.Minute)
			tok := p.token(store.KindAccess, at)
			limited(t, s, at, limits, tok)
			toks = append(toks, tok)
		}
		wantPresent(t, s, base.Add(time.Hour), fmt.Sprintf("access tokens issued with Limits %v", limits), toks...)
	}
}

func limitConcurrently(t *testing.T, s store.Storage) {
	p := newParty(t, s)
	const n, limit = 40, 5
	toks := make([]store.Token, n)
	for i := range toks {
		toks[i] = p.token(store.KindAccess, base.Add(time.Duration(i)*time.Second))
	}
	now := base.Add(time.Minute)
	limits := map[store.TokenKind]int{store.KindAccess: limit}
	errs := race(n, func(i int) error {
		return s.IssueTokens(t.Context(), now, store.Issue{Tokens: toks[i : i+1], Limits: limits})
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("IssueTokens #%d: %v", i, err)
		}
	}
	live := 0
	for _, tok := range toks {
		if exists(t, s, tok, now) {
			live++
		}
	}
	if live != limit {
		t.Errorf("%d live access tokens after %d concurrent issues with a limit of %d, want %d", live, n, limit, limit)
	}
}
