package flows_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

// The token endpoint when storage fails (R-ERR-5, R-STORE-4) and when another request
// changes storage in the middle of an exchange (R-TOKEN-3, R-TOKEN-5, RFC 9700 §4.5).

// faultyStore is a memstore whose operations can be made to fail with an injected error, as
// a database that went away would, and whose IssueTokens can run a hook first, to put
// another request in the middle of an exchange deterministically.
type faultyStore struct {
	*memstore.Store
	mu     sync.Mutex
	fail   map[string]error // by method name
	hook   func()           // run once, at the start of the next IssueTokens
	issued []store.Hash     // hashes of every token passed to IssueTokens
}

func (s *faultyStore) failOn(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail == nil {
		s.fail = map[string]error{}
	}
	s.fail[op] = err
}

func (s *faultyStore) err(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fail[op]
}

func (s *faultyStore) onNextIssue(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = f
}

func (s *faultyStore) Client(ctx context.Context, id string) (store.Client, error) {
	if err := s.err("Client"); err != nil {
		return store.Client{}, err
	}
	return s.Store.Client(ctx, id)
}

func (s *faultyStore) Code(ctx context.Context, h store.Hash, now time.Time) (store.AuthorizationCode, error) {
	if err := s.err("Code"); err != nil {
		return store.AuthorizationCode{}, err
	}
	return s.Store.Code(ctx, h, now)
}

func (s *faultyStore) Token(ctx context.Context, h store.Hash, now time.Time) (store.Token, error) {
	if err := s.err("Token"); err != nil {
		return store.Token{}, err
	}
	return s.Store.Token(ctx, h, now)
}

func (s *faultyStore) IssueTokens(ctx context.Context, now time.Time, is store.Issue) error {
	s.mu.Lock()
	hook := s.hook
	s.hook = nil
	for _, t := range is.Tokens {
		s.issued = append(s.issued, t.Hash)
	}
	s.mu.Unlock()
	if err := s.err("IssueTokens"); err != nil {
		return err
	}
	if hook != nil {
		hook()
	}
	return s.Store.IssueTokens(ctx, now, is)
}

// issuedHashes returns the hashes of every token storage was asked to insert.
func (s *faultyStore) issuedHashes() []store.Hash {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]store.Hash(nil), s.issued...)
}

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// faultyEnv is a test server over a faultyStore whose log is captured.
func faultyEnv(t *testing.T) (*env, *faultyStore, *lockedBuffer) {
	fs, logs := &faultyStore{}, &lockedBuffer{}
	e := newEnv(t, func(c *flows.Config) {
		fs.Store = c.Storage.(*memstore.Store)
		c.Storage = fs
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	return e, fs, logs
}

// errDB is what a PostgreSQL backend might return; none of it may reach a client.
var errDB = errors.New(`pq: relation "tokens" does not exist at 10.0.0.7:5432`)

// wantUnavailable checks a 503 that hides errDB from the client and logs it (R-ERR-5).
func wantUnavailable(t *testing.T, r tokenReply, logs *lockedBuffer) {
	t.Helper()
	wantError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	if got := r.header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After = %q, want 5", got)
	}
	for _, leak := range []string{"pq", "relation", `"tokens"`, "does not exist", "10.0.0.7", "5432"} {
		if strings.Contains(r.raw, leak) {
			t.Errorf("the response leaks %q: %s", leak, r.raw)
		}
	}
	if !strings.Contains(logs.String(), "relation") {
		t.Errorf("the internal error was not logged; log:\n%s", logs)
	}
}

// TestStorageFailureCodeExchange: R-ERR-5 / R-STORE-4, each storage step of a code exchange
// failing gives 503 temporarily_unavailable with Retry-After and no internal detail, and
// leaves no usable token behind: whatever was issued during the failed attempt is gone.
func TestStorageFailureCodeExchange(t *testing.T) {
	// The code is consumed inside IssueTokens (store.Issue.ConsumeCode), not by ConsumeCode.
	for _, op := range []string{"Client", "Code", "IssueTokens"} {
		t.Run(op, func(t *testing.T) {
			e, fs, logs := faultyEnv(t)
			code := e.codeFor(nil)
			fs.failOn(op, errDB)
			wantUnavailable(t, e.tokenForm(confID, confSecret, codeForm(code)), logs)
			fs.failOn(op, nil)
			for _, h := range fs.issuedHashes() {
				if _, err := e.store.Token(context.Background(), h, e.clock.Now()); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("a token of the failed exchange is in storage: %v", err)
				}
			}
			// The failure did not burn the code: the client retries and succeeds, once.
			wantTokens(t, e.tokenForm(confID, confSecret, codeForm(code)))
			wantError(t, e.tokenForm(confID, confSecret, codeForm(code)), http.StatusBadRequest, "invalid_grant")
		})
	}
}

// TestStorageFailureRefresh: R-STORE-4, a public client's refresh that fails does not
// rotate the refresh token: the client retries with the same one.
func TestStorageFailureRefresh(t *testing.T) {
	e, fs, logs := faultyEnv(t)
	code := e.codeFor(url.Values{"client_id": {pubID}, "redirect_uri": {pubRedirect}, "code_challenge": {appBChallenge}, "code_challenge_method": {"S256"}})
	first := e.tokenForm("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {pubRedirect}, "client_id": {pubID}, "code_verifier": {appBVerifier}})
	wantTokens(t, first)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.str("refresh_token")}, "client_id": {pubID}}
	for _, op := range []string{"Client", "Token", "IssueTokens"} {
		fs.failOn(op, errDB)
		wantUnavailable(t, e.tokenForm("", "", refresh), logs)
		fs.failOn(op, nil)
	}
	r := e.tokenForm("", "", refresh)
	wantTokens(t, r)
	if r.str("refresh_token") == first.str("refresh_token") {
		t.Fatalf("refresh after recovery did not rotate: %s", r.raw)
	}
}

// postToken sends form to the token endpoint without touching the test's *testing.T, for
// use from the server's goroutines.
func postToken(srvURL, auth string, form url.Values) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodPost, srvURL+"/v2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", formType)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, map[string]any{"transport": err.Error()}
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestCodeRedeemedTwiceConcurrently: R-TOKEN-3 / RFC 9700 §4.5, a second valid redemption
// that arrives while the first is issuing its tokens must still leave no token of the code
// alive: the replay detection may not run before the first redemption's tokens exist.
func TestCodeRedeemedTwiceConcurrently(t *testing.T) {
	e, fs, _ := faultyEnv(t)
	code := e.codeFor(nil)
	var status int
	var second map[string]any
	fs.onNextIssue(func() { status, second = postToken(e.srv.URL, basicAuth(confID, confSecret), codeForm(code)) })
	first := e.tokenForm(confID, confSecret, codeForm(code))

	winners := 0
	for _, r := range []struct {
		status int
		body   map[string]any
	}{{first.status, first.json}, {status, second}} {
		switch r.status {
		case http.StatusOK:
			winners++
			for _, k := range []string{"access_token", "refresh_token"} {
				if tok, _ := r.body[k].(string); e.live(tok) {
					t.Errorf("%s issued from a code redeemed twice is alive", k)
				}
			}
		case http.StatusBadRequest:
			if r.body["error"] != "invalid_grant" {
				t.Errorf("redemption: %d %v", r.status, r.body)
			}
		default:
			t.Errorf("redemption: %d %v", r.status, r.body)
		}
	}
	if winners > 1 {
		t.Errorf("%d redemptions of one code got tokens", winners)
	}
}

// TestRefreshRacingRevocation: R-TOKEN-5 / RFC 9700 §4.14, a refresh token revoked (its
// family revoked by a code replay, or the token itself) while a refresh with it is under
// way must not leave a new access token alive.
func TestRefreshRacingRevocation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		public bool
		revoke func(s store.Tokens, rt store.Token) error
	}{
		{"confidential, family revoked", false, func(s store.Tokens, rt store.Token) error { return s.RevokeFamily(context.Background(), rt.FamilyID) }},
		{"confidential, token revoked", false, func(s store.Tokens, rt store.Token) error { return s.RevokeToken(context.Background(), rt.ID) }},
		{"public, family revoked", true, func(s store.Tokens, rt store.Token) error { return s.RevokeFamily(context.Background(), rt.FamilyID) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, fs, _ := faultyEnv(t)
			id, secret, redirect, q := confID, confSecret, confRedirect, url.Values{}
			if tc.public {
				id, secret, redirect = "", "", pubRedirect
				q = url.Values{"client_id": {pubID}, "redirect_uri": {pubRedirect}, "code_challenge": {appBChallenge}, "code_challenge_method": {"S256"}}
			}
			form := url.Values{"grant_type": {"authorization_code"}, "code": {e.codeFor(q)}, "redirect_uri": {redirect}}
			if tc.public {
				form.Set("client_id", pubID)
				form.Set("code_verifier", appBVerifier)
			}
			tok := e.tokenForm(id, secret, form)
			wantTokens(t, tok)
			rt, err := e.store.Token(context.Background(), e.hasher.Hash(tok.str("refresh_token")), e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			var revokeErr error
			fs.onNextIssue(func() { revokeErr = tc.revoke(e.store, rt) })
			refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}}
			if tc.public {
				refresh.Set("client_id", pubID)
			}
			r := e.tokenForm(id, secret, refresh)
			if revokeErr != nil {
				t.Fatal(revokeErr)
			}
			wantError(t, r, http.StatusBadRequest, "invalid_grant")
			for _, h := range fs.issuedHashes() {
				if _, err := e.store.Token(context.Background(), h, e.clock.Now()); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("a token issued during the revocation is alive (%v)", err)
				}
			}
		})
	}
}

// TestCodeRedeemedConcurrently: R-TOKEN-3 / RFC 9700 §4.5, many valid redemptions of one
// code at once: at most one gets tokens, and none of the code's tokens survive.
func TestCodeRedeemedConcurrently(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	const n = 8
	var wg sync.WaitGroup
	statuses, bodies := make([]int, n), make([]map[string]any, n)
	for i := range n {
		wg.Go(func() { statuses[i], bodies[i] = postToken(e.srv.URL, basicAuth(confID, confSecret), codeForm(code)) })
	}
	wg.Wait()
	winners := 0
	for i := range n {
		switch {
		case statuses[i] == http.StatusOK:
			winners++
			for _, k := range []string{"access_token", "refresh_token"} {
				if tok, _ := bodies[i][k].(string); e.live(tok) {
					t.Errorf("%s of a code redeemed %d times is alive", k, n)
				}
			}
		case statuses[i] != http.StatusBadRequest || bodies[i]["error"] != "invalid_grant":
			t.Errorf("redemption %d: %d %v", i, statuses[i], bodies[i])
		}
	}
	if winners > 1 {
		t.Errorf("%d redemptions of one code got tokens", winners)
	}
}
