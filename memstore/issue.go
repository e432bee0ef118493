package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// IssueTokens implements [store.Tokens]. It locks the homes of the tokens it inserts and of
// the tokens that is.RotateID and is.RequireID name. It checks every condition (the code,
// the rotation, the required token, the hashes and IDs, the caps) and picks every token to
// evict before it changes anything visible, so a failed issuance writes nothing. Eviction
// (see [store.Issue.Limits]) applies to the groups of the inserted tokens, refresh groups
// first, and picks only among the tokens stored before: it happens before the insert.
func (s *Store) IssueTokens(_ context.Context, now time.Time, is store.Issue) error {
	x := s.tokens
	var want stripeSet
	for _, t := range is.Tokens {
		want = want.with(x.home(t))
	}
	for _, id := range []string{is.RotateID, is.RequireID} {
		if id == "" {
			continue
		}
		if c := x.byIDCell(id); c != nil {
			want = want.with(c.home)
		}
	}
	return s.changeTokens(want, func(t *tx) error { return t.issue(now, is, s.codes) })
}

// issue does IssueTokens with the stripes of t.
func (t *tx) issue(now time.Time, is store.Issue, codes *codes) error {
	if !is.ConsumeCode.IsZero() {
		if err := codes.check(is.ConsumeCode, now); err != nil {
			return err
		}
	}
	rotated, repeat, err := t.rotation(now, is)
	if err != nil {
		return err
	}
	if err := t.required(now, is.RequireID); err != nil {
		return err
	}
	if err := distinct(is.Tokens); err != nil {
		return err
	}
	// Reserving the hashes and IDs checks that they are new; the reservations are
	// invisible to lookups, and taken back when a later step fails.
	cells := make([]*cell, len(is.Tokens))
	for i, tok := range is.Tokens {
		cells[i] = newCell(tok, t.x.home(tok))
	}
	if err := t.reserve(cells); err != nil {
		return err
	}
	groups, of := t.groups(now, cells)
	victims, err := t.enforce(now, is, codes, groups, rotated)
	if err != nil {
		t.rollback(cells)
		return err
	}

	// Nothing fails from here on.
	switch {
	case repeat:
		rotated.repeats++
	case rotated != nil:
		rotated.tok.RotatedAt = now
		t.x.leaveQueue(rotated)
	}
	for _, v := range victims {
		t.remove(v)
	}
	for i, c := range cells {
		var q *queue
		if of[i] >= 0 {
			q = t.x.attached(c.home, &groups[of[i]])
		}
		t.x.link(c, now, q)
	}
	return nil
}

// enforce checks the caps of is, picks the tokens its limits evict and, last, consumes its
// code, the one step that another issuance may have made fail since it was checked.
func (t *tx) enforce(now time.Time, is store.Issue, codes *codes, groups []target, rotated *cell) ([]*cell, error) {
	if err := checkCaps(is, groups, rotated); err != nil {
		return nil, err
	}
	victims, err := t.victims(is, groups, rotated)
	if err != nil {
		return nil, err
	}
	if !is.ConsumeCode.IsZero() {
		if err := codes.consume(is.ConsumeCode, now); err != nil {
			return nil, err
		}
	}
	return victims, nil
}

// rotation returns the refresh token that is.RotateID names, which must be live at now,
// or nil for no id. repeat reports a token already rotated that the grace of is lets the
// issuance repeat (see [store.Issue.RotatedWithin]): it stays rotated and counts a repeat.
func (t *tx) rotation(now time.Time, is store.Issue) (c *cell, repeat bool, err error) {
	if is.RotateID == "" {
		return nil, false, nil
	}
	c = t.x.byIDCell(is.RotateID)
	if c == nil {
		return nil, false, notFound("no live refresh token to rotate")
	}
	if err := t.need(c); err != nil {
		return nil, false, err
	}
	if c.tok.Kind != store.KindRefresh || !now.Before(c.tok.ExpiresAt) {
		return nil, false, notFound("no live refresh token to rotate")
	}
	if c.tok.RotatedAt.IsZero() {
		return c, false, nil
	}
	if is.RotatedWithin > 0 && now.Before(c.tok.RotatedAt.Add(is.RotatedWithin)) && c.repeats < is.MaxRepeats {
		return c, true, nil
	}
	return nil, false, conflict("refresh token already rotated")
}

// required checks that the token id names, if any, is live at now.
func (t *tx) required(now time.Time, id string) error {
	if id == "" {
		return nil
	}
	c := t.x.byIDCell(id)
	if c == nil {
		return notFound("the required token is not live")
	}
	if err := t.need(c); err != nil {
		return err
	}
	if !c.tok.Live(now) {
		return notFound("the required token is not live")
	}
	return nil
}

// distinct returns a conflict when two of toks share a hash or an ID.
func distinct(toks []store.Token) error {
	if len(toks) <= 8 { // a few: compare each pair
		for i, tok := range toks {
			for _, prev := range toks[:i] {
				if err := repeated(prev.Hash == tok.Hash, prev.ID == tok.ID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	hashes := make(map[store.Hash]bool, len(toks))
	ids := make(map[string]bool, len(toks))
	for _, tok := range toks {
		if err := repeated(hashes[tok.Hash], ids[tok.ID]); err != nil {
			return err
		}
		hashes[tok.Hash], ids[tok.ID] = true, true
	}
	return nil
}

func repeated(hash, id bool) error {
	switch {
	case hash:
		return conflict("token hash repeated in issue")
	case id:
		return conflict("token id repeated in issue")
	}
	return nil
}

// taken returns the error of finding o in a lookup for a token to insert: none when there
// is no o or o is dead (a removal that has yet to delete it from the lookup), a conflict
// when o is live, errWiden when o is pending, as its issuance may yet roll back.
func taken(o *cell, what string) error {
	switch {
	case o == nil || o.state.Load() == dead:
		return nil
	case o.state.Load() == pending:
		return errWiden
	default:
		return conflict(what)
	}
}

// A target is a group that an issuance inserts into: its queue (nil while it has no
// tokens) and how many tokens it inserts there.
type target struct {
	key   group
	q     *queue
	added int
}

// groups returns the groups of cells, in their order, with their queues' clocks at now,
// and for each cell the index of its group, or -1 for none.
func (t *tx) groups(now time.Time, cells []*cell) (groups []target, of []int) {
	of = make([]int, len(cells))
	for i, c := range cells {
		g, ok := groupOf(c.tok)
		if !ok {
			of[i] = -1
			continue
		}
		j := slices.IndexFunc(groups, func(tg target) bool { return tg.key == g })
		if j < 0 {
			q := t.x.stripes[c.home].groups[g]
			if q != nil {
				q.at(now)
			}
			groups = append(groups, target{key: g, q: q})
			j = len(groups) - 1
		}
		groups[j].added++
		of[i] = j
	}
	return groups, of
}

// attached returns the queue of tg's group in home, which tg.q is unless it had no tokens
// or the issuance emptied it (and so dropped it), creating it if there is none.
func (x *tokens) attached(home int, tg *target) *queue {
	if tg.q == nil || tg.q.empty() {
		st := &x.stripes[home]
		tg.q = st.groups[tg.key]
		if tg.q == nil {
			tg.q = newQueue(tg.key)
			st.groups[tg.key] = tg.q
		}
	}
	return tg.q
}

// liveIn returns how many tokens of tg's group are live at the clock, leaving out rotated
// (which the issuance rotates) and the tokens of gone.
func (tg target) liveIn(rotated *cell, gone []*cell) int {
	if tg.q == nil {
		return 0
	}
	n := tg.q.nLive
	if rotated != nil && tg.q.isLive(rotated) {
		n--
	}
	for _, c := range gone {
		if tg.q.isLive(c) {
			n--
		}
	}
	return n
}

// checkCaps refuses is when a capped group would hold more live tokens than its cap after
// the insert. The refresh token is.RotateID names is not live after it, so it does not count.
func checkCaps(is store.Issue, groups []target, rotated *cell) error {
	for _, tg := range groups {
		if c := tg.key.cap(is); c > 0 {
			if n := tg.liveIn(rotated, nil); n+tg.added > c {
				return fmt.Errorf("memstore: %d live %s tokens: %w", n, tg.key.kind, store.ErrLimitReached)
			}
		}
	}
	return nil
}

// victims returns the tokens that the limits of is evict: in each limited group, refresh
// groups first, the oldest live tokens beyond the limit once the tokens of is are in, with
// the tokens paired with an evicted refresh token. It returns errWiden when one of them
// lives in a stripe that t does not hold.
func (t *tx) victims(is store.Issue, groups []target, rotated *cell) ([]*cell, error) {
	limited := slices.DeleteFunc(slices.Clone(groups), func(tg target) bool { return tg.q == nil || tg.key.limit(is) <= 0 })
	slices.SortStableFunc(limited, func(a, b target) int { return store.CompareEvictionKind(a.key.kind, b.key.kind) })
	var victims []*cell
	for _, tg := range limited {
		stored := tg.liveIn(rotated, victims)
		n := min(stored+tg.added-tg.key.limit(is), stored)
		if n <= 0 {
			continue
		}
		for _, c := range tg.q.oldest(n, func(c *cell) bool { return c == rotated || slices.Contains(victims, c) }) {
			victims = append(victims, c)
			if c.tok.Kind != store.KindRefresh {
				continue
			}
			for _, p := range t.x.pairedWith(c.tok.ID) {
				if err := t.need(p); err != nil {
					return nil, err
				}
				if !slices.Contains(victims, p) {
					victims = append(victims, p)
				}
			}
		}
	}
	return victims, nil
}

// reserve puts cells, pending, in the lookups by hash and ID. When one of them is taken, it
// takes its own back and fails: with a conflict, or errWiden when the one taken is pending
// (see taken).
func (t *tx) reserve(cells []*cell) error {
	for i, c := range cells {
		if err := t.x.reserveOne(c); err != nil {
			t.rollback(cells[:i])
			return err
		}
	}
	return nil
}

// reserveOne puts c in the lookups, unless its hash or ID is taken.
func (x *tokens) reserveOne(c *cell) error {
	h := x.byHash.of(c.tok.Hash)
	h.mu.Lock()
	err := taken(h.m[c.tok.Hash], "token hash exists")
	if err == nil {
		h.m[c.tok.Hash] = c
	}
	h.mu.Unlock()
	if err != nil {
		return err
	}

	id := x.byID.of(c.tok.ID)
	id.mu.Lock()
	err = taken(id.m[c.tok.ID], "token id exists")
	if err == nil {
		id.m[c.tok.ID] = c
	}
	id.mu.Unlock()
	if err != nil {
		x.unreserve(c)
	}
	return err
}

// rollback takes back the reservations of cells, which were never live.
func (t *tx) rollback(cells []*cell) {
	for _, c := range cells {
		c.state.Store(dead)
		t.x.unreserve(c)
	}
}
