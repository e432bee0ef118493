package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var rotationTests = []test{
	{"RotateMarksRotated", "IssueTokens with RotateID inserts the new tokens and sets the refresh " +
		"token's RotatedAt to now; Token still returns the rotated token until it expires.",
		rotateMarksRotated},
	{"RotateRotated", "IssueTokens rotating an already rotated refresh token returns ErrConflict, " +
		"inserts nothing and keeps the first RotatedAt.", rotateRotated},
	{"RotateMissing", "IssueTokens rotating an unknown or revoked refresh token returns ErrNotFound " +
		"and inserts nothing.", rotateMissing},
	{"RotateExpired", "IssueTokens rotating a refresh token expired at now returns ErrNotFound, " +
		"inserts nothing and leaves the token unrotated.", rotateExpired},
	{"RotateOnceConcurrently", "IssueTokens called by 20 goroutines at once, each rotating the same " +
		"refresh token with its own new pair, succeeds exactly once (the others return ErrConflict) " +
		"and only the winner's pair is inserted.", rotateConcurrently},
}

// rotation returns the access and refresh token issued when refresh is exchanged at now.
func (p party) rotation(refresh store.Token, now time.Time) (access, next store.Token) {
	access, next = p.pair(refresh.FamilyID, now)
	access.FromRefresh = true
	return access, next
}

func rotateMarksRotated(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	access0, refresh0 := p.pair(newID(), base)
	other := p.token(store.KindRefresh, base)
	issue(t, s, base, access0, refresh0, other)

	now := base.Add(time.Hour)
	access1, refresh1 := p.rotation(refresh0, now)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, now, store.Issue{
		Tokens: []store.Token{access1, refresh1}, RotateID: refresh0.ID,
	}))
	later := now.Add(time.Minute)
	checkToken(t, s, "new access token", access1, later)
	checkToken(t, s, "new refresh token", refresh1, later)
	checkToken(t, s, "another refresh token (not rotated)", other, later)

	want := refresh0
	want.RotatedAt = now
	got, err := s.Token(ctx, refresh0.Hash, later)
	must(t, "Token(rotated)", err)
	checkEqual(t, "rotated refresh token", want, got)
	if got.RotatedAt.IsZero() {
		t.Errorf("rotated refresh token: RotatedAt is zero")
	}
	_, err = s.Token(ctx, refresh0.Hash, refresh0.ExpiresAt)
	wantErr(t, "Token(rotated, now = ExpiresAt)", err, store.ErrNotFound)
}

func rotateRotated(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	_, refresh0 := p.pair(newID(), base)
	issue(t, s, base, refresh0)
	first := base.Add(time.Hour)
	a1, r1 := p.rotation(refresh0, first)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, first, store.Issue{
		Tokens: []store.Token{a1, r1}, RotateID: refresh0.ID,
	}))

	again := first.Add(time.Hour)
	a2, r2 := p.rotation(refresh0, again)
	err := s.IssueTokens(ctx, again, store.Issue{Tokens: []store.Token{a2, r2}, RotateID: refresh0.ID})
	wantErr(t, "IssueTokens(rotate again)", err, store.ErrConflict)
	wantAbsent(t, s, again, "after rotating a rotated token", a2, r2)
	want := refresh0
	want.RotatedAt = first
	checkToken(t, s, "rotated refresh token (first RotatedAt kept)", want, again)
}

func rotateMissing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	access0, refresh0 := p.pair(newID(), base)
	issue(t, s, base, access0, refresh0)
	now := base.Add(time.Hour)

	a1, r1 := p.rotation(refresh0, now)
	err := s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: newID()})
	wantErr(t, "IssueTokens(rotate unknown id)", err, store.ErrNotFound)
	wantAbsent(t, s, now, "after rotating an unknown id", a1, r1)

	must(t, "RevokeToken", s.RevokeToken(ctx, refresh0.ID))
	err = s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh0.ID})
	wantErr(t, "IssueTokens(rotate revoked token)", err, store.ErrNotFound)
	wantAbsent(t, s, now, "after rotating a revoked token", a1, r1)
}

func rotateExpired(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	access0, refresh0 := p.pair(newID(), base)
	issue(t, s, base, access0, refresh0)

	for _, now := range []time.Time{refresh0.ExpiresAt, refresh0.ExpiresAt.Add(time.Hour)} {
		a1, r1 := p.rotation(refresh0, now)
		err := s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh0.ID})
		wantErr(t, "IssueTokens(rotate expired, now = "+now.Format(time.DateTime)+")", err, store.ErrNotFound)
		wantAbsent(t, s, now, "after rotating an expired token", a1, r1)
	}
	checkToken(t, s, "expired refresh token seen before expiry (not rotated)", refresh0, base.Add(time.Hour))
}

func rotateConcurrently(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	_, refresh0 := p.pair(newID(), base)
	issue(t, s, base, refresh0)

	const n = 20
	now := base.Add(time.Hour)
	pairs := make([][2]store.Token, n)
	for i := range pairs {
		pairs[i][0], pairs[i][1] = p.rotation(refresh0, now)
	}
	errs := race(n, func(i int) error {
		return s.IssueTokens(ctx, now, store.Issue{Tokens: pairs[i][:], RotateID: refresh0.ID})
	})

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("IssueTokens #%d and #%d both rotated the same refresh token", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("IssueTokens #%d: got error %v, want nil or %v", i, err, store.ErrConflict)
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent rotations succeeded, want exactly 1", n)
	}
	later := now.Add(time.Minute)
	for i, pair := range pairs {
		for _, tok := range pair {
			if got := exists(t, s, tok, later); got != (i == winner) {
				t.Errorf("pair #%d %s token present = %v, want %v (winner #%d)", i, tok.Kind, got, i == winner, winner)
			}
		}
	}
	want := refresh0
	want.RotatedAt = now
	checkToken(t, s, "rotated refresh token", want, later)
}
