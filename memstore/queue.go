package memstore

import (
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// A group is what a limit or a cap counts (see [store.Issue]): the tokens of one kind that
// a client holds for one owner, an account or, for customer tokens, a customer; or, when
// owner is empty, the client's tokens of that kind that act for neither.
type group struct {
	kind     store.TokenKind
	clientID string
	owner    string
}

// groupOf returns t's group, or false when t is in none: a token of an owner that its kind
// does not group by (a customer token of an account only, a token of another kind of a
// customer only).
func groupOf(t store.Token) (group, bool) {
	owner := ownerOf(t)
	if owner == "" && (t.AccountID != "" || t.CustomerID != "") {
		return group{}, false
	}
	return group{t.Kind, t.ClientID, owner}, true
}

// ownerOf returns whom t's kind groups it by: its customer for a customer token, its account
// for every other kind.
func ownerOf(t store.Token) string {
	if t.Kind == store.KindCustomer {
		return t.CustomerID
	}
	return t.AccountID
}

// byClient reports whether g is a client group, which ClientLimits counts and neither
// Limits nor Caps.
func (g group) byClient() bool { return g.owner == "" }

// limit returns the limit of is on g; ≤ 0 is none.
func (g group) limit(is store.Issue) int {
	if g.byClient() {
		return is.ClientLimits[g.kind]
	}
	return is.Limits[g.kind]
}

// cap returns the cap of is on g; ≤ 0 is none.
func (g group) cap(is store.Issue) int {
	if g.byClient() {
		return 0
	}
	return is.Caps[g.kind]
}

// A queue holds the tokens of a group that may count: every one not rotated. Those live at
// the clock (not expired then) are in live, the first to evict on top, and in expiring, the
// first to expire on top; those expired at the clock are in expired, the last to have
// expired on top. Moving the clock moves the tokens whose expiry it passes from one side to
// the other, so that counting the live tokens at an instant costs nothing and finding the
// oldest O(log n) per token found, instead of a pass over the group. The clock moves back
// too: the server's requests do not commit in the order of their instants.
//
// Removal is lazy: a token removed, or moved to the other side (which bumps its cell's
// generation), leaves stale entries behind, which are dropped when they come to the top,
// or all at once when they outnumber the others. So a removal costs O(1) and touches no
// heap.
type queue struct {
	key      group
	clock    time.Time
	live     heap
	expiring heap
	expired  heap
	// nLive and nExpired count the cells on each side.
	nLive, nExpired int
}

func newQueue(g group) *queue {
	return &queue{key: g, live: heap{order: byEviction}, expiring: heap{order: bySoonestExpiry},
		expired: heap{order: byLatestExpiry}}
}

// valid reports whether e stands for its cell in q.
func (q *queue) valid(e entry) bool { return e.c.q == q && e.c.gen == e.gen }

// at moves the clock to now: afterwards the live side holds exactly the tokens live at now.
func (q *queue) at(now time.Time) {
	for q.expiring.len() > 0 && !now.Before(q.expiring.top().at) {
		if e := q.expiring.pop(); q.valid(e) {
			q.nLive--
			q.toExpired(e.c)
		}
	}
	for q.expired.len() > 0 && now.Before(q.expired.top().at) {
		if e := q.expired.pop(); q.valid(e) {
			q.nExpired--
			q.toLive(e.c)
		}
	}
	q.clock = now
	q.compact()
}

// add adds c, not rotated, on its side of the clock.
func (q *queue) add(c *cell) {
	c.q = q
	if q.clock.Before(c.tok.ExpiresAt) {
		q.toLive(c)
	} else {
		q.toExpired(c)
	}
}

// toLive and toExpired put c, new or taken off the other side, on a side.
func (q *queue) toLive(c *cell) {
	c.gen++
	c.lapsed = false
	q.nLive++
	q.live.push(entry{c.tok.IssuedAt, c, c.gen})
	q.expiring.push(entry{c.tok.ExpiresAt, c, c.gen})
}

func (q *queue) toExpired(c *cell) {
	c.gen++
	c.lapsed = true
	q.nExpired++
	q.expired.push(entry{c.tok.ExpiresAt, c, c.gen})
}

// remove removes c, which is in q.
func (q *queue) remove(c *cell) {
	if c.lapsed {
		q.nExpired--
	} else {
		q.nLive--
	}
	c.q = nil
	q.compact()
}

// compact drops the stale entries of each heap once they outnumber the others.
func (q *queue) compact() {
	if q.live.len() > 2*q.nLive+8 {
		q.live.keep(q.valid)
	}
	if q.expiring.len() > 2*q.nLive+8 {
		q.expiring.keep(q.valid)
	}
	if q.expired.len() > 2*q.nExpired+8 {
		q.expired.keep(q.valid)
	}
}

func (q *queue) empty() bool { return q.nLive == 0 && q.nExpired == 0 }

// isLive reports whether c is in q and live at the clock.
func (q *queue) isLive(c *cell) bool { return c.q == q && !c.lapsed }

// oldest returns the first n live tokens to evict, passing over those skip names. It pops
// them and pushes them back, so it costs O((n + skipped) log n), and drops the stale
// entries it meets.
func (q *queue) oldest(n int, skip func(*cell) bool) []*cell {
	var found []*cell
	var popped []entry
	for len(found) < n && q.live.len() > 0 {
		e := q.live.pop()
		if !q.valid(e) {
			continue
		}
		popped = append(popped, e)
		if !skip(e.c) {
			found = append(found, e.c)
		}
	}
	for _, e := range popped {
		q.live.push(e)
	}
	return found
}
