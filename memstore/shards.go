package memstore

import (
	"hash/maphash"
	"sync"
)

// nShards is the number of shards of each lookup.
const nShards = 64

// shards is a map split in shards, each under a lock of its own that is held for one
// operation at a time (see locking.go).
type shards[K comparable, V any] struct {
	seed maphash.Seed
	hash func(maphash.Seed, K) uint64
	s    [nShards]shard[K, V]
}

type shard[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
	_  [64]byte // keeps the locks of two shards off one cache line
}

func newShards[K comparable, V any](hash func(maphash.Seed, K) uint64) *shards[K, V] {
	s := &shards[K, V]{seed: maphash.MakeSeed(), hash: hash}
	for i := range s.s {
		s.s[i].m = make(map[K]V)
	}
	return s
}

func (s *shards[K, V]) of(k K) *shard[K, V] { return &s.s[s.hash(s.seed, k)%nShards] }

// get returns the value of k.
func (s *shards[K, V]) get(k K) (V, bool) {
	sh := s.of(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	v, ok := sh.m[k]
	return v, ok
}

// each calls f with the map of every shard in turn, each read-locked while f runs.
func (s *shards[K, V]) each(f func(m map[K]V)) {
	for i := range s.s {
		sh := &s.s[i]
		sh.mu.RLock()
		f(sh.m)
		sh.mu.RUnlock()
	}
}

func hashString(seed maphash.Seed, s string) uint64 { return maphash.String(seed, s) }

func hashBytes[H ~[32]byte](seed maphash.Seed, h H) uint64 { return maphash.Bytes(seed, h[:]) }
