package middleware

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// shardLRU is one shard's LRU: golang-lru's simplelru behind a sync.Mutex.
//
// golang-lru's thread-safe lru.Cache guards the same structure with a sync.RWMutex. A Get
// updates the recency, so it takes the write lock: four atomic operations per hit where a
// Mutex needs two, about a tenth of what a cache hit cost. The eviction callback runs with
// the lock held (lru.Cache defers it until after unlocking); the only callback,
// [Cache.evicted], takes idxMu, and no code takes a shard lock while holding idxMu.
type shardLRU[K, V comparable] struct {
	mu  sync.Mutex
	lru *simplelru.LRU[K, V]
}

func newShardLRU[K, V comparable](size int, onEvict func(K, V)) *shardLRU[K, V] {
	l, _ := simplelru.NewLRU[K, V](max(1, size), onEvict) // fails only on size < 1
	return &shardLRU[K, V]{lru: l}
}

// Get returns the value of k and makes it the most recently used.
func (l *shardLRU[K, V]) Get(k K) (V, bool) {
	l.mu.Lock()
	v, ok := l.lru.Get(k)
	l.mu.Unlock()
	return v, ok
}

// Peek returns the value of k without touching its recency.
func (l *shardLRU[K, V]) Peek(k K) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Peek(k)
}

// Add sets the value of k, evicting the least recently used entry if full.
func (l *shardLRU[K, V]) Add(k K, v V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lru.Add(k, v)
}

// Swap is Add that also returns the value it replaced, if any: unlike an eviction, a
// replaced value is not passed to the callback.
func (l *shardLRU[K, V]) Swap(k K, v V) (old V, replaced bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old, replaced = l.lru.Peek(k)
	l.lru.Add(k, v)
	return old, replaced
}

// Remove deletes k.
func (l *shardLRU[K, V]) Remove(k K) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lru.Remove(k)
}

// RemoveValue deletes k if its value is still v.
func (l *shardLRU[K, V]) RemoveValue(k K, v V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.lru.Peek(k); ok && cur == v {
		l.lru.Remove(k)
	}
}

// Purge deletes every entry.
func (l *shardLRU[K, V]) Purge() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lru.Purge()
}
