package memstore_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

// The issuance benchmarks issue one access/refresh pair per iteration into a full group (25
// live pairs of one (client, account), the server's default limit), so every issuance evicts
// the group's oldest pair and the store keeps its size: 1k, 100k and 1M live tokens, one
// goroutine after another ("sequential") and from GOMAXPROCS goroutines ("parallel"). Beside
// each, "baseline" does the bare minimum on the same records at the same size: clone the two
// tokens into a map under a mutex and delete the evicted pair. Compare ratios to the baseline
// of the same run, not absolute figures; cpu-ns/op is the CPU time per issuance:
//
//	go test -run '^$' -bench BenchmarkIssuePair -benchmem -count 5 ./memstore

const benchLimit = 25

var benchLimits = map[store.TokenKind]int{store.KindAccess: benchLimit, store.KindRefresh: benchLimit}

// benchBase is when the benchmarks' tokens are issued; they expire long after.
var benchBase = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// A benchGroups is a set of full groups and the source of the pairs issued into them.
type benchGroups struct {
	owners int
	seq    atomic.Uint64 // numbers the pairs, and so their hashes, IDs and instants
}

// pair returns the access and refresh token numbered i, for owner i mod owners.
func (g *benchGroups) pair(i uint64) (access, refresh store.Token) {
	owner := "account-" + strconv.FormatUint(i%uint64(g.owners), 10)
	at := benchBase.Add(time.Duration(i) * time.Microsecond)
	access = benchToken(store.KindAccess, 2*i, owner, at)
	refresh = benchToken(store.KindRefresh, 2*i+1, owner, at)
	access.FamilyID, refresh.FamilyID = refresh.ID, refresh.ID
	access.RefreshID = refresh.ID
	return access, refresh
}

var benchScopes = []string{"chats--all:ro", "agents--my:rw"}

func benchToken(kind store.TokenKind, n uint64, account string, at time.Time) store.Token {
	var h store.Hash
	binary.BigEndian.PutUint64(h[:], n+1)
	return store.Token{
		Hash:           h,
		ID:             "token-" + strconv.FormatUint(n, 10),
		Kind:           kind,
		ClientID:       "client",
		AccountID:      account,
		OrganizationID: "org",
		Scopes:         benchScopes,
		IssuedAt:       at,
		ExpiresAt:      at.Add(1000 * time.Hour),
	}
}

// A benchIssuer is what the benchmarks issue into: the memory store, or the baseline.
type benchIssuer interface {
	// issue issues the pair numbered i, evicting the oldest pair of its group.
	issue(i uint64) error
}

// storeIssuer issues through memstore's IssueTokens with the server's limits.
type storeIssuer struct {
	g *benchGroups
	s *memstore.Store
}

func (s storeIssuer) issue(i uint64) error {
	access, refresh := s.g.pair(i)
	now := access.IssuedAt
	return s.s.IssueTokens(context.Background(), now, store.Issue{Tokens: []store.Token{access, refresh}, Limits: benchLimits})
}

// mapIssuer is the baseline: the tokens cloned into a map under a mutex, and the group's
// oldest pair (known without looking: the pair issued owners × limit pairs before) deleted.
type mapIssuer struct {
	g      *benchGroups
	mu     sync.Mutex
	tokens map[store.Hash]store.Token
}

func (m *mapIssuer) issue(i uint64) error {
	access, refresh := m.g.pair(i)
	old := i - uint64(m.g.owners*benchLimit)
	oldAccess, oldRefresh := m.g.pair(old)
	access.Scopes, refresh.Scopes = append([]string(nil), access.Scopes...), append([]string(nil), refresh.Scopes...)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[access.Hash], m.tokens[refresh.Hash] = access, refresh
	delete(m.tokens, oldAccess.Hash)
	delete(m.tokens, oldRefresh.Hash)
	return nil
}

// fill issues the first owners × limit pairs into s, one group per call, so that every group
// is full.
func (g *benchGroups) fill(b *testing.B, s *memstore.Store) {
	b.Helper()
	// Collecting garbage while the store grows would take most of the setup's time.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	n := uint64(g.owners * benchLimit)
	for o := range uint64(g.owners) {
		var toks []store.Token
		for i := o; i < n; i += uint64(g.owners) {
			access, refresh := g.pair(i)
			toks = append(toks, access, refresh)
		}
		if err := s.IssueTokens(context.Background(), benchBase, store.Issue{Tokens: toks}); err != nil {
			b.Fatal(err)
		}
	}
	g.seq.Store(n)
}

// A benchFixture is a store and a baseline map, each holding live tokens in full groups.
type benchFixture struct {
	storeGroups, mapGroups *benchGroups
	store                  storeIssuer
	baseline               *mapIssuer
}

// fixtures keeps the fixtures of a run by size: -count reruns the benchmarks on the same
// ones instead of filling new ones (whose setup, at 1M tokens, is mostly collecting garbage).
var fixtures = struct {
	sync.Mutex
	m map[int]*benchFixture
}{m: map[int]*benchFixture{}}

func fixtureOf(b *testing.B, live int) *benchFixture {
	fixtures.Lock()
	defer fixtures.Unlock()
	if f := fixtures.m[live]; f != nil {
		return f
	}
	owners := live / (2 * benchLimit)
	f := &benchFixture{storeGroups: &benchGroups{owners: owners}, mapGroups: &benchGroups{owners: owners}}
	f.store = storeIssuer{f.storeGroups, memstore.New()}
	f.storeGroups.fill(b, f.store.s)
	// The baseline's map starts with the same pairs.
	f.baseline = &mapIssuer{g: f.mapGroups, tokens: make(map[store.Hash]store.Token, live)}
	for i := range uint64(owners * benchLimit) {
		access, refresh := f.mapGroups.pair(i)
		f.baseline.tokens[access.Hash], f.baseline.tokens[refresh.Hash] = access, refresh
	}
	f.mapGroups.seq.Store(uint64(owners * benchLimit))
	fixtures.m[live] = f
	return f
}

// reportCPU reports allocations, and the CPU time per iteration (cpu-ns/op) that the
// process spends from now to the call of the function it returns: every goroutine's, the
// garbage collector's included. On a loaded machine, where ns/op is mostly waiting for a
// CPU, it is the steadier measure of sequential work; ns/op is the one that shows waiting
// for locks.
func reportCPU(b *testing.B) (stop func()) {
	b.ReportAllocs()
	start, ok := cpuTime()
	return func() {
		if end, _ := cpuTime(); ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func BenchmarkIssuePair(b *testing.B) {
	for _, live := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			f := fixtureOf(b, live)
			for _, c := range []struct {
				name string
				g    *benchGroups
				is   benchIssuer
			}{{"baseline", f.mapGroups, f.baseline}, {"memstore", f.storeGroups, f.store}} {
				b.Run("sequential/"+c.name, func(b *testing.B) {
					defer reportCPU(b)()
					for b.Loop() {
						if err := c.is.issue(c.g.seq.Add(1) - 1); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("parallel/"+c.name, func(b *testing.B) {
					defer reportCPU(b)()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := c.is.issue(c.g.seq.Add(1) - 1); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}
