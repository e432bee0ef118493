package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// graceWindow and graceRepeats are the grace of the rotations these cases repeat.
const (
	graceWindow  = 30 * time.Second
	graceRepeats = 3
)

var graceTests = []test{
	{"GraceRepeatWithinWindow", "IssueTokens with RotatedWithin rotating a refresh token rotated less " +
		"than RotatedWithin ago succeeds, inserts the new tokens, keeps the first RotatedAt and leaves the " +
		"earlier rotation's tokens live; after MaxRepeats repeats it returns ErrConflict.", graceWithinWindow},
	{"GraceRepeatAfterWindow", "IssueTokens with RotatedWithin rotating a refresh token rotated " +
		"RotatedWithin ago or earlier returns ErrConflict and inserts nothing.", graceAfterWindow},
	{"GraceOffByDefault", "IssueTokens with MaxRepeats but no RotatedWithin, or RotatedWithin but no " +
		"MaxRepeats, rotating a rotated refresh token returns ErrConflict.", graceOff},
	{"GraceRepeatsConcurrently", "IssueTokens called by 20 goroutines at once within the window, each " +
		"repeating the same rotated refresh token, succeeds exactly MaxRepeats times (the others return " +
		"ErrConflict), inserts only the winners' pairs and leaves the family intact.", graceConcurrently},
}

// rotated issues a refresh token at base and rotates it at first; it returns the rotated
// token as stored and the first rotation's pair.
func rotated(t *testing.T, s store.Parts, p party, first time.Time) (refresh0, a1, r1 store.Token) {
	t.Helper()
	_, refresh0 = p.pair(newID(), base)
	issue(t, s, base, refresh0)
	a1, r1 = p.rotation(refresh0, first)
	must(t, "IssueTokens(rotate)", s.IssueTokens(t.Context(), first, store.Issue{
		Tokens: []store.Token{a1, r1}, RotateID: refresh0.ID,
	}))
	refresh0.RotatedAt = first
	return refresh0, a1, r1
}

// graceIssue repeats the rotation of refresh0 at now with the grace of these cases.
func graceIssue(t *testing.T, s store.Parts, p party, refresh0 store.Token, now time.Time) (store.Token, store.Token, error) {
	a, r := p.rotation(refresh0, now)
	err := s.IssueTokens(t.Context(), now, store.Issue{
		Tokens: []store.Token{a, r}, RotateID: refresh0.ID,
		RotatedWithin: graceWindow, MaxRepeats: graceRepeats,
	})
	return a, r, err
}

func graceWithinWindow(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	first := base.Add(time.Hour)
	refresh0, a1, r1 := rotated(t, s, p, first)

	var issued []store.Token
	for i := range graceRepeats {
		now := first.Add(time.Duration(i+1) * time.Second)
		a, r, err := graceIssue(t, s, p, refresh0, now)
		must(t, "IssueTokens(repeat within window)", err)
		issued = append(issued, a, r)
	}
	last := first.Add(graceWindow - time.Nanosecond)
	a, r, err := graceIssue(t, s, p, refresh0, last)
	wantErr(t, "IssueTokens(repeat beyond MaxRepeats)", err, store.ErrConflict)
	wantAbsent(t, s, last, "after a repeat beyond MaxRepeats", a, r)

	wantPresent(t, s, last, "the first rotation's pair", a1, r1)
	wantPresent(t, s, last, "the repeats' pairs", issued...)
	checkToken(t, s, "rotated refresh token (first RotatedAt kept)", refresh0, last)
}

func graceAfterWindow(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	first := base.Add(time.Hour)
	refresh0, a1, r1 := rotated(t, s, p, first)

	for _, now := range []time.Time{first.Add(graceWindow), first.Add(time.Hour)} {
		a, r, err := graceIssue(t, s, p, refresh0, now)
		wantErr(t, "IssueTokens(repeat after the window, "+now.Sub(first).String()+")", err, store.ErrConflict)
		wantAbsent(t, s, now, "after a repeat after the window", a, r)
	}
	wantPresent(t, s, first.Add(time.Hour), "the first rotation's pair", a1, r1)
	checkToken(t, s, "rotated refresh token", refresh0, first.Add(time.Hour))
}

func graceOff(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	first := base.Add(time.Hour)
	refresh0, _, _ := rotated(t, s, p, first)

	now := first.Add(time.Second)
	for _, g := range []store.Issue{{MaxRepeats: graceRepeats}, {RotatedWithin: graceWindow}} {
		a, r := p.rotation(refresh0, now)
		g.Tokens, g.RotateID = []store.Token{a, r}, refresh0.ID
		err := s.IssueTokens(t.Context(), now, g)
		wantErr(t, "IssueTokens(repeat without a grace)", err, store.ErrConflict)
		wantAbsent(t, s, now, "after a repeat without a grace", a, r)
	}
}

func graceConcurrently(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	first := base.Add(time.Hour)
	refresh0, a1, r1 := rotated(t, s, p, first)

	const n = 20
	now := first.Add(time.Second)
	pairs := make([][2]store.Token, n)
	for i := range pairs {
		pairs[i][0], pairs[i][1] = p.rotation(refresh0, now)
	}
	errs := race(n, func(i int) error {
		return s.IssueTokens(ctx, now, store.Issue{
			Tokens: pairs[i][:], RotateID: refresh0.ID, RotatedWithin: graceWindow, MaxRepeats: graceRepeats,
		})
	})
	won := make([]bool, n)
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won[i] = true
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("IssueTokens #%d: got error %v, want nil or %v", i, err, store.ErrConflict)
		}
	}
	if wins != graceRepeats {
		t.Errorf("%d of %d concurrent repeats succeeded, want exactly MaxRepeats = %d", wins, n, graceRepeats)
	}
	later := now.Add(time.Minute)
	for i, pair := range pairs {
		for _, tok := range pair {
			if got := exists(t, s, tok, later); got != won[i] {
				t.Errorf("pair #%d %s token present = %v, want %v", i, tok.Kind, got, won[i])
			}
		}
	}
	wantPresent(t, s, later, "the first rotation's pair", a1, r1)
	checkToken(t, s, "rotated refresh token", refresh0, later)
}
