package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// RunRevocationPublisher checks the optional store.RevocationPublisher capability: call it
// from a backend's tests when the backend implements it. Each subscriber must learn the IDs
// of exactly the tokens that a revocation or a limit eviction (of Limits or ClientLimits)
// removed.
func RunRevocationPublisher(t *testing.T, newStorage func(t *testing.T) store.Storage) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, s store.Parts, p party) (want []string)
	}{
		{"RevokeToken", func(t *testing.T, s store.Parts, p party) []string {
			access, refresh := p.pair(newID(), base)
			issue(t, s, base, access, refresh, p.token(store.KindPersonal, base))
			must(t, "RevokeToken", s.RevokeToken(t.Context(), refresh.ID))
			return []string{access.ID, refresh.ID}
		}},
		{"RevokeFamily", func(t *testing.T, s store.Parts, p party) []string {
			family := newID()
			access, refresh := p.pair(family, base)
			issue(t, s, base, access, refresh)
			must(t, "RevokeFamily", s.RevokeFamily(t.Context(), family))
			return []string{access.ID, refresh.ID}
		}},
		{"RevokeAccountTokens", func(t *testing.T, s store.Parts, p party) []string {
			pat := p.token(store.KindPersonal, base)
			issue(t, s, base, pat)
			_, err := s.RevokeAccountTokens(t.Context(), p.account.ID)
			must(t, "RevokeAccountTokens", err)
			return []string{pat.ID}
		}},
		{"RevokeAccountTokensFamilies", func(t *testing.T, s store.Parts, p party) []string {
			gone, _ := accountFamilies(t, s, p, p.withAccount(t, s))
			_, err := s.RevokeAccountTokens(t.Context(), p.account.ID)
			must(t, "RevokeAccountTokens", err)
			var ids []string
			for _, tok := range gone {
				ids = append(ids, tok.ID)
			}
			return ids
		}},
		{"RevokeClientTokens", func(t *testing.T, s store.Parts, p party) []string {
			gone, _ := clientFamilies(t, s, p, p.withClient(t, s))
			_, err := s.RevokeClientTokens(t.Context(), p.client.ID, "")
			must(t, "RevokeClientTokens", err)
			var ids []string
			for _, tok := range gone {
				ids = append(ids, tok.ID)
			}
			return ids
		}},
		{"LimitEviction", func(t *testing.T, s store.Parts, p party) []string {
			old := p.token(store.KindAccess, base)
			issue(t, s, base, old)
			next := p.token(store.KindAccess, base.Add(time.Second))
			must(t, "IssueTokens", s.IssueTokens(t.Context(), base.Add(time.Second), store.Issue{
				Tokens: []store.Token{next}, Limits: map[store.TokenKind]int{store.KindAccess: 1},
			}))
			return []string{old.ID}
		}},
		{"ClientLimitEviction", func(t *testing.T, s store.Parts, p party) []string {
			old := p.clientToken(store.KindAccess, base)
			issue(t, s, base, old)
			next := p.clientToken(store.KindAccess, base.Add(time.Second))
			must(t, "IssueTokens", s.IssueTokens(t.Context(), base.Add(time.Second), store.Issue{
				Tokens: []store.Token{next}, ClientLimits: map[store.TokenKind]int{store.KindAccess: 1},
			}))
			return []string{old.ID}
		}},
	}
	for _, c := range cases {
		t.Run("RevocationPublisher/"+c.name, func(t *testing.T) {
			st := newStorage(t)
			pub, ok := st.(store.RevocationPublisher)
			if !ok {
				t.Fatal("the storage does not implement store.RevocationPublisher")
			}
			var mu sync.Mutex
			var got []string
			cancel := pub.SubscribeRevocations(func(ids []string) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, ids...)
			})
			defer cancel()
			s := store.PartsOf(st)
			want := c.run(t, s, newParty(t, s))
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(got)
			slices.Sort(want)
			checkEqual(t, "published token IDs", want, got)
		})
	}
}
