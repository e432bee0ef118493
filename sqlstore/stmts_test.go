package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/store"
)

// TestSQLiteTransactionsPrepared: every statement that the write transactions of a SQLite
// store run is one it prepared before (a statement missing from the list it prepares would
// be parsed again on every call), for each path through them.
func TestSQLiteTransactionsPrepared(t *testing.T) {
	ctx := context.Background()
	s := sqliteBackend.fresh(t)
	before := sqlstore.Unprepared()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	code := store.AuthorizationCode{Hash: randHash(), ClientID: "c", AccountID: "a", FamilyID: "f",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must("CreateCode", s.CreateCode(ctx, code))
	lim := map[store.TokenKind]int{store.KindAccess: 1, store.KindRefresh: 1, store.KindCustomer: 1}
	a0, r0 := newToken(store.KindAccess, "c", "a", "f", t0), newToken(store.KindRefresh, "c", "a", "f", t0)
	a0.RefreshID = r0.ID
	must("issuing with a code", s.IssueTokens(ctx, t0, store.Issue{Tokens: []store.Token{a0, r0}, Limits: lim, ConsumeCode: code.Hash}))
	if err := s.IssueTokens(ctx, t0, store.Issue{Tokens: []store.Token{newToken(store.KindAccess, "c", "a", "", t0)}, ConsumeCode: code.Hash}); err == nil {
		t.Fatal("a code redeemed twice")
	}
	now := t0.Add(time.Second)
	a1, r1 := newToken(store.KindAccess, "c", "a", "f", now), newToken(store.KindRefresh, "c", "a", "f", now)
	a1.RefreshID = r1.ID
	must("rotating", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, Limits: lim, RotateID: r0.ID}))
	if err := s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{newToken(store.KindAccess, "c", "a", "", now)}, RotateID: r0.ID}); err == nil {
		t.Fatal("a refresh token rotated twice")
	}
	cust := newToken(store.KindCustomer, "c", "", "f", now)
	cust.CustomerID = "cust"
	must("minting", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{cust}, RequireID: a1.ID,
		Limits: lim, Caps: map[store.TokenKind]int{store.KindCustomer: 5}}))
	cc := newToken(store.KindAccess, "c", "", "", now)
	must("issuing for no account", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{cc}, ClientLimits: lim}))
	must("issuing for no account, evicting", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{newToken(store.KindAccess, "c", "", "", now)}, ClientLimits: lim}))
	must("RevokeToken", s.RevokeToken(ctx, a1.ID))
	must("RevokeFamily", s.RevokeFamily(ctx, "f"))
	if _, err := s.RevokeAccountTokens(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if n := sqlstore.Unprepared() - before; n != 0 {
		t.Errorf("%d statements of write transactions ran unprepared", n)
	}
}
