package memstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// The conformance kit proves the contract; these tests aim at what striping adds: tokens
// linked across stripes, operations that start over with every stripe, and stripes that
// do not wait for each other.

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var seq atomic.Uint64

// tok returns a new token of kind for (client, account), issued at at.
func tok(kind store.TokenKind, client, account string, at time.Time) store.Token {
	n := seq.Add(1)
	var h store.Hash
	binary.BigEndian.PutUint64(h[:], n)
	h[31] = 1
	return store.Token{Hash: h, ID: fmt.Sprintf("t%d", n), Kind: kind, ClientID: client, AccountID: account,
		Scopes: []string{"a"}, IssuedAt: at, ExpiresAt: at.Add(time.Hour)}
}

// apart returns accounts of client whose tokens live in n different stripes.
func apart(s *Store, client string, n int) []string {
	var accounts []string
	var homes stripeSet
	for i := 0; len(accounts) < n; i++ {
		a := fmt.Sprintf("account-%d", i)
		if h := s.tokens.homeOf(client, a); !homes.has(h) {
			homes = homes.with(h)
			accounts = append(accounts, a)
		}
	}
	return accounts
}

func present(t *testing.T, s *Store, what string, want bool, toks ...store.Token) {
	t.Helper()
	for _, tk := range toks {
		_, err := s.Token(t.Context(), tk.Hash, t0)
		if got := err == nil; got != want {
			t.Errorf("%s: token %s present = %v, want %v (%v)", what, tk.ID, got, want, err)
		}
	}
}

// An access token paired with a refresh token of another account lives in another stripe;
// revoking either side, or evicting the refresh token, still takes both.
func TestPairAcrossStripes(t *testing.T) {
	for _, c := range []struct {
		name string
		do   func(t *testing.T, s *Store, access, refresh store.Token, accounts []string)
	}{
		{"RevokeRefresh", func(t *testing.T, s *Store, access, refresh store.Token, _ []string) {
			must(t, s.RevokeToken(t.Context(), refresh.ID))
		}},
		{"RevokeAccess", func(t *testing.T, s *Store, access, refresh store.Token, _ []string) {
			must(t, s.RevokeToken(t.Context(), access.ID))
		}},
		{"EvictRefresh", func(t *testing.T, s *Store, access, refresh store.Token, accounts []string) {
			next := tok(store.KindRefresh, "c", accounts[0], t0.Add(time.Second))
			must(t, s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{next},
				Limits: map[store.TokenKind]int{store.KindRefresh: 1}}))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New()
			accounts := apart(s, "c", 2)
			refresh := tok(store.KindRefresh, "c", accounts[0], t0)
			access := tok(store.KindAccess, "c", accounts[1], t0)
			access.RefreshID = refresh.ID
			must(t, s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{access, refresh}}))
			var got []string
			defer s.SubscribeRevocations(func(ids []string) { got = append(got, ids...) })()
			c.do(t, s, access, refresh, accounts)
			present(t, s, "after "+c.name, false, access, refresh)
			slices.Sort(got)
			if want := []string{access.ID, refresh.ID}; !slices.Equal(got, slices.Sorted(slices.Values(want))) {
				t.Errorf("published %v, want %v", got, want)
			}
			if err := s.tokens.verify(); err != nil {
				t.Error(err)
			}
		})
	}
}

// Issuances in different stripes inserting the same hash, or the same ID, at once: exactly
// one wins, the others conflict.
func TestSameKeyAcrossStripesConcurrently(t *testing.T) {
	for _, same := range []string{"hash", "id"} {
		t.Run(same, func(t *testing.T) {
			s := New()
			const n = 16
			accounts := apart(s, "c", n)
			toks := make([]store.Token, n)
			for i := range toks {
				toks[i] = tok(store.KindAccess, "c", accounts[i], t0)
				if same == "hash" {
					toks[i].Hash = toks[0].Hash
				} else {
					toks[i].ID = toks[0].ID
				}
			}
			errs := race(n, func(i int) error {
				return s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{toks[i]}})
			})
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, store.ErrConflict):
					t.Errorf("IssueTokens #%d: %v, want nil or ErrConflict", i, err)
				}
			}
			if wins != 1 {
				t.Errorf("%d issuances of one %s won, want 1", wins, same)
			}
			if err := s.tokens.verify(); err != nil {
				t.Error(err)
			}
		})
	}
}

// Rotations of one refresh token from issuances whose tokens live in other stripes: one
// wins.
func TestRotateAcrossStripesConcurrently(t *testing.T) {
	s := New()
	const n = 16
	accounts := apart(s, "c", n+1)
	old := tok(store.KindRefresh, "c", accounts[n], t0)
	must(t, s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{old}}))
	errs := race(n, func(i int) error {
		next := tok(store.KindRefresh, "c", accounts[i], t0)
		return s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{next}, RotateID: old.ID})
	})
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("IssueTokens #%d: %v, want nil or ErrConflict", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d rotations won, want 1", wins)
	}
}

// Revoking a client's tokens while issuances of the client, in stripes of their own, rotate
// its refresh tokens and redeem its codes: each issuance fails, or commits first and loses
// its tokens, so afterwards the client has no token, and the indexes agree.
func TestRevokeClientRacesIssuances(t *testing.T) {
	ctx := t.Context()
	s := New()
	const n = 16
	accounts := apart(s, "c", n)
	olds := make([]store.Token, n)
	for i, a := range accounts {
		olds[i] = tok(store.KindRefresh, "c", a, t0)
		must(t, s.IssueTokens(ctx, t0, store.Issue{Tokens: []store.Token{olds[i]}}))
		must(t, s.CreateCode(ctx, store.AuthorizationCode{Hash: olds[i].Hash, ClientID: "c", AccountID: a,
			IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	}
	var mu sync.Mutex
	var issued []store.Token
	errs := race(2*n+1, func(i int) error {
		if i == 2*n {
			_, err := s.RevokeClientTokens(ctx, "c", "")
			return err
		}
		// The new pair lives in the next account's stripe, so the issuance holds two.
		k := i % n
		access, refresh := tok(store.KindAccess, "c", accounts[(k+1)%n], t0), tok(store.KindRefresh, "c", accounts[(k+1)%n], t0)
		access.RefreshID = refresh.ID
		is := store.Issue{Tokens: []store.Token{access, refresh}, RotateID: olds[k].ID}
		if i >= n {
			is = store.Issue{Tokens: []store.Token{access, refresh}, ConsumeCode: olds[k].Hash}
		}
		err := s.IssueTokens(ctx, t0, is)
		if err == nil {
			mu.Lock()
			issued = append(issued, access, refresh)
			mu.Unlock()
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("operation #%d: %v, want nil or (for an issuance) ErrNotFound", i, err)
		}
	}
	present(t, s, "the client's tokens after RevokeClientTokens", false, append(issued, olds...)...)
	for _, a := range accounts {
		if got, err := s.AccountTokens(ctx, a, "", t0); err != nil || len(got) != 0 {
			t.Errorf("AccountTokens(%s) = %d tokens (%v), want none", a, len(got), err)
		}
	}
	if err := s.tokens.verify(); err != nil {
		t.Error(err)
	}
}

// An issuance holds only the stripes it needs: one for another (client, account) goes on
// while a stripe is held, and so do lookups of tokens elsewhere. (Were they to wait, the test
// would hang.)
func TestStripesDoNotWaitForEachOther(t *testing.T) {
	s := New()
	accounts := apart(s, "c", 2)
	elsewhere := tok(store.KindAccess, "c", accounts[1], t0)
	must(t, s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{elsewhere}}))

	held := &s.tokens.stripes[s.tokens.homeOf("c", accounts[0])]
	held.mu.Lock()
	defer held.mu.Unlock()
	done := make(chan error)
	go func() {
		next := tok(store.KindAccess, "c", accounts[1], t0)
		err := s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{next},
			Limits: map[store.TokenKind]int{store.KindAccess: 1}})
		if err == nil {
			_, err = s.TokenByID(t.Context(), next.ID, t0)
		}
		done <- err
	}()
	must(t, <-done)
	present(t, s, "the token the limit evicted", false, elsewhere)
}

// A limit counts the tokens live at the issuance's instant, though an issuance at a later
// instant came first.
func TestLimitAtAnEarlierInstant(t *testing.T) {
	s := New()
	limits := map[store.TokenKind]int{store.KindAccess: 2}
	soon := tok(store.KindAccess, "c", "a", t0)
	soon.ExpiresAt = t0.Add(time.Minute)
	must(t, s.IssueTokens(t.Context(), t0, store.Issue{Tokens: []store.Token{soon}}))
	late := tok(store.KindAccess, "c", "a", t0.Add(time.Second))
	// At t0+2m, soon has expired: one live token, nothing to evict.
	must(t, s.IssueTokens(t.Context(), t0.Add(2*time.Minute), store.Issue{Tokens: []store.Token{late}, Limits: limits}))
	present(t, s, "after an issuance at which it had expired", true, soon)
	// At t0+30s, soon is live again: with late and one more, one beyond the limit.
	early := tok(store.KindAccess, "c", "a", t0.Add(2*time.Second))
	must(t, s.IssueTokens(t.Context(), t0.Add(30*time.Second), store.Issue{Tokens: []store.Token{early}, Limits: limits}))
	present(t, s, "the oldest live at the earlier instant", false, soon)
	present(t, s, "the newer tokens", true, late, early)
}

// Every operation at once, on few accounts, at instants that go back and forth: afterwards
// the indexes agree with each other and no limited group holds more than its limit.
func TestEverythingConcurrently(t *testing.T) {
	s := New()
	ctx := t.Context()
	clients, accounts := []string{"c1", "c2"}, []string{"a1", "a2", "a3"}
	limits := map[store.TokenKind]int{store.KindAccess: 3, store.KindRefresh: 2}
	clientLimits := map[store.TokenKind]int{store.KindAccess: 2}
	const workers, steps = 8, 300
	// A client that expires when unused, but not during the test: housekeeping notes its
	// tokens' expiry as issuances add them.
	must(t, s.PutClient(ctx, store.Client{ID: "c2", CreatedAt: t0, UnusedLifetime: 10000 * time.Hour}))

	var mu sync.Mutex
	var issued []store.Token // every token ever issued, for the operations to pick from
	pick := func(rng *rand.Rand) (store.Token, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(issued) == 0 {
			return store.Token{}, false
		}
		return issued[rng.IntN(len(issued))], true
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range steps {
				now := t0.Add(time.Duration(rng.IntN(120)) * time.Minute)
				client, account := clients[rng.IntN(len(clients))], accounts[rng.IntN(len(accounts))]
				var is store.Issue
				switch op := rng.IntN(10); {
				case op < 4: // a pair, perhaps across accounts (and stripes), perhaps rotating or requiring a token
					access, refresh := tok(store.KindAccess, client, account, now), tok(store.KindRefresh, client, account, now)
					if rng.IntN(3) == 0 {
						access.AccountID = accounts[rng.IntN(len(accounts))]
					}
					access.ExpiresAt = now.Add(time.Duration(1+rng.IntN(60)) * time.Minute)
					refresh.ExpiresAt = t0.Add(1000 * time.Hour)
					access.RefreshID, access.FamilyID, refresh.FamilyID = refresh.ID, refresh.ID, refresh.ID
					is = store.Issue{Tokens: []store.Token{access, refresh}, Limits: limits,
						Caps: map[store.TokenKind]int{store.KindRefresh: 4}}
					if old, ok := pick(rng); ok && rng.IntN(2) == 0 {
						is.RotateID = old.ID
					} else if ok {
						is.RequireID = old.ID
					}
				case op < 5: // a client's own token
					c := tok(store.KindAccess, client, "", now)
					c.ExpiresAt = t0.Add(1000 * time.Hour)
					is = store.Issue{Tokens: []store.Token{c}, ClientLimits: clientLimits}
				case op < 6:
					if old, ok := pick(rng); ok {
						checkErr(t, "RevokeToken", s.RevokeToken(ctx, old.ID), store.ErrNotFound)
					}
					continue
				case op < 7:
					if old, ok := pick(rng); ok {
						checkErr(t, "RevokeFamily", s.RevokeFamily(ctx, old.FamilyID))
					}
					continue
				case op < 8:
					var err error
					switch rng.IntN(3) {
					case 0:
						_, err = s.RevokeAccountTokens(ctx, account)
					case 1:
						_, err = s.RevokeClientTokens(ctx, client, account)
					default:
						_, err = s.RevokeClientTokens(ctx, client, "")
					}
					checkErr(t, "revocation", err)
					_, err = s.DeleteExpired(ctx, now.Add(-time.Hour))
					checkErr(t, "DeleteExpired", err)
					continue
				default:
					if old, ok := pick(rng); ok {
						_, err := s.Token(ctx, old.Hash, now)
						checkErr(t, "Token", err, store.ErrNotFound)
						_, err = s.AccountTokens(ctx, old.AccountID, "", now)
						checkErr(t, "AccountTokens", err)
					}
					continue
				}
				err := s.IssueTokens(ctx, now, is)
				checkErr(t, "IssueTokens", err, store.ErrNotFound, store.ErrConflict, store.ErrLimitReached)
				if err == nil {
					mu.Lock()
					issued = append(issued, is.Tokens...)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()

	if err := s.tokens.verify(); err != nil {
		t.Fatal(err)
	}
	// Refresh tokens and the clients' own tokens outlive the test's instants, so each
	// issuance counted every one not rotated: no group of them holds more than its limit.
	count := map[group]int{}
	for _, tk := range issued {
		if got, err := s.Token(ctx, tk.Hash, t0); err == nil && got.Live(t0) && (tk.Kind == store.KindRefresh || tk.AccountID == "") {
			g, _ := groupOf(tk)
			count[g]++
		}
	}
	for g, n := range count {
		if l := g.limit(store.Issue{Limits: limits, ClientLimits: clientLimits}); n > l {
			t.Errorf("%d live tokens in %v, limit %d", n, g, l)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkErr reports err unless it is nil or one of ok.
func checkErr(t *testing.T, what string, err error, ok ...error) {
	t.Helper()
	for _, target := range ok {
		if errors.Is(err, target) {
			return
		}
	}
	if err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// race calls f(0) … f(n-1) from n goroutines released together and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}
