package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// codes are the authorization codes, in shards by hash (see locking.go): an issuance that
// redeems one locks only its shard, for the check and for the consumption.
type codes struct {
	shards *shards[store.Hash, store.AuthorizationCode]
}

func newCodes() *codes {
	return &codes{newShards[store.Hash, store.AuthorizationCode](hashBytes[store.Hash])}
}

// CreateCode implements [store.Codes].
func (s *Store) CreateCode(_ context.Context, c store.AuthorizationCode) error {
	sh := s.codes.shards.of(c.Hash)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[c.Hash]; ok {
		return conflict("code exists")
	}
	sh.m[c.Hash] = cloneCode(c)
	return nil
}

func cloneCode(c store.AuthorizationCode) store.AuthorizationCode {
	c.Scopes = slices.Clone(c.Scopes)
	return c
}

// Code implements [store.Codes].
func (s *Store) Code(_ context.Context, hash store.Hash, now time.Time) (store.AuthorizationCode, error) {
	c, ok := s.codes.shards.get(hash)
	if !ok || !now.Before(c.ExpiresAt) {
		return store.AuthorizationCode{}, notFound("no such code")
	}
	return cloneCode(c), nil
}

// check returns the error of redeeming the code with hash at now, if any.
func (cs *codes) check(hash store.Hash, now time.Time) error {
	c, ok := cs.shards.get(hash)
	return redeemable(c, ok, now)
}

// consume marks the code with hash consumed at now, unless it cannot be redeemed.
func (cs *codes) consume(hash store.Hash, now time.Time) error {
	sh := cs.shards.of(hash)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	c, ok := sh.m[hash]
	if err := redeemable(c, ok, now); err != nil {
		return err
	}
	c.ConsumedAt = now
	sh.m[hash] = c
	return nil
}

func redeemable(c store.AuthorizationCode, ok bool, now time.Time) error {
	if !ok || !now.Before(c.ExpiresAt) {
		return notFound("no such code")
	}
	if !c.ConsumedAt.IsZero() {
		return conflict("code already consumed")
	}
	return nil
}

// deleteExpired removes the codes expired at now and returns how many, and tells u of every
// code it finds.
func (cs *codes) deleteExpired(now time.Time, u uses) int {
	n := 0
	for i := range cs.shards.s {
		sh := &cs.shards.s[i]
		sh.mu.Lock()
		for h, c := range sh.m {
			expired := !now.Before(c.ExpiresAt)
			u.see(c.ClientID, c.ExpiresAt, expired)
			if expired {
				delete(sh.m, h)
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// deleteClient removes the codes of clientID for accountID, or for every account when
// accountID is "", consumed or not.
func (cs *codes) deleteClient(clientID, accountID string) {
	for i := range cs.shards.s {
		sh := &cs.shards.s[i]
		sh.mu.Lock()
		for h, c := range sh.m {
			if c.ClientID == clientID && (accountID == "" || c.AccountID == accountID) {
				delete(sh.m, h)
			}
		}
		sh.mu.Unlock()
	}
}
