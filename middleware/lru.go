package middleware

import (
	"hash/maphash"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// cacheShard is one shard of a [Cache]: its two LRUs (golang-lru's simplelru), the index
// of its valid entries by token ID, its backend calls in flight and its admission filter,
// all under one sync.Mutex. A miss takes no lock that other shards' misses take.
//
// golang-lru's thread-safe lru.Cache guards an LRU with a sync.RWMutex. A Get updates the
// recency, so it takes the write lock: four atomic operations per hit where a Mutex needs
// two, about a tenth of what a cache hit cost. The eviction callback, [cacheShard.evicted],
// runs with the lock held and takes no other lock.
type cacheShard struct {
	mu  sync.Mutex
	pos *simplelru.LRU[credKey, *posEntry]
	neg *simplelru.LRU[credKey, negEntry]
	// byID maps the hash of a token ID (posEntry.idHash) to the first of its entries in
	// pos, linked by idNext: one per credential presented for the token (Bearer and Basic,
	// keys that collided), and those of other IDs with the same hash. An entry with an ID
	// is indexed exactly while pos holds it. Keyed by a hash rather than the ID, an
	// eviction reads no string that has long left the CPU caches.
	byID    map[uint64]*posEntry
	flights map[credKey]flightSlot
	// posCap and negCap are the bounds of pos and neg; seen is the admission filter of a
	// full shard ([cacheShard.secondMiss]).
	posCap, negCap int
	seen           []uint16
	// Keeps the lock of the next shard off this one's cache line.
	_ [64]byte
}

func (sh *cacheShard) init(size, negSize int) {
	sh.posCap, sh.negCap = max(1, size), max(1, negSize)
	// NewLRU fails only on a size below 1.
	sh.pos, _ = simplelru.NewLRU(sh.posCap, sh.evicted)
	sh.neg, _ = simplelru.NewLRU[credKey, negEntry](sh.negCap, nil)
	sh.byID = make(map[uint64]*posEntry)
	sh.flights = make(map[credKey]flightSlot)
	sh.seen = make([]uint16, seenSlots(max(sh.posCap, sh.negCap)))
}

// put stores e under e.key, replacing what was there and evicting the least recently used
// entry if full. The caller holds the lock.
func (sh *cacheShard) put(e *posEntry) {
	// A replaced entry does not go through the eviction callback.
	if old, ok := sh.pos.Peek(e.key); ok {
		sh.unindex(old)
	}
	sh.pos.Add(e.key, e)
	if e.info.ID != "" {
		e.idHash = idHashOf(e.info.ID)
		head := sh.byID[e.idHash]
		e.idNext = head
		if head != nil {
			head.idPrev = e
		}
		sh.byID[e.idHash] = e
	}
}

// removeValue removes e if it is still stored: a concurrent miss may have stored a fresh
// entry under its key since e was read.
func (sh *cacheShard) removeValue(e *posEntry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if cur, ok := sh.pos.Peek(e.key); ok && cur == e {
		sh.pos.Remove(e.key)
	}
}

// removeNeg removes the negative entry n under k if it is still there.
func (sh *cacheShard) removeNeg(k credKey, n negEntry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if cur, ok := sh.neg.Peek(k); ok && cur == n {
		sh.neg.Remove(k)
	}
}

// evicted is the eviction callback of pos, called with the lock held for every entry
// removed (evicted, Remove, Purge).
func (sh *cacheShard) evicted(_ credKey, e *posEntry) { sh.unindex(e) }

// unindex takes e out of byID.
func (sh *cacheShard) unindex(e *posEntry) {
	if e.info.ID == "" {
		return
	}
	switch {
	case e.idPrev != nil:
		e.idPrev.idNext = e.idNext
	case e.idNext != nil:
		sh.byID[e.idHash] = e.idNext
	default:
		delete(sh.byID, e.idHash)
	}
	if e.idNext != nil {
		e.idNext.idPrev = e.idPrev
	}
	e.idPrev, e.idNext = nil, nil
}

// forget removes the entries of the token ids.
func (sh *cacheShard) forget(ids []string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, id := range ids {
		for e := sh.byID[idHashOf(id)]; e != nil; {
			next := e.idNext
			if e.info.ID == id {
				sh.pos.Remove(e.key) // unindexes e
			}
			e = next
		}
	}
}

// purge removes every entry.
func (sh *cacheShard) purge() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.pos.Purge()
	sh.neg.Purge()
}

// idHashOf is the key of token ID id in [cacheShard.byID].
func idHashOf(id string) uint64 { return maphash.String(keySeed, id) }
