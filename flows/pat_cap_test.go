package flows_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

// gatedStore holds every personal-token count (AccountTokens of KindPersonal) until n of
// them are waiting, once armed: every creation then passes any check it makes before
// inserting, as concurrent requests do when they interleave badly.
type gatedStore struct {
	*memstore.Store
	n       int
	armed   atomic.Bool
	mu      sync.Mutex
	waiting int
	open    chan struct{}
}

func (g *gatedStore) AccountTokens(ctx context.Context, accountID string, kind store.TokenKind, now time.Time) ([]store.Token, error) {
	if kind == store.KindPersonal && g.armed.Load() {
		g.mu.Lock()
		if g.waiting++; g.waiting == g.n {
			close(g.open)
		}
		g.mu.Unlock()
		select {
		case <-g.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Store.AccountTokens(ctx, accountID, kind, now)
}

// TestPATCapConcurrent: R-PAT-1, the cap of 100 live personal access tokens per account
// holds however many creations race: of 120 concurrent requests that all see no token yet,
// exactly 100 succeed and 20 are invalid_request. (memstore here; the cap is the store's
// Issue.Caps, which storetest checks on every backend.)
func TestPATCapConcurrent(t *testing.T) {
	const total = 120
	var gate *gatedStore
	e := newPATEnv(t, func(c *flows.Config) {
		gate = &gatedStore{Store: c.Storage.(*memstore.Store), n: total, open: make(chan struct{})}
		c.Storage = gate
	})
	tok := e.consoleTokens(acctAlice, agentScopes).access
	gate.armed.Store(true)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a safety net, not a synchronisation
	defer cancel()
	var created, refused atomic.Int32
	var wg sync.WaitGroup
	for range total {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+patPath, strings.NewReader(`{"name":"n","scopes":["chats--my:ro"]}`))
			req.Header.Set("Content-Type", ctJSON)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			r := readResp(resp)
			switch {
			case r.status == http.StatusCreated:
				created.Add(1)
			case r.status == http.StatusBadRequest && r.s("error") == "invalid_request" &&
				r.s("error_description") == "the account already has 100 personal access tokens; revoke one first":
				refused.Add(1)
			default:
				t.Errorf("answer %d %s", r.status, r.raw)
			}
		})
	}
	wg.Wait()
	if created.Load() != 100 || refused.Load() != total-100 {
		t.Errorf("created %d, refused %d; want 100 and %d", created.Load(), refused.Load(), total-100)
	}
	gate.armed.Store(false)
	if list, err := e.flows.PersonalTokens(context.Background(), aliceID); err != nil || len(list) != 100 {
		t.Errorf("live PATs = %d, %v; want 100", len(list), err)
	}
}
