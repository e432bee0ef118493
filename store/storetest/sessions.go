package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var sessionTests = []test{
	{"CreateAndGet", "Session returns the session CreateSession stored.", sessionCreateAndGet},
	{"CreateDuplicate", "CreateSession with the hash of an existing session returns ErrConflict " +
		"and leaves the existing session unchanged.", sessionCreateDuplicate},
	{"GetMissing", "Session of an unknown hash returns ErrNotFound.", sessionGetMissing},
	{"GetExpired", "Session returns ErrNotFound when now is at or after ExpiresAt.", sessionGetExpired},
	{"Delete", "DeleteSession ends that session and no other.", sessionDelete},
	{"DeleteMissing", "DeleteSession of an unknown hash returns nil.", sessionDeleteMissing},
	{"DeleteAccountSessions", "DeleteAccountSessions ends every session of the account and none of " +
		"another account; with no sessions it returns nil.", sessionDeleteAccount},
}

func sessionCreateAndGet(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	want, other := p.session(base), p.session(base)
	must(t, "CreateSession", s.CreateSession(ctx, want))
	must(t, "CreateSession(other)", s.CreateSession(ctx, other))
	got, err := s.Session(ctx, want.Hash, base.Add(time.Minute))
	must(t, "Session", err)
	checkEqual(t, "Session", want, got)
}

func sessionCreateDuplicate(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	want := p.session(base)
	must(t, "CreateSession", s.CreateSession(ctx, want))
	dup := p.withAccount(t, s).session(base.Add(time.Minute))
	dup.Hash = want.Hash
	wantErr(t, "CreateSession(duplicate hash)", s.CreateSession(ctx, dup), store.ErrConflict)
	got, err := s.Session(ctx, want.Hash, base.Add(time.Minute))
	must(t, "Session", err)
	checkEqual(t, "Session (unchanged after conflict)", want, got)
}

func sessionGetMissing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	must(t, "CreateSession", s.CreateSession(t.Context(), p.session(base)))
	_, err := s.Session(t.Context(), newHash(), base.Add(time.Minute))
	wantErr(t, "Session(unknown)", err, store.ErrNotFound)
}

func sessionGetExpired(t *testing.T, s store.Parts) {
	ctx := t.Context()
	ss := newParty(t, s).session(base)
	must(t, "CreateSession", s.CreateSession(ctx, ss))
	_, err := s.Session(ctx, ss.Hash, ss.ExpiresAt.Add(-time.Second))
	must(t, "Session(a second before ExpiresAt)", err)
	_, err = s.Session(ctx, ss.Hash, ss.ExpiresAt)
	wantErr(t, "Session(now = ExpiresAt)", err, store.ErrNotFound)
	_, err = s.Session(ctx, ss.Hash, ss.ExpiresAt.Add(time.Hour))
	wantErr(t, "Session(now after ExpiresAt)", err, store.ErrNotFound)
}

// sessionExists reports whether Session finds ss at now.
func sessionExists(t *testing.T, s store.Parts, ss store.Session, now time.Time) bool {
	t.Helper()
	_, err := s.Session(t.Context(), ss.Hash, now)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Session: unexpected error: %v", err)
	}
	return err == nil
}

func sessionDelete(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	ss, other := p.session(base), p.session(base)
	must(t, "CreateSession", s.CreateSession(ctx, ss))
	must(t, "CreateSession(other)", s.CreateSession(ctx, other))
	must(t, "DeleteSession", s.DeleteSession(ctx, ss.Hash))
	now := base.Add(time.Minute)
	if sessionExists(t, s, ss, now) {
		t.Errorf("deleted session is still found")
	}
	if !sessionExists(t, s, other, now) {
		t.Errorf("another session of the account was deleted by DeleteSession")
	}
}

func sessionDeleteMissing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	ss := newParty(t, s).session(base)
	must(t, "CreateSession", s.CreateSession(ctx, ss))
	must(t, "DeleteSession(unknown)", s.DeleteSession(ctx, newHash()))
	must(t, "DeleteSession", s.DeleteSession(ctx, ss.Hash))
	must(t, "DeleteSession(already deleted)", s.DeleteSession(ctx, ss.Hash))
}

func sessionDeleteAccount(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	q := p.withAccount(t, s)
	mine := []store.Session{p.session(base), p.session(base.Add(time.Minute))}
	theirs := q.session(base)
	for _, ss := range append(mine, theirs) {
		must(t, "CreateSession", s.CreateSession(ctx, ss))
	}
	must(t, "DeleteAccountSessions", s.DeleteAccountSessions(ctx, p.account.ID))
	now := base.Add(time.Hour)
	for i, ss := range mine {
		if sessionExists(t, s, ss, now) {
			t.Errorf("session #%d of the account survived DeleteAccountSessions", i)
		}
	}
	if !sessionExists(t, s, theirs, now) {
		t.Errorf("another account's session was ended by DeleteAccountSessions")
	}
	must(t, "DeleteAccountSessions(no sessions)", s.DeleteAccountSessions(ctx, p.account.ID))
}
