package memstore

import (
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// An entry is a cell in a heap, with the instant the heap sorts it by, kept beside it so
// that sorting reads the heap's own memory and not the cell's. It stands for the cell only
// while the cell is in the queue and in the generation it was pushed in (see queue): older
// entries are stale, and dropped when they come to the top or the heap is compacted.
type entry struct {
	at  time.Time
	c   *cell
	gen uint32
}

// An order is what a heap sorts its entries by.
type order uint8

const (
	byEviction      order = iota // IssuedAt, then ID (store.CompareEviction): the first to evict on top
	bySoonestExpiry              // ExpiresAt, the soonest on top
	byLatestExpiry               // ExpiresAt, the latest on top
)

// A heap of entries.
type heap struct {
	entries []entry
	order   order
}

func (h *heap) less(i, j int) bool {
	a, b := &h.entries[i], &h.entries[j]
	switch h.order {
	case byEviction:
		if c := a.at.Compare(b.at); c != 0 {
			return c < 0
		}
		return store.CompareEviction(a.c.candidate(), b.c.candidate()) < 0
	case bySoonestExpiry:
		return a.at.Before(b.at)
	default:
		return b.at.Before(a.at)
	}
}

func (h *heap) len() int { return len(h.entries) }

// top returns the entry on top; h must not be empty.
func (h *heap) top() entry { return h.entries[0] }

func (h *heap) push(e entry) {
	h.entries = append(h.entries, e)
	h.up(len(h.entries) - 1)
}

// pop removes and returns the entry on top; h must not be empty.
func (h *heap) pop() entry {
	e, last := h.entries[0], len(h.entries)-1
	h.entries[0] = h.entries[last]
	h.entries[last] = entry{}
	h.entries = h.entries[:last]
	h.down(0)
	return e
}

// keep keeps only the entries that valid accepts, in O(n).
func (h *heap) keep(valid func(entry) bool) {
	h.entries = slices.DeleteFunc(h.entries, func(e entry) bool { return !valid(e) })
	if cap(h.entries) > 64 && len(h.entries) < cap(h.entries)/4 {
		h.entries = slices.Clone(h.entries) // give back the memory of a group that shrank
	}
	for i := len(h.entries)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *heap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.entries[i], h.entries[parent] = h.entries[parent], h.entries[i]
		i = parent
	}
}

func (h *heap) down(i int) {
	for {
		child := 2*i + 1
		if child >= len(h.entries) {
			return
		}
		if right := child + 1; right < len(h.entries) && h.less(right, child) {
			child = right
		}
		if !h.less(child, i) {
			return
		}
		h.entries[i], h.entries[child] = h.entries[child], h.entries[i]
		i = child
	}
}
