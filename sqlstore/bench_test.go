package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// Benchmarks of the two hot paths, as the token endpoint and a resource server use them:
//
//	go test -run '^$' -bench . -benchtime 2s ./sqlstore
//
// (with OAUTHKIT_TEST_POSTGRES_DSN set for the PostgreSQL figures). The README's
// performance section records the figures.

var benchBackends = []backend{sqliteBackend, postgresBackend}

// limits are the server's defaults (R-TOKEN-7): every issuance counts and evicts.
var limits = map[store.TokenKind]int{store.KindAccess: 25, store.KindRefresh: 25}

// issuePair issues an access token and its refresh token for account, as the
// authorization_code grant does.
func issuePair(s store.Storage, account string, at time.Time) (store.Token, error) {
	access, refresh := newToken(store.KindAccess, "c", account, randID(), at), newToken(store.KindRefresh, "c", account, "", at)
	refresh.FamilyID = access.FamilyID
	access.RefreshID = refresh.ID
	return access, s.IssueTokens(context.Background(), at, store.Issue{Tokens: []store.Token{access, refresh}, Limits: limits})
}

// BenchmarkIssueToken: one authorization_code issuance (a token pair, limits enforced),
// one after another for one (client, account), so every issuance evicts the oldest pair.
func BenchmarkIssueToken(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s := be.fresh(b)
			i := 0
			for b.Loop() {
				i++
				if _, err := issuePair(s, "a", t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssueTokenParallel: issuances from GOMAXPROCS goroutines, each for its own
// account, as concurrent requests are.
func BenchmarkIssueTokenParallel(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s := be.fresh(b)
			var g atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				account := fmt.Sprint("a", g.Add(1))
				i := 0
				for pb.Next() {
					i++
					if _, err := issuePair(s, account, t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkValidateToken: looking an access token up by its hash among 1000 live ones, as
// a resource server validating a request does.
func BenchmarkValidateToken(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s, toks := validationFixture(b, be)
			i := 0
			for b.Loop() {
				i++
				if _, err := s.Token(context.Background(), toks[i%len(toks)].Hash, t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateTokenParallel: the same lookups from GOMAXPROCS goroutines.
func BenchmarkValidateTokenParallel(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s, toks := validationFixture(b, be)
			var g atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(g.Add(1)) * 7919
				for pb.Next() {
					i++
					if _, err := s.Token(context.Background(), toks[i%len(toks)].Hash, t0); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func validationFixture(b *testing.B, be backend) (store.Storage, []store.Token) {
	s := be.fresh(b)
	var toks []store.Token
	for i := range 100 {
		var batch []store.Token
		for j := range 10 {
			batch = append(batch, newToken(store.KindAccess, "c", fmt.Sprint("a", i), "", t0.Add(time.Duration(j)*time.Second)))
		}
		if err := s.IssueTokens(context.Background(), t0, store.Issue{Tokens: batch}); err != nil {
			b.Fatal(err)
		}
		toks = append(toks, batch...)
	}
	return s, toks
}
