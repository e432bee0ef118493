package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// At most N live tokens of a kind per (client, account); one more evicts the
// oldest, atomically, even under concurrent requests.
var limitTests = []test{
	{"LimitEvictsOldest", "issuing limit+1 live tokens of a kind for one (client, " +
		"account) evicts the oldest by IssuedAt.", forAccount(limitEvictsOldest)},
	{"LimitOrdersByIssuedAt", "eviction picks the oldest IssuedAt, not the first " +
		"inserted.", limitOrdersByIssuedAt},
	{"LimitPerClientAccountKind", "a limit counts and evicts only tokens of the same " +
		"kind, client and account; older tokens of other clients, accounts and kinds are untouched.",
		limitPerGroup},
	{"LimitIgnoresExpiredAndRotated", "expired and rotated tokens are not live, so they " +
		"do not count toward a limit, and a rotated token is not evicted.", limitIgnoresDead},
	{"LimitEvictRefreshCascades", "evicting a refresh token also removes the access " +
		"tokens paired with it.", limitEvictRefresh},
	{"LimitEvictAccessAlone", "evicting an access token does not remove its refresh " +
		"token.", limitEvictAccess},
	{"LimitUnlimited", "a kind absent from Limits, or with a limit of 0 or less, is " +
		"unlimited.", forAccount(limitUnlimited)},
	{"LimitConcurrently", "40 goroutines each issuing one access token for one (client, " +
		"account) with a limit of 5 all succeed and leave exactly 5 live.", forAccount(limitConcurrently)},
	{"LimitKeepsOwnTokens", "An issuance never evicts the tokens it inserts: into a full group of " +
		"tokens issued at T, one with IssuedAt T-1s keeps its own token and evicts the oldest " +
		"stored before it.", forAccount(limitKeepsOwn)},
	{"LimitKeepsOwnTokensConcurrently", "20 goroutines issuing at once into one full group, each a " +
		"token older than every stored one, all succeed; each evicts the oldest token stored before " +
		"it, so exactly one of theirs (the last committed) survives beside the limit-1 newest stored.",
		forAccount(limitKeepsOwnConcurrently)},
	{"LimitPerCustomer", "Customer tokens are limited and capped per (client, customer): another " +
		"customer's tokens of the same client, and the customer's tokens of another client, are " +
		"neither counted nor evicted.", limitPerCustomer},
}

// limited issues toks at now under limits.
func limited(t *testing.T, s store.Parts, now time.Time, limits map[store.TokenKind]int, toks ...store.Token) {
	t.Helper()
	must(t, "IssueTokens", s.IssueTokens(t.Context(), now, store.Issue{Tokens: toks, Limits: limits}))
}

// A limitedGroup is a group of access tokens and the Issue field that limits it: the rules
// of Limits for a (client, account), and the same rules of ClientLimits for a client's
// tokens of no account.
type limitedGroup struct {
	// token returns a new access token of the group, issued at issuedAt.
	token func(issuedAt time.Time) store.Token
	// issue returns the issuance of toks with limits as the group's limits.
	issue func(limits map[store.TokenKind]int, toks ...store.Token) store.Issue
}

// accountLimited is p's (client, account) group, limited by Limits.
func accountLimited(p party) limitedGroup {
	return limitedGroup{
		token: func(at time.Time) store.Token { return p.token(store.KindAccess, at) },
		issue: func(limits map[store.TokenKind]int, toks ...store.Token) store.Issue {
			return store.Issue{Tokens: toks, Limits: limits}
		},
	}
}

// forAccount runs rule on the (client, account) group of a new party.
func forAccount(rule func(t *testing.T, s store.Parts, g limitedGroup)) func(t *testing.T, s store.Parts) {
	return func(t *testing.T, s store.Parts) { rule(t, s, accountLimited(newParty(t, s))) }
}

// limited issues toks into g at now with a limit of limit access tokens.
func (g limitedGroup) limited(t *testing.T, s store.Parts, now time.Time, limit int, toks ...store.Token) {
	t.Helper()
	must(t, "IssueTokens", s.IssueTokens(t.Context(), now, g.issue(map[store.TokenKind]int{store.KindAccess: limit}, toks...)))
}

func limitEvictsOldest(t *testing.T, s store.Parts, g limitedGroup) {
	var toks []store.Token
	for i := range 5 {
		at := base.Add(time.Duration(i) * time.Minute)
		tok := g.token(at)
		g.limited(t, s, at, 3, tok)
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

func limitOrdersByIssuedAt(t *testing.T, s store.Parts) {
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

func limitPerGroup(t *testing.T, s store.Parts) {
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

func limitIgnoresDead(t *testing.T, s store.Parts) {
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

func limitEvictRefresh(t *testing.T, s store.Parts) {
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

func limitEvictAccess(t *testing.T, s store.Parts) {
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

func limitUnlimited(t *testing.T, s store.Parts, g limitedGroup) {
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
			tok := g.token(at)
			must(t, "IssueTokens", s.IssueTokens(t.Context(), at, g.issue(limits, tok)))
			toks = append(toks, tok)
		}
		wantPresent(t, s, base.Add(time.Hour), fmt.Sprintf("access tokens issued with limits %v", limits), toks...)
	}
}

func limitConcurrently(t *testing.T, s store.Parts, g limitedGroup) {
	const n, limit = 40, 5
	toks := make([]store.Token, n)
	for i := range toks {
		toks[i] = g.token(base.Add(time.Duration(i) * time.Second))
	}
	now := base.Add(time.Minute)
	limits := map[store.TokenKind]int{store.KindAccess: limit}
	errs := race(n, func(i int) error {
		return s.IssueTokens(t.Context(), now, g.issue(limits, toks[i]))
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

func limitKeepsOwn(t *testing.T, s store.Parts, g limitedGroup) {
	const limit = 3
	at := base.Add(time.Hour)
	var stored []store.Token
	for range limit {
		stored = append(stored, g.token(at))
	}
	issue(t, s, at, stored...)
	slices.SortFunc(stored, byEviction)

	// A request that arrived a second before the group filled commits now.
	now := at.Add(time.Minute)
	late := g.token(at.Add(-time.Second))
	g.limited(t, s, now, limit, late)
	wantPresent(t, s, now, "the token of the issuance (older than the stored ones)", late)
	wantAbsent(t, s, now, "the oldest token stored before the issuance", stored[0])
	wantPresent(t, s, now, "the newer stored tokens", stored[1:]...)

	// An issuance that inserts more than the limit keeps all its tokens, and evicts every
	// token stored before it.
	var many []store.Token
	for range limit + 1 {
		many = append(many, g.token(at.Add(-time.Hour)))
	}
	g.limited(t, s, now, limit, many...)
	wantPresent(t, s, now, "the tokens of an issuance larger than the limit", many...)
	wantAbsent(t, s, now, "every token stored before an issuance larger than the limit", append(stored, late)...)
}

// byEviction orders tokens as store.CompareEviction does.
func byEviction(a, b store.Token) int {
	return store.CompareEviction(store.EvictionCandidate{ID: a.ID, IssuedAt: a.IssuedAt},
		store.EvictionCandidate{ID: b.ID, IssuedAt: b.IssuedAt})
}

func limitKeepsOwnConcurrently(t *testing.T, s store.Parts, g limitedGroup) {
	const n, limit = 20, 5
	at := base.Add(time.Hour)
	var stored []store.Token
	for i := range limit {
		stored = append(stored, g.token(at.Add(time.Duration(i)*time.Second)))
	}
	issue(t, s, at, stored...)

	// Requests that arrived before every stored token, committing in any order. Whatever the
	// order, the first to commit evicts stored[0], the oldest stored token; each later one
	// finds the previous one's token the oldest stored before it (older than every stored
	// token) and evicts it. An issuance that evicted its own token instead leaves none of
	// theirs.
	fresh := make([]store.Token, n)
	for i := range fresh {
		fresh[i] = g.token(at.Add(-time.Duration(i+1) * time.Second))
	}
	now := at.Add(time.Minute)
	limits := map[store.TokenKind]int{store.KindAccess: limit}
	errs := race(n, func(i int) error {
		return s.IssueTokens(t.Context(), now, g.issue(limits, fresh[i]))
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("IssueTokens #%d: %v", i, err)
		}
	}
	survivors := 0
	for _, tok := range fresh {
		if exists(t, s, tok, now) {
			survivors++
		}
	}
	if survivors != 1 {
		t.Errorf("%d of the %d racing issuances' tokens survive, want exactly 1 (the last committed)", survivors, n)
	}
	wantAbsent(t, s, now, "the oldest stored token", stored[0])
	wantPresent(t, s, now, "the newer stored tokens", stored[1:]...)
}

// customerToken returns a new customer token for customer c through p's client.
func (p party) customerToken(c store.Customer, issuedAt time.Time) store.Token {
	tok := p.token(store.KindCustomer, issuedAt)
	tok.AccountID, tok.CustomerID, tok.OrganizationID = "", c.ID, c.OrganizationID
	return tok
}

func limitPerCustomer(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	otherClient := p.withClient(t, s)
	c, d := putCustomer(t, s, p), putCustomer(t, s, p)
	const limit = 2

	// Older tokens of d, and of c through another client, at the limit: a backend that
	// groups customer tokens by (client, account) counts d's with c's and evicts them first.
	var others []store.Token
	for i := range limit {
		at := base.Add(time.Duration(i) * time.Minute)
		others = append(others, p.customerToken(d, at), otherClient.customerToken(c, at))
	}
	issue(t, s, base.Add(time.Minute), others...)

	limits := map[store.TokenKind]int{store.KindCustomer: limit}
	var mine []store.Token
	for i := range limit + 1 {
		at := base.Add(time.Duration(10+i) * time.Minute)
		tok := p.customerToken(c, at)
		limited(t, s, at, limits, tok)
		mine = append(mine, tok)
	}
	now := base.Add(time.Hour)
	wantAbsent(t, s, now, "the customer's oldest token of the client", mine[0])
	wantPresent(t, s, now, "the customer's newer tokens of the client", mine[1:]...)
	wantPresent(t, s, now, "another customer's tokens, and the customer's of another client", others...)

	// A cap counts the same group: c has limit live tokens through p's client, so one more is
	// refused; d through p's client, and c through the other client, are at the cap too.
	caps := map[store.TokenKind]int{store.KindCustomer: limit + 1}
	must(t, "IssueTokens(a 3rd token for another customer, cap 3)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{p.customerToken(d, now)}, Caps: caps}))
	must(t, "IssueTokens(a 3rd token through another client, cap 3)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{otherClient.customerToken(c, now)}, Caps: caps}))
	must(t, "IssueTokens(a 3rd token for the customer, cap 3)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{p.customerToken(c, now)}, Caps: caps}))
	wantErr(t, "IssueTokens(a 4th token for the customer, cap 3)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{p.customerToken(c, now)}, Caps: caps}), store.ErrLimitReached)
}
