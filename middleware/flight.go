package middleware

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// flightSlot marks a backend call in progress in its shard's map of flights, under the
// credential's key: concurrent misses of the same credential join it rather than call the
// backend themselves. It holds the credential, which a caller must present to join
// (compared in constant time, as for an entry), and, once somebody has joined, the flight
// they wait on. A call nobody joins costs a map insert and delete, nothing more.
type flightSlot struct {
	token    string
	username string
	basic    bool
	epoch    uint64 // of the Cache when the call started: joined only in the same epoch
	f        *flight
}

// flight is what the callers who joined a backend call wait on. The caller that makes the
// call (the leader) writes the answer before it closes done.
type flight struct {
	done  chan struct{}
	entry *posEntry // the answer, when stored
	info  Info      // the answer, when valid and not stored
	err   error
	// retry: the leader left without an answer (its context ended, or the validator
	// panicked). Those who joined ask again rather than share a failure that is not theirs.
	retry bool
}

// miss answers cred, which the cache does not hold, as [Cache.lookup] does: from the
// negative cache, from a call in flight for the same credential, or from the backend,
// called on the caller's goroutine with the caller's context. Nothing stands between a
// caller and the backend but bookkeeping under its shard's lock, so a miss costs little
// more than the backend; each caller that joins another's call waits only as long as its
// own context allows. The caller holds the shard's lock, which miss releases.
func (c *Cache) miss(ctx context.Context, cred Credential, k credKey, sh *cacheShard, out *Info) (*posEntry, error) {
	for {
		epoch := c.epoch.Load()
		f, leader, registered, invalid := c.begin(cred, k, sh, epoch)
		if invalid {
			return nil, ErrInvalidToken
		}
		if c.onJoin != nil {
			c.onJoin()
		}
		if leader {
			return c.fetch(ctx, cred, k, sh, epoch, registered, out)
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
		if f.retry {
			sh.mu.Lock()
			continue
		}
		if f.err != nil {
			return nil, f.err
		}
		if f.entry != nil {
			if expired(&f.entry.info, c.now()) {
				return nil, ErrInvalidToken
			}
			return f.entry, nil
		}
		if expired(&f.info, c.now()) {
			return nil, ErrInvalidToken
		}
		*out = f.info
		return nil, nil
	}
}

// begin looks cred up in the negative cache (invalid), then joins the backend call in
// flight for it in this epoch (f) or registers one that the caller is to make (leader). A
// leader is not registered when the key's slot is taken by a call of an earlier epoch or
// of another credential with the same key: it then calls the backend on its own. The
// caller holds the shard's lock, which begin releases.
func (c *Cache) begin(cred Credential, k credKey, sh *cacheShard, epoch uint64) (f *flight, leader, registered, invalid bool) {
	if c.negTTL > 0 {
		if n, ok := sh.neg.Get(k); ok {
			sh.mu.Unlock()
			if n.matches(cred) {
				if c.now().Before(n.until) {
					return nil, false, false, true
				}
				sh.removeNeg(k, n)
			}
			sh.mu.Lock()
		}
	}
	defer sh.mu.Unlock()
	s, ok := sh.flights[k]
	switch {
	case !ok:
		sh.flights[k] = flightSlot{token: cred.Token, username: cred.Username, basic: cred.Basic, epoch: epoch}
		return nil, true, true, false
	case s.epoch == epoch && sameCredential(cred, s.token, s.username, s.basic):
		if s.f == nil {
			s.f = &flight{done: make(chan struct{})}
			sh.flights[k] = s
		}
		return s.f, false, false, false
	}
	return nil, true, false, false
}

// fetch makes the backend call for cred, stores the answer and, if registered, hands it to
// those who joined. If the caller's context ends first, a validator that honours it
// returns, the caller gets ErrUnavailable, and those who joined ask again.
func (c *Cache) fetch(ctx context.Context, cred Credential, k credKey, sh *cacheShard, epoch uint64, registered bool, out *Info) (*posEntry, error) {
	answered := false
	if registered {
		defer func() {
			if !answered { // the validator (or the clock) panicked: nobody may wait forever
				sh.mu.Lock()
				c.release(sh, k, &flight{err: errValidatorPanicked, retry: true})
				sh.mu.Unlock()
			}
		}()
	}
	bctx := ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		bctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	info, err := c.v.Validate(bctx, cred)
	left := ctx.Err()
	now := c.now()
	if err == nil && expired(&info, now) {
		err, info = errExpiredAnswer, Info{}
	}
	answered = true
	e := c.finish(cred, k, sh, epoch, registered, info, err, left != nil && !isVerdict(err), now)
	switch {
	case left != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, left)
	case err != nil:
		return nil, err
	case e != nil:
		return e, nil
	}
	*out = info
	return nil, nil
}

// errValidatorPanicked is the answer of a call whose validator panicked; those who joined
// it never see it, since they ask again.
var errValidatorPanicked = fmt.Errorf("%w: the validator panicked", ErrUnavailable)

// errExpiredAnswer is the answer of a backend that called valid a token already expired
// by the cache's clock. It is not remembered as invalid: the clocks merely disagree.
var errExpiredAnswer = fmt.Errorf("%w: the token has expired", ErrInvalidToken)

// isVerdict reports whether err is an answer about the token (valid or invalid) rather
// than a failure to tell.
func isVerdict(err error) bool { return err == nil || errors.Is(err, ErrInvalidToken) }

// expired reports whether the token of info has expired at now.
func expired(info *Info, now time.Time) bool {
	return !info.ExpiresAt.IsZero() && !now.Before(info.ExpiresAt)
}

// finish settles the backend's answer (info if err is nil), received at now: it stores a
// valid token, if admitted, until min(expiry, now+MaxAge), and returns its entry, or an
// invalid one for NegativeTTL; and, if registered, ends the flight, waking those who
// joined.
func (c *Cache) finish(cred Credential, k credKey, sh *cacheShard, epoch uint64, registered bool, info Info, err error, retry bool, now time.Time) (e *posEntry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// Close empties the shards after setting closed, so nothing is stored after it.
	switch {
	case c.closed.Load():
	case err == nil:
		// A Forget that ran while the backend was answering may concern this token: its
		// answer may predate the revocation, so do not keep it. Forget bumps the epoch
		// before it takes the shard locks, so either it sees the entry or the entry is not
		// stored.
		if c.epoch.Load() == epoch && sh.admitPos(k) {
			e = &posEntry{info: info, key: k, token: cred.Token, username: cred.Username, basic: cred.Basic}
			if c.setDeadline(e, now) {
				sh.put(e)
			} else {
				e = nil
			}
		}
	case c.negTTL > 0 && err != errExpiredAnswer && errors.Is(err, ErrInvalidToken) && sh.admitNeg(k):
		// The digest, the one costly step of remembering a refusal, is taken outside the
		// lock; the flight stays registered meanwhile, so the backend is not asked again.
		sh.mu.Unlock()
		d := digestOf(cred)
		sh.mu.Lock()
		if !c.closed.Load() {
			sh.neg.Add(k, negEntry{digest: d, until: now.Add(c.negTTL)})
		}
	}
	if registered {
		c.release(sh, k, &flight{entry: e, info: info, err: err, retry: retry})
	}
	return e
}

// release ends the flight registered under k with the answer in a: those who joined, if
// any, wake to it. The caller holds the lock.
func (c *Cache) release(sh *cacheShard, k credKey, a *flight) {
	s := sh.flights[k]
	delete(sh.flights, k)
	if f := s.f; f != nil {
		f.entry, f.info, f.err, f.retry = a.entry, a.info, a.err, a.retry
		close(f.done)
	}
}
