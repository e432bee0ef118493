package middleware

import (
	"encoding/binary"
	"math/bits"
)

// Admission to a full shard.
//
// An LRU stores every answer it misses and evicts the least recently used to make room.
// When the tokens in use outnumber the entries, that is all it does: each miss pays for an
// insert and an eviction (allocations, the index by ID, memory the CPU caches have long
// dropped, at least as much as a lookup in an in-memory store costs) and evicts an entry
// that would have been hit, so that cyclic use of more tokens than entries never hits at
// all. A full shard therefore admits a credential only on its second miss within a short
// window, about as many misses of the shard as it has entries: a token in steady use gets
// in on its second request, while tokens that come back more rarely than the cache can
// hold pass through at the cost of the backend alone, and leave the entries in place to
// keep being hit.
//
// The window is an array of 16-bit fingerprints indexed by bits of the credential's key (a
// direct-mapped table, like a CPU cache; 2 bytes per entry, small enough to stay in the
// CPU's caches): a miss writes its fingerprint, evicting whatever was in its slot; a
// second miss that finds it there is admitted. A credential that finds another's
// fingerprint waits for its next miss; one that finds an equal fingerprint by chance (one
// in 2¹⁵) is admitted at once. Either only moves the moment a token is stored, never what
// is served. While a shard has room (a token whose entry expired has just made some), an
// answer is stored at once.

// seenSlots is the size of the window for a shard of n entries: a power of two, n at least.
func seenSlots(n int) int { return 1 << bits.Len(uint(n-1)) }

// admitPos reports whether a valid answer for key k may be stored. The caller holds the
// lock.
func (sh *cacheShard) admitPos(k credKey) bool {
	return sh.pos.Len() < sh.posCap || sh.secondMiss(k)
}

// admitNeg reports whether a refusal of the credential of key k may be remembered. The
// caller holds the lock.
func (sh *cacheShard) admitNeg(k credKey) bool {
	return sh.neg.Len() < sh.negCap || sh.secondMiss(k)
}

// secondMiss records a miss of key k in the window and reports whether it is the second.
func (sh *cacheShard) secondMiss(k credKey) bool {
	// The low bits of the key's first byte choose the shard; the slot and the fingerprint
	// come from the others. A fingerprint is never 0, the empty slot.
	h := binary.LittleEndian.Uint64(k[:])
	i := (h >> 8) & uint64(len(sh.seen)-1)
	fp := uint16(h>>48) | 1
	if sh.seen[i] == fp {
		sh.seen[i] = 0
		return true
	}
	sh.seen[i] = fp
	return false
}
