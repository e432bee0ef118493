package memstore

import (
	"context"
	"hash/maphash"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// tokens holds the tokens and the indexes over them; locking.go says who guards what.
type tokens struct {
	seed    maphash.Seed // of homeOf
	stripes [nStripes]stripe
	byHash  *shards[store.Hash, *cell]
	byID    *shards[string, *cell]
	// pairs lists, by refresh token ID, the tokens whose RefreshID names it, whether or not
	// that refresh token is stored.
	pairs *shards[string, *cellList]
}

func newTokens() *tokens {
	x := &tokens{
		seed:   maphash.MakeSeed(),
		byHash: newShards[store.Hash, *cell](hashBytes[store.Hash]),
		byID:   newShards[string, *cell](hashString),
		pairs:  newShards[string, *cellList](hashString),
	}
	for i := range x.stripes {
		st := &x.stripes[i]
		st.groups = make(map[group]*queue)
		st.families = make(lists)
		st.accounts = make(lists)
		st.clients = make(lists)
	}
	return x
}

// home returns the stripe that t lives in.
func (x *tokens) home(t store.Token) int { return x.homeOf(t.ClientID, ownerOf(t)) }

// byIDCell returns the cell with id, or nil. It may be pending, or dead by the time the
// caller looks at it, unless the caller holds its home.
func (x *tokens) byIDCell(id string) *cell {
	c, _ := x.byID.get(id)
	return c
}

// read returns c's token, unless c is nil, not live or expired at now.
func (x *tokens) read(c *cell, now time.Time) (store.Token, error) {
	if c == nil {
		return store.Token{}, notFound("no such token")
	}
	st := &x.stripes[c.home]
	st.mu.RLock()
	defer st.mu.RUnlock()
	if c.state.Load() != live || !now.Before(c.tok.ExpiresAt) {
		return store.Token{}, notFound("no such token")
	}
	return cloneToken(c.tok), nil
}

// link adds c, whose hash and ID are reserved, to the indexes and to q, the queue of its
// group if it has one, whose clock is at now; and makes it live. The caller holds c's home.
func (x *tokens) link(c *cell, now time.Time, q *queue) {
	st := &x.stripes[c.home]
	if q != nil && c.tok.RotatedAt.IsZero() {
		q.at(now)
		q.add(c)
	}
	if c.tok.FamilyID != "" {
		st.families.add(c.tok.FamilyID, c, familyList)
	}
	st.accounts.add(c.tok.AccountID, c, accountList)
	st.clients.add(c.tok.ClientID, c, clientList)
	if r := c.tok.RefreshID; r != "" {
		sh := x.pairs.of(r)
		sh.mu.Lock()
		lists(sh.m).add(r, c, pairList)
		sh.mu.Unlock()
	}
	c.state.Store(live)
}

// unlink removes c from every index, and its hash and ID from the lookups, and makes it
// dead. The caller holds c's home.
func (x *tokens) unlink(c *cell) {
	c.state.Store(dead)
	st := &x.stripes[c.home]
	x.leaveQueue(c)
	if c.tok.FamilyID != "" {
		st.families.remove(c.tok.FamilyID, c, familyList)
	}
	st.accounts.remove(c.tok.AccountID, c, accountList)
	st.clients.remove(c.tok.ClientID, c, clientList)
	if r := c.tok.RefreshID; r != "" {
		sh := x.pairs.of(r)
		sh.mu.Lock()
		lists(sh.m).remove(r, c, pairList)
		sh.mu.Unlock()
	}
	x.unreserve(c)
}

// leaveQueue takes c out of its group's queue, if it is in one, and drops the queue when
// that leaves it empty. The caller holds c's home.
func (x *tokens) leaveQueue(c *cell) {
	if q := c.q; q != nil {
		q.remove(c)
		if q.empty() {
			delete(x.stripes[c.home].groups, q.key)
		}
	}
}

// unreserve deletes c's hash and ID from the lookups, where they name c.
func (x *tokens) unreserve(c *cell) {
	sh := x.byHash.of(c.tok.Hash)
	sh.mu.Lock()
	if sh.m[c.tok.Hash] == c {
		delete(sh.m, c.tok.Hash)
	}
	sh.mu.Unlock()
	id := x.byID.of(c.tok.ID)
	id.mu.Lock()
	if id.m[c.tok.ID] == c {
		delete(id.m, c.tok.ID)
	}
	id.mu.Unlock()
}

// pairedWith returns the cells whose RefreshID is refreshID.
func (x *tokens) pairedWith(refreshID string) []*cell {
	sh := x.pairs.of(refreshID)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return slices.Clone(lists(sh.m).of(refreshID))
}

// pairOf returns c and the tokens that removing c takes with it: for a refresh token,
// the tokens paired with it; for a token paired with a refresh token, that refresh token
// and every token paired with it ([store.Tokens.RevokeToken]). It reads the lookups only,
// so the caller may not hold the cells' homes yet.
func (x *tokens) pairOf(c *cell) []*cell {
	switch {
	case c.tok.Kind == store.KindRefresh:
		return append(x.pairedWith(c.tok.ID), c)
	case c.tok.Kind == store.KindAccess && c.tok.RefreshID != "":
		cells := append(x.pairedWith(c.tok.RefreshID), c)
		if r := x.byIDCell(c.tok.RefreshID); r != nil {
			cells = append(cells, r)
		}
		return cells
	default:
		return []*cell{c}
	}
}

// homes returns the homes of cells.
func homes(cells []*cell) stripeSet {
	var s stripeSet
	for _, c := range cells {
		s = s.with(c.home)
	}
	return s
}

// need returns errWiden unless t holds the home of every cell.
func (t *tx) need(cells ...*cell) error {
	for _, c := range cells {
		if !t.holds(c) {
			return errWiden
		}
	}
	return nil
}

// remove removes c, whose home t holds, as a revocation, unless it is gone already (as
// the pair of another, say), and reports whether it did.
func (t *tx) remove(c *cell) bool {
	if c.state.Load() != live {
		return false
	}
	t.x.unlink(c)
	t.revoked = append(t.revoked, c.tok.ID)
	return true
}

// Token implements [store.Tokens].
func (s *Store) Token(_ context.Context, hash store.Hash, now time.Time) (store.Token, error) {
	c, _ := s.tokens.byHash.get(hash)
	return s.tokens.read(c, now)
}

// RevokeToken implements [store.Tokens]. It locks the homes of the token and its pair.
func (s *Store) RevokeToken(_ context.Context, id string) error {
	x := s.tokens
	var want stripeSet
	if c := x.byIDCell(id); c != nil {
		want = homes(x.pairOf(c))
	}
	return s.changeTokens(want, func(t *tx) error {
		c := x.byIDCell(id)
		if c == nil {
			return notFound("no such token")
		}
		victims := x.pairOf(c)
		if err := t.need(victims...); err != nil {
			return err
		}
		for _, v := range victims {
			t.remove(v)
		}
		return nil
	})
}

// RevokeFamily implements [store.Tokens]. It locks every stripe: a family spans homes (the
// customer tokens minted with a grant live with their customer).
func (s *Store) RevokeFamily(_ context.Context, familyID string) error {
	if familyID == "" {
		return nil
	}
	return s.changeTokens(allStripes, func(t *tx) error {
		for _, c := range s.tokens.family(familyID) {
			t.remove(c)
		}
		return nil
	})
}

// family returns the tokens of familyID. The caller holds every stripe.
func (x *tokens) family(familyID string) []*cell {
	var cells []*cell
	for i := range x.stripes {
		cells = append(cells, x.stripes[i].families.of(familyID)...)
	}
	return cells
}
