package memstore

import (
	"slices"
	"sync/atomic"

	"github.com/oauthkit/oauthkit/store"
)

// A cell holds one stored token and its places in the indexes, so that removing it from
// each takes O(1). Its fields are guarded by the lock of its home stripe, except where
// noted. tok and home are written before the cell is published in the lookup shards and
// never change after, except for tok.RotatedAt.
type cell struct {
	tok  store.Token
	home int // the stripe the cell lives in; never changes
	// state is pending, live or dead. It changes under the home's lock, and is read
	// atomically by operations that do not hold it (see locking.go).
	state atomic.Int32
	// q is the queue of the cell's group, or nil: a token of no group, rotated or removed.
	q *queue
	// gen counts the cell's moves in q, from one side of its clock to the other; lapsed
	// says that it is on the expired side.
	gen    uint32
	lapsed bool
	// listAt are its positions in the lists of its family, of its account (in its home)
	// and of the tokens paired with its refresh token (in the pair shards, under their
	// lock); -1 when not in one.
	listAt [nLists]int
}

// The states of a cell.
const (
	// pending: its issuance has reserved its hash and ID but not committed; only the
	// issuance, which holds its home, can change it, to live or dead.
	pending int32 = iota
	live          // stored: Token finds it (if it has not expired)
	dead          // removed, or its issuance rolled back; never live again
)

// The lists a cell can be in.
type list int

const (
	familyList  list = iota // its stripe's tokens of its FamilyID
	accountList             // its stripe's tokens of its AccountID
	pairList                // the tokens whose RefreshID is its RefreshID
	nLists
)

// newCell returns a pending cell of a copy of t, in home.
func newCell(t store.Token, home int) *cell {
	c := &cell{tok: cloneToken(t), home: home, listAt: [nLists]int{-1, -1, -1}}
	c.state.Store(pending)
	return c
}

func cloneToken(t store.Token) store.Token {
	t.Scopes = slices.Clone(t.Scopes)
	t.SealedRefresh = slices.Clone(t.SealedRefresh)
	return t
}

// candidate returns c as the contract's eviction order sees it.
func (c *cell) candidate() store.EvictionCandidate {
	return store.EvictionCandidate{ID: c.tok.ID, IssuedAt: c.tok.IssuedAt}
}

// addTo appends c to the list l of m[k].
func addTo[K comparable](m map[K][]*cell, k K, c *cell, l list) {
	c.listAt[l] = len(m[k])
	m[k] = append(m[k], c)
}

// removeFrom removes c from the list l of m[k], moving the last cell into its place, and
// deletes m[k] when it is empty.
func removeFrom[K comparable](m map[K][]*cell, k K, c *cell, l list) {
	cells := m[k]
	i, last := c.listAt[l], len(cells)-1
	if i < 0 || i > last || cells[i] != c {
		return // not in the list
	}
	cells[i] = cells[last]
	cells[i].listAt[l] = i
	cells[last] = nil
	c.listAt[l] = -1
	switch {
	case last == 0:
		delete(m, k)
	case cap(cells) > 64 && last < cap(cells)/4:
		m[k] = append([]*cell(nil), cells[:last]...) // give back the memory of a list that shrank
	default:
		m[k] = cells[:last]
	}
}
