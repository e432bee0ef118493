package flows_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// R-TOKEN-3 / RFC 9700 §4.5: an authorization code is redeemed at most once, whatever
// fails, because consuming it is part of the atomic issuance (store.Issue.ConsumeCode).

// errLost is what a database connection that died around a commit returns.
var errLost = errors.New("driver: bad connection")

// lossyStore is a storage whose next IssueTokens fails: after committing (the answer is
// lost, as when the connection drops after COMMIT) or before writing anything. It records
// the hashes of every token it was asked to insert.
type lossyStore struct {
	store.Storage
	mu     sync.Mutex
	mode   string // "", "lost" (commit, then fail) or "fail" (fail, write nothing)
	issued []store.Hash
	codes  []store.Hash // Issue.ConsumeCode of every call
}

func (s *lossyStore) failNext(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = mode
}

func (s *lossyStore) IssueTokens(ctx context.Context, now time.Time, is store.Issue) error {
	s.mu.Lock()
	mode := s.mode
	s.mode = ""
	for _, t := range is.Tokens {
		s.issued = append(s.issued, t.Hash)
	}
	s.codes = append(s.codes, is.ConsumeCode)
	s.mu.Unlock()
	switch mode {
	case "lost":
		if err := s.Storage.IssueTokens(ctx, now, is); err != nil {
			return err
		}
		return errLost
	case "fail":
		return errLost
	}
	return s.Storage.IssueTokens(ctx, now, is)
}

func (s *lossyStore) issuedHashes() []store.Hash {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]store.Hash(nil), s.issued...)
}

// lossyEnv is a test server over a lossyStore (e.store is the memstore beneath it).
func lossyEnv(t *testing.T) (*env, *lossyStore) {
	ls := &lossyStore{}
	e := newEnv(t, func(c *flows.Config) {
		ls.Storage = c.Storage.(store.Storage)
		c.Storage = ls
	})
	return e, ls
}

// liveIssued counts the tokens that storage was asked to insert and that are live now.
func (e *env) liveIssued(hashes []store.Hash) int {
	n := 0
	for _, h := range hashes {
		if t, err := e.store.Token(context.Background(), h, e.clock.Now()); err == nil && t.Live(e.clock.Now()) {
			n++
		}
	}
	return n
}

// TestCodeRedeemedOnceConcurrently: 20 valid redemptions of one code at once get exactly
// one 200; every other is invalid_grant, a valid replay, so the winner's tokens are revoked
// too (RFC 9700 §4.5), at /v2/info as in storage.
func TestCodeRedeemedOnceConcurrently(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	const n = 20
	var wg sync.WaitGroup
	statuses, bodies := make([]int, n), make([]map[string]any, n)
	for i := range n {
		wg.Go(func() { statuses[i], bodies[i] = postToken(e.srv.URL, basicAuth(confID, confSecret), codeForm(code)) })
	}
	wg.Wait()
	var winner map[string]any
	for i := range n {
		switch {
		case statuses[i] == http.StatusOK:
			if winner != nil {
				t.Fatalf("two redemptions of one code got tokens")
			}
			winner = bodies[i]
		case statuses[i] != http.StatusBadRequest || bodies[i]["error"] != "invalid_grant":
			t.Errorf("redemption %d: %d %v, want invalid_grant", i, statuses[i], bodies[i])
		}
	}
	if winner == nil {
		t.Fatal("no redemption of a valid code got tokens")
	}
	at, _ := winner["access_token"].(string)
	rt, _ := winner["refresh_token"].(string)
	e.wantAccessDead(at, "the winner's access token after 19 valid replays")
	if e.live(rt) {
		t.Error("the winner's refresh token survived 19 valid replays")
	}
}

// TestCodeRedemptionResponseLost: the issuance commits but its answer is lost (503); the
// client's retry is a valid replay: invalid_grant, and what the lost attempt issued is
// revoked. The code never yields two live token sets.
func TestCodeRedemptionResponseLost(t *testing.T) {
	e, ls := lossyEnv(t)
	code := e.codeFor(nil)
	ls.failNext("lost")
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code)), http.StatusServiceUnavailable, "temporarily_unavailable")
	if n := e.liveIssued(ls.issuedHashes()); n != 2 {
		t.Fatalf("the lost attempt left %d live tokens, want its 2 (the test needs a commit)", n)
	}
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code)), http.StatusBadRequest, "invalid_grant")
	if n := e.liveIssued(ls.issuedHashes()); n != 0 {
		t.Errorf("%d tokens of a code redeemed after a lost answer are live, want 0", n)
	}
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code)), http.StatusBadRequest, "invalid_grant")
}

// TestCodeRedemptionFailedWrite: an issuance that fails without writing leaves the code
// redeemable: the retry gets tokens, once; and the issuance consumes the code itself.
func TestCodeRedemptionFailedWrite(t *testing.T) {
	e, ls := lossyEnv(t)
	code := e.codeFor(nil)
	ls.failNext("fail")
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code)), http.StatusServiceUnavailable, "temporarily_unavailable")
	r := e.tokenForm(confID, confSecret, codeForm(code))
	wantTokens(t, r)
	if !e.live(r.str("access_token")) || !e.live(r.str("refresh_token")) {
		t.Fatal("the retry's tokens are not live")
	}
	for i, h := range ls.codes {
		if h != e.hasher.Hash(code) {
			t.Errorf("issuance %d does not consume the code in the same step", i+1)
		}
	}
	wantError(t, e.tokenForm(confID, confSecret, codeForm(code)), http.StatusBadRequest, "invalid_grant")
}

// TestCodeGrantRecordsGrantTime: the tokens a code redemption issues carry the time of the
// grant, which later rotations keep.
func TestCodeGrantRecordsGrantTime(t *testing.T) {
	e := newEnv(t)
	granted := e.clock.Now()
	first := e.tokensFor(pubID, acctAlice, agentScopes)
	e.clock.Advance(time.Hour)
	next := e.mustRefresh(pubID, first.refresh)
	for what, tok := range map[string]string{
		"access token of the code": first.access, "refresh token of the code": first.refresh,
		"refreshed access token": next.access, "rotated refresh token": next.refresh,
	} {
		rec, err := e.store.Token(context.Background(), e.hasher.Hash(tok), e.clock.Now())
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !rec.GrantedAt.Equal(granted) {
			t.Errorf("%s: GrantedAt = %v, want %v", what, rec.GrantedAt, granted)
		}
	}
}
