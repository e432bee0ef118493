package sqlstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/store"
)

// The atomic operations of the contract, raced by two server instances: two Stores, each
// with its own *sql.DB pool, on one database. Nothing in Go is shared between them, so
// only the database can keep the operations atomic.

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func randID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func randHash() store.Hash {
	var h store.Hash
	rand.Read(h[:])
	return h
}

func newToken(kind store.TokenKind, client, account, family string, at time.Time) store.Token {
	return store.Token{Hash: randHash(), ID: randID(), Kind: kind, ClientID: client, AccountID: account,
		FamilyID: family, Scopes: []string{"chats--all:ro"}, IssuedAt: at, ExpiresAt: at.Add(time.Hour)}
}

// twoInstances opens two stores on one new database of b.
func twoInstances(t *testing.T, b backend) (a, c *sqlstore.Store) {
	dsn := b.dsn(t)
	return open(t, dsn), open(t, dsn)
}

// raceBoth runs f(i, store) for i in 0..n-1 from n goroutines released together,
// alternating between the two stores, and returns the errors.
func raceBoth(n int, stores [2]*sqlstore.Store, f func(i int, s *sqlstore.Store) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i, stores[i%2])
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// onlyOneWins reports unless exactly one error is nil and every other is ErrConflict.
func onlyOneWins(t *testing.T, what string, errs []error) {
	t.Helper()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("%s #%d: %v, want nil or ErrConflict", what, i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%s: %d of %d racing calls won, want 1", what, wins, len(errs))
	}
}

func instanceRaces(t *testing.T, b backend) {
	ctx := context.Background()
	t.Run("RotateRefreshToken", func(t *testing.T) {
		a, c := twoInstances(t, b)
		family := randID()
		r0 := newToken(store.KindRefresh, "c", "a", family, t0)
		if err := a.IssueTokens(ctx, t0, store.Issue{Tokens: []store.Token{r0}}); err != nil {
			t.Fatal(err)
		}
		now := t0.Add(time.Minute)
		pairs := make([][]store.Token, 20)
		for i := range pairs {
			pairs[i] = []store.Token{newToken(store.KindAccess, "c", "a", family, now), newToken(store.KindRefresh, "c", "a", family, now)}
		}
		errs := raceBoth(len(pairs), [2]*sqlstore.Store{a, c}, func(i int, s *sqlstore.Store) error {
			return s.IssueTokens(ctx, now, store.Issue{Tokens: pairs[i], RotateID: r0.ID,
				Limits: map[store.TokenKind]int{store.KindAccess: 5, store.KindRefresh: 5}})
		})
		onlyOneWins(t, "IssueTokens(rotate)", errs)
		live, err := c.AccountTokens(ctx, "a", "", now)
		if err != nil || len(live) != 2 {
			t.Errorf("live tokens after the race: %d (%v), want the winner's pair", len(live), err)
		}
	})

	t.Run("LimitEviction", func(t *testing.T) {
		a, c := twoInstances(t, b)
		const n, limit = 40, 5
		limits := map[store.TokenKind]int{store.KindAccess: limit, store.KindRefresh: limit}
		errs := raceBoth(n, [2]*sqlstore.Store{a, c}, func(i int, s *sqlstore.Store) error {
			at := t0.Add(time.Duration(i) * time.Second)
			access, refresh := newToken(store.KindAccess, "c", "a", "", at), newToken(store.KindRefresh, "c", "a", "", at)
			access.RefreshID = refresh.ID
			return s.IssueTokens(ctx, t0.Add(time.Minute), store.Issue{Tokens: []store.Token{access, refresh}, Limits: limits})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("IssueTokens #%d: %v", i, err)
			}
		}
		for _, kind := range []store.TokenKind{store.KindAccess, store.KindRefresh} {
			live, err := a.AccountTokens(ctx, "a", kind, t0.Add(time.Minute))
			if err != nil || len(live) != limit {
				t.Errorf("%d live %s tokens after %d racing issues with a limit of %d (%v)", len(live), kind, n, limit, err)
			}
		}
	})

	// Issue.ConsumeCode: a code redeemed at both instances at once yields one set of tokens.
	t.Run("RedeemCode", func(t *testing.T) {
		a, c := twoInstances(t, b)
		code := store.AuthorizationCode{Hash: randHash(), ClientID: "c", AccountID: "a", FamilyID: randID(),
			RedirectURI: "https://app.example/cb", IssuedAt: t0, ExpiresAt: t0.Add(time.Minute)}
		if err := a.CreateCode(ctx, code); err != nil {
			t.Fatal(err)
		}
		now := t0.Add(time.Second)
		sets := make([][]store.Token, 50)
		for i := range sets {
			access, refresh := newToken(store.KindAccess, "c", "a", code.FamilyID, now), newToken(store.KindRefresh, "c", "a", code.FamilyID, now)
			access.RefreshID = refresh.ID
			sets[i] = []store.Token{access, refresh}
		}
		errs := raceBoth(len(sets), [2]*sqlstore.Store{a, c}, func(i int, s *sqlstore.Store) error {
			return s.IssueTokens(ctx, now, store.Issue{Tokens: sets[i], ConsumeCode: code.Hash,
				Limits: map[store.TokenKind]int{store.KindAccess: 100, store.KindRefresh: 100}})
		})
		onlyOneWins(t, "IssueTokens(ConsumeCode)", errs)
		for i, set := range sets {
			for _, tok := range set {
				_, err := c.TokenByID(ctx, tok.ID, now)
				if stored := err == nil; stored != (errs[i] == nil) {
					t.Errorf("IssueTokens #%d returned %v, and its %s token is stored: %v", i, errs[i], tok.Kind, stored)
				}
			}
		}
	})

	// Issue.Caps holds exactly across instances.
	t.Run("Caps", func(t *testing.T) {
		a, c := twoInstances(t, b)
		const n, capped = 50, 10
		errs := raceBoth(n, [2]*sqlstore.Store{a, c}, func(i int, s *sqlstore.Store) error {
			pat := newToken(store.KindPersonal, "", "a", "", t0.Add(time.Duration(i)*time.Second))
			pat.FamilyID = pat.ID
			return s.IssueTokens(ctx, t0.Add(time.Minute), store.Issue{Tokens: []store.Token{pat},
				Caps: map[store.TokenKind]int{store.KindPersonal: capped}})
		})
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrLimitReached):
				t.Errorf("IssueTokens #%d: %v, want nil or ErrLimitReached", i, err)
			}
		}
		live, err := c.AccountTokens(ctx, "a", store.KindPersonal, t0.Add(time.Minute))
		if wins != capped || err != nil || len(live) != capped {
			t.Errorf("%d of %d racing issues under a cap of %d succeeded, %d live (%v); want %d", wins, n, capped, len(live), err, capped)
		}
	})

	// An issuance that waited for the group's lock at one instance, while the other committed
	// newer tokens, keeps its own token: storetest's LimitKeepsOwnTokensConcurrently, with
	// two pools.
	t.Run("LimitKeepsOwnTokens", func(t *testing.T) {
		a, c := twoInstances(t, b)
		const n, limit = 20, 5
		at := t0.Add(time.Hour)
		var stored []store.Token
		for i := range limit {
			stored = append(stored, newToken(store.KindAccess, "c", "a", "", at.Add(time.Duration(i)*time.Second)))
		}
		if err := a.IssueTokens(ctx, at, store.Issue{Tokens: stored}); err != nil {
			t.Fatal(err)
		}
		fresh := make([]store.Token, n)
		for i := range fresh {
			fresh[i] = newToken(store.KindAccess, "c", "a", "", at.Add(-time.Duration(i+1)*time.Second))
		}
		now := at.Add(time.Minute)
		errs := raceBoth(n, [2]*sqlstore.Store{a, c}, func(i int, s *sqlstore.Store) error {
			return s.IssueTokens(ctx, now, store.Issue{Tokens: fresh[i : i+1], Limits: map[store.TokenKind]int{store.KindAccess: limit}})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("IssueTokens #%d: %v", i, err)
			}
		}
		// The first to commit evicts stored[0], each later one the previous one's token:
		// oldest first, one of the racers' tokens, then the newer stored tokens.
		live, err := a.AccountTokens(ctx, "a", store.KindAccess, now)
		var ids []string
		for _, tok := range live {
			ids = append(ids, tok.ID)
		}
		want := []string{"one of the racers' tokens"}
		for _, tok := range stored[1:] {
			want = append(want, tok.ID)
		}
		if len(ids) > 0 && slices.ContainsFunc(fresh, func(f store.Token) bool { return f.ID == ids[0] }) {
			want[0] = ids[0]
		}
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("live tokens after the race: %v (%v), want %v", ids, err, want)
		}
	})

	// A family revoked at one instance while the other keeps rotating its refresh token:
	// once both are done, no token of the family is left, whatever the interleaving.
	t.Run("RevokeFamilyDuringRotation", func(t *testing.T) {
		a, c := twoInstances(t, b)
		for round := range 10 {
			family := randID()
			r := newToken(store.KindRefresh, "c", "a", family, t0)
			if err := a.IssueTokens(ctx, t0, store.Issue{Tokens: []store.Token{r}}); err != nil {
				t.Fatal(err)
			}
			var issued []store.Token
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range 30 {
					now := t0.Add(time.Duration(i+1) * time.Second)
					access, next := newToken(store.KindAccess, "c", "a", family, now), newToken(store.KindRefresh, "c", "a", family, now)
					access.RefreshID = next.ID
					err := a.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{access, next}, RotateID: r.ID})
					if errors.Is(err, store.ErrNotFound) {
						return // the family is gone
					}
					if err != nil {
						t.Errorf("round %d: rotation %d: %v", round, i, err)
						return
					}
					issued = append(issued, access, next)
					r = next
				}
			})
			wg.Go(func() {
				time.Sleep(time.Duration(round) * time.Millisecond)
				if err := c.RevokeFamily(ctx, family); err != nil {
					t.Errorf("round %d: RevokeFamily: %v", round, err)
				}
			})
			wg.Wait()
			for _, tok := range issued {
				if _, err := c.TokenByID(ctx, tok.ID, t0); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("round %d: %s token %s of the revoked family survived (%v)", round, tok.Kind, tok.ID, err)
				}
			}
		}
	})
}

func TestSQLiteInstances(t *testing.T) { instanceRaces(t, sqliteBackend) }

func TestPostgresInstances(t *testing.T) {
	postgresBase(t)
	instanceRaces(t, postgresBackend)
}
