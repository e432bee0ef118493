package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var codeTests = []test{
	{"CreateAndGet", "Code returns the unconsumed code CreateCode stored.", codeCreateAndGet},
	{"CreateDuplicate", "CreateCode with the hash of an existing code returns ErrConflict and " +
		"leaves the existing code unchanged.", codeCreateDuplicate},
	{"GetMissing", "Code of an unknown hash returns ErrNotFound.", codeGetMissing},
	{"GetExpired", "Code returns ErrNotFound when now is at or after ExpiresAt.", codeGetExpired},
	{"ConsumeMarksConsumed", "Redeeming a code (IssueTokens with ConsumeCode) sets its ConsumedAt " +
		"to now; Code still returns the code, consumed, until it expires.", codeConsumeMarks},
	{"Resources", "Code returns the Resources CreateCode stored, in order, and an empty one as " +
		"empty, consumed or not.", codeResources},
	{"NoAliasing", "Mutating the Scopes or Resources of a value passed to CreateCode or returned " +
		"by Code does not change the stored code.", codeNoAliasing},
}

func codeCreateAndGet(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	want := p.code(base)
	plain := p.code(base)
	plain.CodeChallenge, plain.CodeChallengeMethod = "", ""
	must(t, "CreateCode", s.CreateCode(ctx, want))
	must(t, "CreateCode(no PKCE)", s.CreateCode(ctx, plain))
	now := base.Add(time.Minute)
	for _, w := range []store.AuthorizationCode{want, plain} {
		got, err := s.Code(ctx, w.Hash, now)
		must(t, "Code", err)
		checkEqual(t, "Code", w, got)
	}
}

func codeCreateDuplicate(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	want := p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, want))
	dup := p.code(base.Add(time.Minute))
	dup.Hash = want.Hash
	wantErr(t, "CreateCode(duplicate hash)", s.CreateCode(ctx, dup), store.ErrConflict)
	got, err := s.Code(ctx, want.Hash, base.Add(time.Minute))
	must(t, "Code", err)
	checkEqual(t, "Code (unchanged after conflict)", want, got)
}

func codeGetMissing(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	must(t, "CreateCode", s.CreateCode(t.Context(), p.code(base)))
	_, err := s.Code(t.Context(), newHash(), base.Add(time.Minute))
	wantErr(t, "Code(unknown)", err, store.ErrNotFound)
}

func codeGetExpired(t *testing.T, s store.Parts) {
	ctx := t.Context()
	c := newParty(t, s).code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	_, err := s.Code(ctx, c.Hash, c.ExpiresAt.Add(-time.Second))
	must(t, "Code(a second before ExpiresAt)", err)
	_, err = s.Code(ctx, c.Hash, c.ExpiresAt)
	wantErr(t, "Code(now = ExpiresAt)", err, store.ErrNotFound)
	_, err = s.Code(ctx, c.Hash, c.ExpiresAt.Add(time.Hour))
	wantErr(t, "Code(now after ExpiresAt)", err, store.ErrNotFound)
}

func codeConsumeMarks(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	c, other := p.code(base), p.code(base)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	must(t, "CreateCode(other)", s.CreateCode(ctx, other))
	now := base.Add(time.Minute)
	must(t, "IssueTokens(ConsumeCode)", s.IssueTokens(ctx, now, store.Issue{
		Tokens: p.codePair(c, now), ConsumeCode: c.Hash,
	}))

	want := c
	want.ConsumedAt = now
	got, err := s.Code(ctx, c.Hash, now.Add(time.Second))
	must(t, "Code(consumed)", err)
	checkEqual(t, "Code(consumed)", want, got)
	if got.ConsumedAt.IsZero() {
		t.Errorf("Code(consumed): ConsumedAt is zero")
	}
	got, err = s.Code(ctx, other.Hash, now)
	must(t, "Code(other)", err)
	checkEqual(t, "other Code (not consumed)", other, got)
	_, err = s.Code(ctx, c.Hash, c.ExpiresAt.Add(-time.Second))
	must(t, "Code(consumed, a second before ExpiresAt)", err)
	_, err = s.Code(ctx, c.Hash, c.ExpiresAt)
	wantErr(t, "Code(consumed, now = ExpiresAt)", err, store.ErrNotFound)
}

func codeNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	in := newParty(t, s).code(base)
	in.Resources = []string{"https://mcp.example.com/mcp", "https://api.example.com"}
	want := in
	want.Scopes = []string{"chats--all:ro", "agents--my:rw"}
	want.Resources = []string{"https://mcp.example.com/mcp", "https://api.example.com"}
	must(t, "CreateCode", s.CreateCode(ctx, in))
	in.Scopes[0] = "mutated-after-create"
	in.Resources[0] = "https://mutated-after-create.example"

	now := base.Add(time.Minute)
	got, err := s.Code(ctx, in.Hash, now)
	must(t, "Code", err)
	checkEqual(t, "Code after mutating the value created", want, got)
	got.Scopes[1] = "mutated-after-get"
	got.Resources[1] = "https://mutated-after-get.example"

	got, err = s.Code(ctx, in.Hash, now)
	must(t, "Code", err)
	checkEqual(t, "Code after mutating a returned value", want, got)
}

func codeResources(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	one, several, none := p.code(base), p.code(base), p.code(base)
	one.Resources = []string{"https://mcp.example.com/mcp"}
	// Out of order on purpose: the order is the request's, and is kept.
	several.Resources = []string{"https://mcp.example.com/mcp", "https://api.example.com/v1?tenant=7", "http://127.0.0.1:8080"}
	for _, c := range []store.AuthorizationCode{one, several, none} {
		must(t, "CreateCode", s.CreateCode(ctx, c))
	}
	now := base.Add(time.Minute)
	for _, want := range []store.AuthorizationCode{one, several, none} {
		got, err := s.Code(ctx, want.Hash, now)
		must(t, "Code", err)
		checkEqual(t, "Code", want, got)
	}

	must(t, "IssueTokens(ConsumeCode)", s.IssueTokens(ctx, now, store.Issue{
		Tokens: p.codePair(several, now), ConsumeCode: several.Hash,
	}))
	want := several
	want.ConsumedAt = now
	got, err := s.Code(ctx, several.Hash, now.Add(time.Second))
	must(t, "Code(consumed)", err)
	checkEqual(t, "Code(consumed)", want, got)
}
