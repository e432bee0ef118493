package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// ids is a set of token ids.
type ids = map[string]struct{}

// group is what a limit or a cap counts: tokens of one kind for one (client, account), or
// for one (client, customer).
type group struct {
	kind      store.TokenKind
	clientID  string
	accountID string
}

// groupOf returns t's group: customer tokens count per (client, customer), every other
// kind per (client, account).
func groupOf(t store.Token) group {
	if t.Kind == store.KindCustomer {
		return group{t.Kind, t.ClientID, "customer:" + t.CustomerID}
	}
	return group{t.Kind, t.ClientID, t.AccountID}
}

// tokenIndex holds the tokens and the indexes over them. Its methods assume the caller
// holds the store's lock (the write lock for those that change it).
type tokenIndex struct {
	byID     map[string]store.Token
	byHash   map[store.Hash]string
	byGroup  map[group]ids
	byFamily map[string]ids
	// byRefresh maps a refresh token id to the tokens whose RefreshID names it (whether or
	// not that refresh token is still stored).
	byRefresh map[string]ids
	// byAccount maps an account id to its tokens.
	byAccount map[string]ids
	// removed collects the ids that remove deleted since the last takeRemoved, for
	// revocation subscribers.
	removed []string
}

// takeRemoved returns and clears the ids removed since the last call.
func (x *tokenIndex) takeRemoved() []string {
	r := x.removed
	x.removed = nil
	return r
}

func newTokenIndex() tokenIndex {
	return tokenIndex{
		byID:      make(map[string]store.Token),
		byHash:    make(map[store.Hash]string),
		byGroup:   make(map[group]ids),
		byFamily:  make(map[string]ids),
		byRefresh: make(map[string]ids),
		byAccount: make(map[string]ids),
	}
}

func addTo[K comparable](m map[K]ids, k K, id string) {
	s := m[k]
	if s == nil {
		s = make(ids)
		m[k] = s
	}
	s[id] = struct{}{}
}

func removeFrom[K comparable](m map[K]ids, k K, id string) {
	if s := m[k]; s != nil {
		delete(s, id)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

func cloneToken(t store.Token) store.Token {
	t.Scopes = slices.Clone(t.Scopes)
	t.Audience = slices.Clone(t.Audience)
	t.SealedRefresh = slices.Clone(t.SealedRefresh)
	return t
}

// insert adds t, whose hash and id must be new.
func (x *tokenIndex) insert(t store.Token) {
	t = cloneToken(t)
	x.byID[t.ID] = t
	x.byHash[t.Hash] = t.ID
	addTo(x.byGroup, groupOf(t), t.ID)
	addTo(x.byFamily, t.FamilyID, t.ID)
	if t.RefreshID != "" {
		addTo(x.byRefresh, t.RefreshID, t.ID)
	}
	addTo(x.byAccount, t.AccountID, t.ID)
}

// remove deletes the token with id, if any, and only it.
func (x *tokenIndex) remove(id string) {
	t, ok := x.byID[id]
	if !ok {
		return
	}
	delete(x.byID, id)
	delete(x.byHash, t.Hash)
	x.removed = append(x.removed, id)
	removeFrom(x.byGroup, groupOf(t), id)
	removeFrom(x.byFamily, t.FamilyID, id)
	if t.RefreshID != "" {
		removeFrom(x.byRefresh, t.RefreshID, id)
	}
	removeFrom(x.byAccount, t.AccountID, id)
}

// removeAll deletes the tokens with the given ids. It takes a copy, so that set may be one
// of the indexes.
func (x *tokenIndex) removeAll(set ids) {
	for _, id := range slices.Collect(maps.Keys(set)) {
		x.remove(id)
	}
}

// removePair deletes the refresh token with refreshID and every token paired with it.
func (x *tokenIndex) removePair(refreshID string) {
	x.removeAll(x.byRefresh[refreshID])
	x.remove(refreshID)
}

// revoke deletes t and its pair, as [store.Tokens.RevokeToken] says.
func (x *tokenIndex) revoke(t store.Token) {
	switch {
	case t.Kind == store.KindRefresh:
		x.removePair(t.ID)
	case t.Kind == store.KindAccess && t.RefreshID != "":
		x.removePair(t.RefreshID)
		x.remove(t.ID)
	default:
		x.remove(t.ID)
	}
}

// Token implements [store.Tokens].
func (s *Store) Token(_ context.Context, hash store.Hash, now time.Time) (store.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens.byID[s.tokens.byHash[hash]]
	if !ok || !now.Before(t.ExpiresAt) {
		return store.Token{}, notFound("no such token")
	}
	return cloneToken(t), nil
}

// IssueTokens implements [store.Tokens]. It checks every condition (the code, the rotation,
// the required token, the hashes and IDs, the caps) before it changes anything, so a failed
// issuance writes nothing. Eviction (see [store.Issue.Limits]) applies to the groups of the
// inserted tokens, refresh groups first, and picks only among the tokens stored before.
func (s *Store) IssueTokens(_ context.Context, now time.Time, is store.Issue) error {
	return s.changeTokens(func(x *tokenIndex) error {
		var code store.AuthorizationCode
		if !is.ConsumeCode.IsZero() {
			var ok bool
			code, ok = s.codes[is.ConsumeCode]
			if !ok || !now.Before(code.ExpiresAt) {
				return notFound("no such code")
			}
			if !code.ConsumedAt.IsZero() {
				return conflict("code already consumed")
			}
		}
		if err := x.issue(now, is); err != nil {
			return err
		}
		if !is.ConsumeCode.IsZero() {
			code.ConsumedAt = now
			s.codes[is.ConsumeCode] = code
		}
		return nil
	})
}

// issue does IssueTokens under the store's write lock, except for the code.
func (x *tokenIndex) issue(now time.Time, is store.Issue) error {
	if is.RotateID != "" {
		r, ok := x.byID[is.RotateID]
		if !ok || r.Kind != store.KindRefresh || !now.Before(r.ExpiresAt) {
			return notFound("no live refresh token to rotate")
		}
		if !r.RotatedAt.IsZero() {
			return conflict("refresh token already rotated")
		}
	}
	if is.RequireID != "" {
		if r, ok := x.byID[is.RequireID]; !ok || !r.Live(now) {
			return notFound("the required token is not live")
		}
	}
	hashes := make(map[store.Hash]struct{}, len(is.Tokens))
	fresh := make(ids, len(is.Tokens))
	for _, t := range is.Tokens {
		if _, ok := x.byHash[t.Hash]; ok {
			return conflict("token hash exists")
		}
		if _, ok := hashes[t.Hash]; ok {
			return conflict("token hash repeated in issue")
		}
		if _, ok := x.byID[t.ID]; ok {
			return conflict("token id exists")
		}
		if _, ok := fresh[t.ID]; ok {
			return conflict("token id repeated in issue")
		}
		hashes[t.Hash] = struct{}{}
		fresh[t.ID] = struct{}{}
	}

	if err := x.checkCaps(now, is); err != nil {
		return err
	}

	if is.RotateID != "" {
		r := x.byID[is.RotateID]
		r.RotatedAt = now
		x.byID[r.ID] = r
	}
	for _, t := range is.Tokens {
		x.insert(t)
	}
	x.enforce(now, is, fresh)
	return nil
}

// checkCaps refuses is when a capped group would hold more live tokens than its cap after
// the insert. The refresh token is.RotateID names is not live after it, so it does not count.
func (x *tokenIndex) checkCaps(now time.Time, is store.Issue) error {
	adding := make(map[group]int)
	for _, t := range is.Tokens {
		if is.Caps[t.Kind] > 0 {
			adding[groupOf(t)]++
		}
	}
	for g, n := range adding {
		live := 0
		for id := range x.byGroup[g] {
			if x.byID[id].Live(now) && id != is.RotateID {
				live++
			}
		}
		if live+n > is.Caps[g.kind] {
			return fmt.Errorf("memstore: %d live %s tokens: %w", live, g.kind, store.ErrLimitReached)
		}
	}
	return nil
}

// enforce evicts, in each group of the tokens of is that has a limit, the oldest live tokens
// stored before this issuance beyond it. fresh holds the ids just inserted, which are never
// evicted.
func (x *tokenIndex) enforce(now time.Time, is store.Issue, fresh ids) {
	var groups []group
	for _, t := range is.Tokens {
		if g := groupOf(t); is.Limits[g.kind] > 0 && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	// Refresh tokens first: evicting one removes access tokens too.
	slices.SortStableFunc(groups, func(a, b group) int {
		return store.CompareEvictionKind(a.kind, b.kind)
	})
	for _, g := range groups {
		var old []store.Token
		count := 0
		for id := range x.byGroup[g] {
			t := x.byID[id]
			if !t.Live(now) {
				continue
			}
			count++
			if _, isNew := fresh[id]; !isNew {
				old = append(old, t)
			}
		}
		excess := min(count-is.Limits[g.kind], len(old))
		if excess <= 0 {
			continue
		}
		slices.SortFunc(old, func(a, b store.Token) int {
			return store.CompareEviction(store.EvictionCandidate{ID: a.ID, IssuedAt: a.IssuedAt},
				store.EvictionCandidate{ID: b.ID, IssuedAt: b.IssuedAt})
		})
		for _, t := range old[:excess] {
			if t.Kind == store.KindRefresh {
				x.removePair(t.ID)
			} else {
				x.remove(t.ID)
			}
		}
	}
}

// RevokeToken implements [store.Tokens].
func (s *Store) RevokeToken(_ context.Context, id string) error {
	return s.changeTokens(func(x *tokenIndex) error {
		t, ok := x.byID[id]
		if !ok {
			return notFound("no such token")
		}
		x.revoke(t)
		return nil
	})
}

// RevokeFamily implements [store.Tokens].
func (s *Store) RevokeFamily(_ context.Context, familyID string) error {
	if familyID == "" {
		return nil
	}
	return s.changeTokens(func(x *tokenIndex) error {
		x.removeAll(x.byFamily[familyID])
		return nil
	})
}
