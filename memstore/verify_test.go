package memstore

import (
	"errors"
	"fmt"

	"github.com/oauthkit/oauthkit/store"
)

// verify checks that the indexes agree with each other and with the tokens. Nothing may
// change the tokens meanwhile.
func (x *tokens) verify() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	cells := map[*cell]bool{}
	x.byID.each(func(m map[string]*cell) {
		for id, c := range m {
			cells[c] = true
			if c.tok.ID != id || c.state.Load() != live || c.home != x.home(c.tok) {
				fail("byID[%s]: token %s, state %d, home %d", id, c.tok.ID, c.state.Load(), c.home)
			}
			if h, _ := x.byHash.get(c.tok.Hash); h != c {
				fail("byHash of %s is another cell", id)
			}
		}
	})
	n := 0
	x.byHash.each(func(m map[store.Hash]*cell) { n += len(m) })
	if n != len(cells) {
		fail("%d hashes for %d IDs", n, len(cells))
	}

	inQueue := map[*queue]int{}
	for c := range cells {
		st := &x.stripes[c.home]
		g, grouped := groupOf(c.tok)
		switch {
		case grouped && c.tok.RotatedAt.IsZero():
			if q := st.groups[g]; c.q != q || q == nil {
				fail("token %s is not in the queue of %v", c.tok.ID, g)
			} else if q.isLive(c) != q.clock.Before(c.tok.ExpiresAt) {
				fail("token %s: live in its queue %v at %v, expiring %v", c.tok.ID, q.isLive(c), q.clock, c.tok.ExpiresAt)
			}
			inQueue[c.q]++
		case c.q != nil:
			fail("token %s (rotated or of no group) is in a queue", c.tok.ID)
		}
		checkList(fail, "family", st.families, c.tok.FamilyID, c, familyList, c.tok.FamilyID != "")
		checkList(fail, "account", st.accounts, c.tok.AccountID, c, accountList, true)
		checkList(fail, "client", st.clients, c.tok.ClientID, c, clientList, true)
		if r := c.tok.RefreshID; r != "" {
			sh := x.pairs.of(r)
			checkList(fail, "pair", lists(sh.m), r, c, pairList, true)
		}
	}
	for i := range x.stripes {
		st := &x.stripes[i]
		for g, q := range st.groups {
			if q.key != g || q.nLive+q.nExpired != inQueue[q] || q.empty() {
				fail("queue of %v: key %v, %d live and %d expired, %d tokens", g, q.key, q.nLive, q.nExpired, inQueue[q])
			}
		}
		for _, m := range []lists{st.families, st.accounts, st.clients} {
			for k, l := range m {
				for _, c := range l.cells {
					if !cells[c] {
						fail("list %q of stripe %d holds a token that is not stored: %s", k, i, c.tok.ID)
					}
				}
			}
		}
	}
	x.pairs.each(func(m map[string]*cellList) {
		for k, l := range m {
			for _, c := range l.cells {
				if !cells[c] {
					fail("pairs of %q hold a token that is not stored: %s", k, c.tok.ID)
				}
			}
		}
	})
	return errors.Join(errs...)
}

// checkList checks that c is in the list l of m[k], at its place, if want, and in none
// otherwise.
func checkList(fail func(string, ...any), name string, m lists, k string, c *cell, l listKind, want bool) {
	i, cells := c.listAt[l], m.of(k)
	switch {
	case !want && i != -1:
		fail("token %s: in a %s list it should not be in", c.tok.ID, name)
	case want && (i < 0 || i >= len(cells) || cells[i] != c):
		fail("token %s: not at its place in the %s list %q", c.tok.ID, name, k)
	}
}
