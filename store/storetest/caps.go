package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// Caps refuse an issuance instead of evicting (the personal-token cap per account), exactly,
// even under concurrent requests.
var capTests = []test{
	{"CapRefuses", "IssueTokens that would take a group past Caps returns ErrLimitReached and " +
		"inserts none of its tokens; below the cap it succeeds.", capRefuses},
	{"CapCountsLiveInGroup", "A cap counts the live tokens of the kind in the group: expired and " +
		"rotated tokens, and tokens of other accounts, clients and kinds, do not count.", capCountsLive},
	{"CapWritesNothing", "A refused issuance neither rotates RotateID, consumes ConsumeCode nor " +
		"evicts anything.", capWritesNothing},
	{"CapConcurrently", "IssueTokens called by 50 goroutines at once, each inserting one token " +
		"into a group capped at 10, succeeds exactly 10 times (the others return ErrLimitReached) " +
		"and leaves exactly 10 live.", capConcurrently},
}

// personal returns a new personal access token of p's account, issued at issuedAt: no
// client, a family of its own.
func (p party) personal(issuedAt time.Time) store.Token {
	tok := p.token(store.KindPersonal, issuedAt)
	tok.ClientID, tok.Name, tok.FamilyID = "", "ci", tok.ID
	return tok
}

func capRefuses(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	caps := map[store.TokenKind]int{store.KindPersonal: 3}
	var kept []store.Token
	for i := range 3 {
		at := base.Add(time.Duration(i) * time.Minute)
		tok := p.personal(at)
		must(t, fmt.Sprintf("IssueTokens(PAT %d of 3)", i+1), s.IssueTokens(ctx, at, store.Issue{Tokens: []store.Token{tok}, Caps: caps}))
		kept = append(kept, tok)
	}
	now := base.Add(time.Hour)
	over := p.personal(now)
	wantErr(t, "IssueTokens(a 4th PAT, cap 3)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{over}, Caps: caps}),
		store.ErrLimitReached)
	wantAbsent(t, s, now, "the refused PAT", over)
	wantPresent(t, s, now, "the PATs within the cap", kept...)

	// Two tokens where one slot is left: the issuance is refused as a whole.
	caps[store.KindPersonal] = 4
	a, b := p.personal(now), p.personal(now)
	wantErr(t, "IssueTokens(2 PATs, 1 slot left)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a, b}, Caps: caps}),
		store.ErrLimitReached)
	wantAbsent(t, s, now, "PATs of a refused issuance", a, b)
	must(t, "IssueTokens(1 PAT, 1 slot left)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a}, Caps: caps}))
	wantPresent(t, s, now, "the PAT that fills the cap", a)

	// No cap, or a cap ≤ 0, is uncapped.
	for _, caps := range []map[store.TokenKind]int{nil, {store.KindPersonal: 0}, {store.KindPersonal: -1}, {store.KindAccess: 1}} {
		tok := p.personal(now)
		must(t, fmt.Sprintf("IssueTokens(Caps %v)", caps), s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{tok}, Caps: caps}))
	}
}

func capCountsLive(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	other := p.withAccount(t, s)
	const limit = 2
	now := base.Add(time.Hour)

	expired := p.personal(base)
	expired.ExpiresAt = now
	r0 := p.token(store.KindRefresh, base)
	issue(t, s, base, expired, r0,
		other.personal(base), other.personal(base), // another account
		p.token(store.KindAccess, base), p.token(store.KindAccess, base), // another kind
		p.withClient(t, s).token(store.KindRefresh, base), p.withClient(t, s).token(store.KindRefresh, base)) // other clients
	r1 := p.token(store.KindRefresh, base)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, base, store.Issue{Tokens: []store.Token{r1}, RotateID: r0.ID}))

	caps := map[store.TokenKind]int{store.KindPersonal: limit, store.KindRefresh: limit}
	pats := []store.Token{p.personal(now), p.personal(now)}
	must(t, "IssueTokens(2 PATs beside an expired one, cap 2)", s.IssueTokens(ctx, now, store.Issue{Tokens: pats, Caps: caps}))
	r2 := p.token(store.KindRefresh, now)
	must(t, "IssueTokens(a 2nd live refresh token beside a rotated one, cap 2)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{r2}, Caps: caps}))
	wantPresent(t, s, now, "tokens issued up to the cap", append(pats, r1, r2)...)
	wantErr(t, "IssueTokens(a 3rd live PAT, cap 2)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{p.personal(now)}, Caps: caps}), store.ErrLimitReached)

	// The refresh token that an issuance rotates is not live after it: a rotation in a full
	// group stays within the cap.
	r3 := p.token(store.KindRefresh, now)
	must(t, "IssueTokens(rotate in a group at its cap)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{r3}, Caps: caps, RotateID: r2.ID}))
	wantPresent(t, s, now, "the rotation's refresh token", r3)
}

func capWritesNothing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	family := newID()
	oldAccess, oldRefresh := p.pair(family, base)
	spare := p.token(store.KindRefresh, base)
	issue(t, s, base, oldAccess, oldRefresh, spare)
	c := p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))

	// Had it gone through, the issuance would have rotated oldRefresh, consumed c and
	// evicted spare (one live refresh token beyond the limit).
	now := base.Add(time.Minute)
	access, refresh := p.rotation(oldRefresh, now)
	err := s.IssueTokens(ctx, now, store.Issue{
		Tokens:      []store.Token{access, refresh},
		Limits:      map[store.TokenKind]int{store.KindRefresh: 1},
		Caps:        map[store.TokenKind]int{store.KindAccess: 1},
		RotateID:    oldRefresh.ID,
		ConsumeCode: c.Hash,
	})
	wantErr(t, "IssueTokens(rotation, code, limits, a cap reached)", err, store.ErrLimitReached)
	wantAbsent(t, s, now, "tokens of a refused issuance", access, refresh)
	checkToken(t, s, "access token after a refused issuance", oldAccess, now)
	checkToken(t, s, "refresh token after a refused issuance (not rotated)", oldRefresh, now)
	checkToken(t, s, "refresh token after a refused issuance (not evicted)", spare, now)
	wantCodeUnconsumed(t, s, "after a refused issuance", c, now)
}

func capConcurrently(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	const n, capped = 50, 10
	toks := make([]store.Token, n)
	for i := range toks {
		toks[i] = p.personal(base.Add(time.Duration(i) * time.Second))
	}
	now := base.Add(time.Minute)
	caps := map[store.TokenKind]int{store.KindPersonal: capped}
	errs := race(n, func(i int) error {
		return s.IssueTokens(t.Context(), now, store.Issue{Tokens: toks[i : i+1], Caps: caps})
	})
	wins, live := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrLimitReached):
			t.Errorf("IssueTokens #%d: got error %v, want nil or %v", i, err, store.ErrLimitReached)
		}
		if ok := exists(t, s, toks[i], now); ok != (err == nil) {
			t.Errorf("IssueTokens #%d returned %v, and its token is stored: %v", i, err, ok)
		}
		if exists(t, s, toks[i], now) {
			live++
		}
	}
	if wins != capped || live != capped {
		t.Errorf("%d of %d concurrent issues into a group capped at %d succeeded, %d live; want %d and %d",
			wins, n, capped, live, capped, capped)
	}
}
