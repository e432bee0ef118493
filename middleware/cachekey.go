package middleware

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"
	"time"
)

// credKey is the key of a valid token's entry: a 64-bit hash/maphash of the credential
// under a seed drawn at random when the process starts. It only finds the entry: the entry
// keeps the credential it was stored for, and a hit is served only if the presented
// credential equals it, compared in constant time ([posEntry.matches]). Two credentials
// whose keys collide (p ≈ 2⁻⁶⁴ per pair by chance; on purpose, only by finding collisions
// under a seed that never leaves the process) therefore never share an answer: the second
// misses, asks the backend and replaces the first's entry.
//
// Why not a SHA-256 key, as before: on a hit the digest was the largest single cost (~90 ns
// of the ~550 ns the middleware added to a request); the hash and the comparison cost
// ~12 ns. What the digest protected is kept:
//
//   - No raw token is a map key: no lookup compares secrets with an early-exit equality,
//     and reaching the constant-time comparison at all takes a match of the keyed hash.
//   - Only credentials the backend accepted are kept, one per entry, at most Size of them.
//     Whatever it refused (a flood of garbage, up to MaxTokenLength each) is remembered by
//     its SHA-256 only, in the negative cache, under its key ([negEntry]): a key finds the
//     digest, and only an equal digest is an answer.
//   - A backend call in flight is found by the key too, and shared only with callers
//     whose credential equals the one it is for, compared in constant time
//     ([flightSlot]): sharing it between two credentials would share its answer.
//
// The price: a copy of the process's memory (core dump, heap dump, memory disclosure) now
// shows the raw tokens that were valid when cached, rather than their digests: those of
// the last MaxAge, and those nobody presented since until they are evicted (a personal
// access token used once can stay until Size newer tokens push it out). Such a copy
// already holds the requests in flight with their Authorization headers, those of recent
// requests (Go does not clear freed memory), and the validator's own secrets (the hash
// key and storage credentials of Local, the client secret of Introspection): it already
// compromises the tokens this server sees.
type credKey [8]byte

// credDigest is the SHA-256 of a credential's unambiguous encoding, which the negative
// cache remembers.
type credDigest [sha256.Size]byte

// negEntry is an invalid credential's entry in the negative cache: its digest, which a
// credential with the same key must match to share the answer, and until when it is
// invalid.
type negEntry struct {
	digest credDigest
	until  time.Time
}

// matches reports whether cred is the credential n was stored for: its digest is equal,
// compared in constant time (not that the digest of a refused credential is a secret).
func (n negEntry) matches(cred Credential) bool {
	d := digestOf(cred)
	return subtle.ConstantTimeCompare(d[:], n.digest[:]) == 1
}

// posEntry is a valid token's cache entry, immutable once stored but for scopesOK and the
// links of the index by ID, which its shard's lock guards.
type posEntry struct {
	info     Info
	deadline time.Time
	// elapsed is deadline on the monotonic clock, as time.Since(Cache.monoBase), when Now
	// is the default.
	elapsed  time.Duration
	key      credKey
	token    string // the credential it answers for (see credKey)
	username string
	basic    bool
	// idHash is the hash of info.ID, under which idPrev and idNext link the entry with the
	// others of its shard ([cacheShard.byID]).
	idHash         uint64
	idPrev, idNext *posEntry
	// scopesOK is the first RequireScopes check the token passed, which then need not be
	// evaluated again: info is immutable ([scopeCheck.passes]).
	scopesOK atomic.Pointer[scopeCheck]
}

// matches reports whether cred is the credential e was stored for, in constant time for
// equal lengths.
func (e *posEntry) matches(cred Credential) bool {
	return sameCredential(cred, e.token, e.username, e.basic)
}

// sameCredential reports whether cred is the credential (token, username, basic), in
// constant time for equal lengths.
func sameCredential(cred Credential, token, username string, basic bool) bool {
	return cred.Basic == basic && equalConstantTime(cred.Token, token) &&
		equalConstantTime(cred.Username, username)
}

// equalConstantTime reports whether a == b, taking a time that depends only on the lengths.
// It compares eight bytes at a time (a tenth of a 50-byte token's cost byte by byte).
func equalConstantTime(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v uint64
	for len(a) >= 8 {
		v |= load64(a) ^ load64(b)
		a, b = a[8:], b[8:]
	}
	for i := 0; i < len(a); i++ {
		v |= uint64(a[i] ^ b[i])
	}
	return v == 0
}

// load64 returns the first eight bytes of s as a little-endian integer (one load once
// compiled).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// keySeed seeds credKey. It is drawn at random when the process starts and never leaves
// it, so nobody outside can predict which credentials share a key.
var keySeed = maphash.MakeSeed()

// keyOf returns the key of cred's entry in the positive cache (see credKey). Bearer and
// Basic credentials, and Basic user names, hash apart; a collision would cost a miss.
func keyOf(cred Credential) credKey {
	var h uint64
	if !cred.Basic {
		h = maphash.String(keySeed, cred.Token)
	} else {
		var mh maphash.Hash
		mh.SetSeed(keySeed)
		_, _ = mh.WriteString(cred.Username)
		_ = mh.WriteByte(0) // in no valid user name or token
		_, _ = mh.WriteString(cred.Token)
		h = mh.Sum64()
	}
	var k credKey
	binary.LittleEndian.PutUint64(k[:], h)
	return k
}

// digestOf returns the SHA-256 of cred: a tag, the Basic user name with its length, and
// the token, an unambiguous encoding. The buffer stays on the stack for credentials up to
// its size.
func digestOf(cred Credential) credDigest {
	var buf [256]byte
	b := buf[:0]
	if cred.Basic {
		b = append(b, 'p')
		b = binary.BigEndian.AppendUint32(b, uint32(len(cred.Username)))
		b = append(b, cred.Username...)
	} else {
		b = append(b, 'b')
	}
	b = append(b, cred.Token...)
	return sha256.Sum256(b)
}
