package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// unusedLifetime is the UnusedLifetime of the clients of the unused-client cases.
const unusedLifetime = time.Hour

// putUnusedClient stores a client that expires after unusedLifetime unused, last changed
// at updated (and created at base), and returns it.
func putUnusedClient(t *testing.T, s store.Parts, updated time.Time) store.Client {
	t.Helper()
	c := newRegisteredClient()
	c.UnusedLifetime, c.UpdatedAt = unusedLifetime, updated
	must(t, "PutClient", s.PutClient(t.Context(), c))
	return c
}

// wantClient checks that the client c is stored as want, and wantNoClient that it is gone.
func wantClient(t *testing.T, s store.Parts, what string, want store.Client) {
	t.Helper()
	got, err := s.Client(t.Context(), want.ID)
	must(t, what+": Client", err)
	checkEqual(t, what+": Client", want, got)
}

func wantNoClient(t *testing.T, s store.Parts, what string, c store.Client) {
	t.Helper()
	_, err := s.Client(t.Context(), c.ID)
	wantErr(t, what+": Client", err, store.ErrNotFound)
}

func expiredUnusedClients(t *testing.T, st store.Storage, d store.ExpiredDeleter) {
	s := store.PartsOf(st)
	ctx := t.Context()
	p := newParty(t, s) // p.client does not expire
	// Unused since base: gone at expNow, with its grant; the grant of another client stays.
	idle := putUnusedClient(t, s, base)
	idleGrant := store.Grant{AccountID: p.account.ID, ClientID: idle.ID, Scopes: []string{"chats--all:ro"},
		ClientScopes: idle.Scopes, CreatedAt: base, UpdatedAt: base}
	keptGrant := idleGrant
	keptGrant.ClientID = p.client.ID
	must(t, "PutGrant", s.PutGrant(ctx, idleGrant))
	must(t, "PutGrant", s.PutGrant(ctx, keptGrant))
	// Changed half an hour before expNow: kept until half an hour after.
	changed := putUnusedClient(t, s, expNow.Add(-30*time.Minute))
	// Used (UsedAt) ten minutes before expNow: kept until 50 minutes after.
	used := newRegisteredClient()
	used.UnusedLifetime, used.UsedAt = unusedLifetime, expNow.Add(-10*time.Minute)
	must(t, "PutClient", s.PutClient(ctx, used))
	// Idle since base but holding a token valid until expLater: kept until expLater plus
	// the lifetime.
	holder := putUnusedClient(t, s, base)
	live := p.token(store.KindRefresh, base)
	live.ClientID, live.ExpiresAt = holder.ID, expLater
	// Idle since base with a token that expired half an hour before expNow: kept until half
	// an hour after, its UsedAt moved to the token's expiry when the token is removed.
	expiring := putUnusedClient(t, s, base)
	gone := p.token(store.KindAccess, base)
	gone.ClientID, gone.ExpiresAt = expiring.ID, expNow.Add(-30*time.Minute)
	// Changed half an hour before expNow, with a token that expired ten minutes before: kept
	// until 50 minutes after expNow, although its change alone would keep it only 30.
	recent := putUnusedClient(t, s, expNow.Add(-30*time.Minute))
	recentToken := p.token(store.KindAccess, base)
	recentToken.ClientID, recentToken.ExpiresAt = recent.ID, expNow.Add(-10*time.Minute)
	issue(t, s, base, live, gone, recentToken)
	// A client that never expires, idle since base.
	static := newClient("")
	must(t, "PutClient", s.PutClient(ctx, static))

	// The idle client and its grant, and the expired tokens.
	deleteExpired(t, d, expNow, 4)
	wantNoClient(t, s, "unused for its lifetime", idle)
	_, err := s.Grant(ctx, idleGrant.AccountID, idleGrant.ClientID)
	wantErr(t, "Grant of the removed client", err, store.ErrNotFound)
	g, err := s.Grant(ctx, keptGrant.AccountID, keptGrant.ClientID)
	must(t, "Grant of a client that does not expire", err)
	checkEqual(t, "Grant of a client that does not expire", keptGrant, g)
	wantClient(t, s, "changed within its lifetime", changed)
	wantClient(t, s, "used within its lifetime", used)
	wantClient(t, s, "without an unused lifetime", static)
	wantClient(t, s, "client of the party", p.client)
	if _, err := s.Client(ctx, holder.ID); err != nil {
		t.Errorf("a client holding an unexpired token: Client: %v, want it kept", err)
	}
	expiring.UsedAt = gone.ExpiresAt
	wantClient(t, s, "whose token expired within its lifetime", expiring)
	wantPresent(t, s, base, "the unexpired token of a kept client", live)
	recent.UsedAt = recentToken.ExpiresAt
	wantClient(t, s, "changed, whose token expired within its lifetime", recent)

	// Half an hour later: the changed client and the one whose token expired.
	deleteExpired(t, d, expNow.Add(30*time.Minute), 2)
	wantNoClient(t, s, "changed, then unused for its lifetime", changed)
	wantNoClient(t, s, "unused for its lifetime since its token expired", expiring)
	wantClient(t, s, "used within its lifetime", used)
	wantClient(t, s, "changed, whose token expired within its lifetime", recent)
	if _, err := s.Client(ctx, holder.ID); err != nil {
		t.Errorf("a client holding an unexpired token: Client: %v, want it kept", err)
	}

	// Just before the lifetime passes after the token's expiry, the holder stays (the token
	// and the client used at expNow-10m go); when it has passed, the holder goes.
	deleteExpired(t, d, expLater.Add(unusedLifetime-time.Second), 3)
	wantNoClient(t, s, "used, then unused for its lifetime", used)
	wantNoClient(t, s, "changed and used, then unused for its lifetime", recent)
	if _, err := s.Client(ctx, holder.ID); err != nil {
		t.Errorf("a client whose token expired less than its lifetime ago: Client: %v, want it kept", err)
	}
	deleteExpired(t, d, expLater.Add(unusedLifetime), 1)
	wantNoClient(t, s, "unused for its lifetime since its token expired", holder)
	wantClient(t, s, "without an unused lifetime", static)
}

func expiredUnusedClientCode(t *testing.T, st store.Storage, d store.ExpiredDeleter) {
	s := store.PartsOf(st)
	p := newParty(t, s)
	c := putUnusedClient(t, s, base)
	code := p.code(expNow.Add(-time.Minute))
	code.ClientID = c.ID
	must(t, "CreateCode", s.CreateCode(t.Context(), code))

	deleteExpired(t, d, expNow, 0)
	if _, err := s.Client(t.Context(), c.ID); err != nil {
		t.Fatalf("a client holding an unexpired code: Client: %v, want it kept", err)
	}
	end := code.ExpiresAt.Add(unusedLifetime)
	deleteExpired(t, d, end.Add(-time.Second), 1) // the code
	if _, err := s.Client(t.Context(), c.ID); err != nil {
		t.Fatalf("a client whose code expired less than its lifetime ago: Client: %v, want it kept", err)
	}
	deleteExpired(t, d, end, 1)
	wantNoClient(t, s, "unused for its lifetime since its code expired", c)
}
