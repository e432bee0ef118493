package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// An authorization code is redeemed by the issuance of its tokens (Issue.ConsumeCode), so
// that whatever fails, a code yields at most one set of tokens (RFC 6749 §4.1.2, RFC 9700
// §4.5).
var redeemTests = []test{
	{"RedeemCode", "IssueTokens with ConsumeCode inserts the tokens and marks the code consumed " +
		"at now; Code still returns it.", redeemCode},
	{"RedeemCodeOnceConcurrently", "IssueTokens called by 50 goroutines at once, each redeeming " +
		"the same code with its own tokens, succeeds exactly once (the others return ErrConflict) " +
		"and only the winner's tokens are inserted.", redeemCodeConcurrently},
	{"RedeemCodeConsumed", "IssueTokens redeeming a code already consumed returns ErrConflict " +
		"and inserts nothing.", redeemCodeConsumed},
	{"RedeemCodeMissingOrExpired", "IssueTokens redeeming an unknown code, or one expired at " +
		"now, returns ErrNotFound and inserts nothing.", redeemCodeMissing},
	{"RedeemCodeFailedIssueKeepsCode", "An IssueTokens with ConsumeCode that fails for another " +
		"reason (a duplicate hash, RequireID not live, RotateID missing, a cap reached) leaves the " +
		"code unconsumed, so a correct issuance can still redeem it.", redeemCodeFailedIssue},
}

// codePair returns the access and refresh token issued for code at now.
func (p party) codePair(c store.AuthorizationCode, now time.Time) []store.Token {
	access, refresh := p.pair(c.FamilyID, now)
	access.GrantedAt, refresh.GrantedAt = now, now
	return []store.Token{access, refresh}
}

// codeLimits are limits like the server's, generous enough never to evict in these tests.
var codeLimits = map[store.TokenKind]int{store.KindAccess: 100, store.KindRefresh: 100}

// wantCodeUnconsumed reports unless Code returns c unconsumed at now.
func wantCodeUnconsumed(t *testing.T, s store.Parts, what string, c store.AuthorizationCode, now time.Time) {
	t.Helper()
	got, err := s.Code(t.Context(), c.Hash, now)
	must(t, what+": Code", err)
	checkEqual(t, what+": Code (not consumed)", c, got)
}

func redeemCode(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	c, other := p.code(base), p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	must(t, "CreateCode(other)", s.CreateCode(ctx, other))
	now := base.Add(time.Minute)
	toks := p.codePair(c, now)
	must(t, "IssueTokens(ConsumeCode)", s.IssueTokens(ctx, now, store.Issue{
		Tokens: toks, Limits: codeLimits, ConsumeCode: c.Hash,
	}))
	for _, tok := range toks {
		checkToken(t, s, "token issued for the code", tok, now)
	}
	want := c
	want.ConsumedAt = now
	got, err := s.Code(ctx, c.Hash, now.Add(time.Second))
	must(t, "Code(redeemed)", err)
	checkEqual(t, "Code(redeemed)", want, got)
	wantCodeUnconsumed(t, s, "another code", other, now)
}

func redeemCodeConcurrently(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	c := p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	now := base.Add(time.Minute)
	const n = 50
	sets := make([][]store.Token, n)
	for i := range sets {
		sets[i] = p.codePair(c, now)
	}
	errs := race(n, func(i int) error {
		return s.IssueTokens(ctx, now, store.Issue{Tokens: sets[i], Limits: codeLimits, ConsumeCode: c.Hash})
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Errorf("IssueTokens #%d and #%d both redeemed the code", winner, i)
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("IssueTokens #%d: got error %v, want nil or %v", i, err, store.ErrConflict)
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent redemptions of one code succeeded", n)
	}
	for i, set := range sets {
		if i == winner {
			wantPresent(t, s, now, "the winner's tokens", set...)
		} else {
			wantAbsent(t, s, now, "a loser's tokens", set...)
		}
	}
	got, err := s.Code(ctx, c.Hash, now)
	must(t, "Code", err)
	want := c
	want.ConsumedAt = now
	checkEqual(t, "Code after the race", want, got)
}

func redeemCodeConsumed(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	c := p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	first := base.Add(time.Minute)
	must(t, "IssueTokens(ConsumeCode)", s.IssueTokens(ctx, first, store.Issue{
		Tokens: p.codePair(c, first), ConsumeCode: c.Hash,
	}))

	now := first.Add(time.Minute)
	again := p.codePair(c, now)
	err := s.IssueTokens(ctx, now, store.Issue{Tokens: again, Limits: codeLimits, ConsumeCode: c.Hash})
	wantErr(t, "IssueTokens(consumed code)", err, store.ErrConflict)
	wantAbsent(t, s, now, "tokens of a second redemption", again...)
	got, err := s.Code(ctx, c.Hash, now)
	must(t, "Code", err)
	if !got.ConsumedAt.Equal(first) {
		t.Errorf("Code after a second redemption: ConsumedAt = %v, want the first, %v", got.ConsumedAt, first)
	}
}

func redeemCodeMissing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	c := p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	for _, tc := range []struct {
		what string
		hash store.Hash
		now  time.Time
	}{
		{"unknown code", newHash(), base.Add(time.Minute)},
		{"now = ExpiresAt", c.Hash, c.ExpiresAt},
		{"now after ExpiresAt", c.Hash, c.ExpiresAt.Add(time.Hour)},
	} {
		toks := p.codePair(c, tc.now.Add(-time.Minute))
		err := s.IssueTokens(ctx, tc.now, store.Issue{Tokens: toks, Limits: codeLimits, ConsumeCode: tc.hash})
		wantErr(t, "IssueTokens(ConsumeCode: "+tc.what+")", err, store.ErrNotFound)
		wantAbsent(t, s, tc.now.Add(-time.Second), "tokens of a failed redemption ("+tc.what+")", toks...)
	}
	wantCodeUnconsumed(t, s, "after failed redemptions", c, base.Add(time.Minute))
}

func redeemCodeFailedIssue(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	existing := p.token(store.KindAccess, base)
	pat := p.token(store.KindPersonal, base)
	refresh := p.token(store.KindRefresh, base)
	issue(t, s, base, existing, pat, refresh)
	c := p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	now := base.Add(time.Minute)

	cases := []struct {
		what   string
		is     func(toks []store.Token) store.Issue
		target error
	}{
		{"a duplicate token hash", func(toks []store.Token) store.Issue {
			toks[1].Hash = existing.Hash
			return store.Issue{Tokens: toks}
		}, store.ErrConflict},
		{"RequireID not live", func(toks []store.Token) store.Issue {
			return store.Issue{Tokens: toks, RequireID: newID()}
		}, store.ErrNotFound},
		{"RotateID missing", func(toks []store.Token) store.Issue {
			return store.Issue{Tokens: toks, RotateID: newID()}
		}, store.ErrNotFound},
		{"a cap reached", func(toks []store.Token) store.Issue {
			return store.Issue{Tokens: toks, Caps: map[store.TokenKind]int{store.KindRefresh: 1}}
		}, store.ErrLimitReached},
	}
	for _, tc := range cases {
		toks := p.codePair(c, now)
		is := tc.is(toks)
		is.ConsumeCode = c.Hash
		wantErr(t, "IssueTokens(ConsumeCode, "+tc.what+")", s.IssueTokens(ctx, now, is), tc.target)
		wantAbsent(t, s, now, "tokens of an issuance failing on "+tc.what, toks[0])
		wantCodeUnconsumed(t, s, "after an issuance failing on "+tc.what, c, now)
	}
	wantPresent(t, s, now, "tokens stored before the failed issuances", existing, pat, refresh)

	toks := p.codePair(c, now)
	must(t, "IssueTokens(ConsumeCode) after the failures", s.IssueTokens(ctx, now, store.Issue{
		Tokens: toks, ConsumeCode: c.Hash,
	}))
	wantPresent(t, s, now, "tokens of the redemption after the failures", toks...)
}
