package memstore

// How the tokens are locked
//
// Every token request issues tokens and every API call looks one up, so tokens are locked
// in parts: issuances for different (client, account) pairs run in parallel, and every step
// that the contract makes atomic still is.
//
// Stripes. A token lives in one of nStripes stripes, its home, chosen by its client and its
// owner (its account, or a customer token's customer; see ownerOf): the tokens that a limit
// or a cap counts together share a home, and so do an access token and its refresh token
// as the server issues them. A stripe's RWMutex guards what lives in it: its tokens'
// records and states, the queues of its groups (what limits evict from and caps count), and
// its lists of tokens by family, by account and by client.
//
// Lock order. An operation that changes tokens locks the stripes it needs, in ascending
// order, before it changes anything, and unlocks them all at the end: an issuance the homes
// of the tokens it inserts and of the tokens it names (RotateID, RequireID); a revocation
// the homes of the tokens it removes, as a look at the lookups finds them before locking.
// Since every one takes its stripes in the same order, none waits for another in a cycle.
// When, with its stripes locked, an operation finds that it needs one it does not hold (a
// token paired with one in another home, a token that another operation removed or
// inserted in the meantime), it returns errWiden before changing anything, and update runs
// it again with every stripe locked. Operations that span the store (revoking a family, an
// account's or a client's tokens, listing an account's tokens) lock every stripe from the
// start.
//
// Shards. The lookups by hash and by ID, the lists of the tokens paired with each refresh
// token, and the codes are kept in nShards shards each, each with a lock of its own that is
// held for one map operation, or one pass over the shard, at a time and never while taking
// another lock: a shard may be locked while stripes are held, never a stripe while a shard
// is.
//
// Codes. An issuance that redeems a code checks it and, last before it commits, consumes it
// in its shard, holding its homes all along (an issuance that inserts no token holds no
// stripe, but then has no token to lose). Revoking a client's tokens deletes its codes with
// every stripe locked, so the two exclude each other: the issuance commits first, and its
// tokens are among those revoked, or checks the code afterwards, and finds none. The same
// goes for an issuance that rotates or requires one of the revoked tokens.
//
// Rotations. An issuance that rotates a refresh token holds its home, so checking that it
// is not rotated and marking it rotated are one step. A repeat within the grace of a
// rotation (store.Issue.RotatedWithin) checks and counts the token's repeats in its cell
// under the same lock, so racing repeats cannot grant more than MaxRepeats; a repeat that
// fails later (a cap, a taken hash) counts nothing, as it changes nothing.
//
// Pending tokens. An issuance reserves the hashes and IDs of its tokens in the lookup shards
// before it commits (so that two issuances cannot insert the same one), with the tokens in
// the pending state; it then commits them (live) or rolls them back (dead), still holding
// their homes. A lookup that finds a cell locks its home to read it, so it waits for the
// issuance and never sees a pending token. An operation that meets a pending token of
// another (one with the hash or ID it inserts, one paired with a token it removes) returns
// errWiden, as that token's home is not one it holds: with every stripe locked, it waits
// for the other to finish.
//
// Housekeeping (DeleteExpired) removes expired codes one shard and expired tokens one
// stripe at a time, noting the expiry of the codes and tokens of each client that expires
// when unused as it goes, and only then, under Store.mu, removes the clients gone unused
// and moves the UsedAt of the others. Its calls run one at a time (Store.sweep), so that
// none decides about a client without the expiry of the tokens another has just removed.
// Revocation subscribers are called after every lock is released. The store's other
// records are under Store.mu, which is never held with a stripe or a shard.

import (
	"errors"
	"hash/maphash"
	"math/bits"
	"sync"
)

// nStripes is the number of stripes of tokens; a stripeSet has a bit for each.
const nStripes = 64

// A stripe is the part of the tokens that its lock guards (see above).
type stripe struct {
	mu sync.RWMutex
	// groups are the queues of the groups whose tokens live here.
	groups map[group]*queue
	// families, accounts and clients list this stripe's tokens by FamilyID (when not
	// empty), by AccountID and by ClientID.
	families lists
	accounts lists
	clients  lists
	_        [64]byte // keeps the locks of two stripes off one cache line
}

// A stripeSet is a set of stripes, one bit each.
type stripeSet uint64

const allStripes = ^stripeSet(0)

func (s stripeSet) has(i int) bool { return s&(1<<i) != 0 }

func (s stripeSet) with(i int) stripeSet { return s | 1<<i }

// each calls f with each stripe of s, in ascending order.
func (s stripeSet) each(f func(i int)) {
	for s != 0 {
		f(bits.TrailingZeros64(uint64(s)))
		s &= s - 1
	}
}

// errWiden is returned, before any change, by an operation that needs a stripe it does not
// hold: update runs it again with every stripe locked.
var errWiden = errors.New("memstore: an operation needs more stripes")

// A tx is one run of an operation under update, with the stripes it holds.
type tx struct {
	x    *tokens
	held stripeSet
	// revoked collects the IDs of the tokens revoked or evicted, for subscribers.
	revoked []string
}

// holds reports whether t holds the home of c.
func (t *tx) holds(c *cell) bool { return t.held.has(c.home) }

// update runs f with the stripes of want write-locked, in ascending order, and again with
// every stripe locked if f returns errWiden. It returns f's error and the IDs of the tokens
// f revoked.
func (x *tokens) update(want stripeSet, f func(t *tx) error) (revoked []string, err error) {
	for {
		t := &tx{x: x, held: want}
		for s := want; s != 0; s &= s - 1 {
			x.stripes[bits.TrailingZeros64(uint64(s))].mu.Lock()
		}
		err := f(t)
		for s := want; s != 0; s &= s - 1 {
			x.stripes[bits.TrailingZeros64(uint64(s))].mu.Unlock()
		}
		if !errors.Is(err, errWiden) {
			return t.revoked, err
		}
		if want == allStripes {
			panic("memstore: an operation holding every stripe asked for more")
		}
		want = allStripes
	}
}

// view runs f with every stripe read-locked: a snapshot of every token.
func (x *tokens) view(f func()) {
	allStripes.each(func(i int) { x.stripes[i].mu.RLock() })
	defer allStripes.each(func(i int) { x.stripes[i].mu.RUnlock() })
	f()
}

// homeOf returns the stripe of the tokens of clientID for owner.
func (x *tokens) homeOf(clientID, owner string) int {
	var h maphash.Hash
	h.SetSeed(x.seed)
	h.WriteString(clientID)
	h.WriteByte(0)
	h.WriteString(owner)
	return int(h.Sum64() % nStripes)
}
