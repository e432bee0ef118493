package memstore

import (
	"slices"
	"sync/atomic"

	"github.com/oauthkit/oauthkit/store"
)

// A cell holds one stored token and its places in the indexes, so that removing it from
// each takes O(1). Its fields are guarded by the lock of its home stripe, except where
// noted. tok and home are written before the cell is published in the lookup shards and
// never change after, except for tok.RotatedAt (and repeats, which is not in tok).
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
	// repeats counts the issuances that repeated the rotation of a rotated refresh token
	// within its grace (store.Issue.RotatedWithin).
	repeats int
	// listAt are its positions in the lists of its family, of its account and of its
	// client (in its home) and of the tokens paired with its refresh token (in the pair
	// shards, under their lock); -1 when not in one.
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

// The kinds of list a cell can be in.
type listKind int

const (
	familyList  listKind = iota // its stripe's tokens of its FamilyID
	accountList                 // its stripe's tokens of its AccountID
	clientList                  // its stripe's tokens of its ClientID
	pairList                    // the tokens whose RefreshID is its RefreshID
	nLists
)

// newCell returns a pending cell of a copy of t, in home.
func newCell(t store.Token, home int) *cell {
	c := &cell{tok: cloneToken(t), home: home, listAt: [nLists]int{-1, -1, -1, -1}}
	c.state.Store(pending)
	return c
}

func cloneToken(t store.Token) store.Token {
	t.Scopes = slices.Clone(t.Scopes)
	t.Audience = slices.Clone(t.Audience)
	t.SealedRefresh = slices.Clone(t.SealedRefresh)
	return t
}

// candidate returns c as the contract's eviction order sees it.
func (c *cell) candidate() store.EvictionCandidate {
	return store.EvictionCandidate{ID: c.tok.ID, IssuedAt: c.tok.IssuedAt}
}

// A cellList is a set of cells that know their place in it (listAt), so that adding and
// removing one takes O(1).
type cellList struct{ cells []*cell }

// lists holds lists of cells by key; a key without cells has no list.
type lists map[string]*cellList

// of returns the cells of k.
func (m lists) of(k string) []*cell {
	if l := m[k]; l != nil {
		return l.cells
	}
	return nil
}

// add appends c to the list of k, as its list l.
func (m lists) add(k string, c *cell, l listKind) {
	cl := m[k]
	if cl == nil {
		cl = &cellList{}
		m[k] = cl
	}
	c.listAt[l] = len(cl.cells)
	cl.cells = append(cl.cells, c)
}

// remove removes c, whose list l it is, from the list of k, moving the last cell into its
// place, and drops the list when it is empty.
func (m lists) remove(k string, c *cell, l listKind) {
	cl := m[k]
	i := c.listAt[l]
	if cl == nil || i < 0 || i >= len(cl.cells) || cl.cells[i] != c {
		return // not in the list
	}
	last := len(cl.cells) - 1
	cl.cells[i] = cl.cells[last]
	cl.cells[i].listAt[l] = i
	cl.cells[last] = nil
	cl.cells = cl.cells[:last]
	c.listAt[l] = -1
	switch {
	case last == 0:
		delete(m, k)
	case cap(cl.cells) > 64 && last < cap(cl.cells)/4:
		cl.cells = slices.Clone(cl.cells) // give back the memory of a list that shrank
	}
}
