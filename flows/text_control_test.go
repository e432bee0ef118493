package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// controlGuard records every control character that reaches storage through the calls a
// request's text flows into (PostgreSQL refuses NUL in text with an error, a 503).
type controlGuard struct {
	*memstore.Store
	mu   sync.Mutex
	seen []string
}

func (g *controlGuard) check(what, v string) {
	if strings.ContainsFunc(v, unicode.IsControl) {
		g.mu.Lock()
		g.seen = append(g.seen, what+": "+v)
		g.mu.Unlock()
	}
}

func (g *controlGuard) Client(ctx context.Context, id string) (store.Client, error) {
	g.check("Client", id)
	return g.Store.Client(ctx, id)
}

func (g *controlGuard) TokenByID(ctx context.Context, id string, now time.Time) (store.Token, error) {
	g.check("TokenByID", id)
	return g.Store.TokenByID(ctx, id, now)
}

func (g *controlGuard) IssueTokens(ctx context.Context, now time.Time, is store.Issue) error {
	for _, t := range is.Tokens {
		g.check("IssueTokens name", t.Name)
	}
	return g.Store.IssueTokens(ctx, now, is)
}

// TestStoredTextControlCharacters: R-ERR-1, a NUL or any other control character in text a
// request would store or look up (a personal access token's name or id, a client_id) is
// invalid_request, and never reaches storage.
func TestStoredTextControlCharacters(t *testing.T) {
	var guard *controlGuard
	e := newPATEnv(t, func(c *flows.Config) {
		guard = &controlGuard{Store: c.Storage.(*memstore.Store)}
		c.Storage = guard
	})
	tok := e.consoleTokens(acctAlice, agentScopes).access
	for _, name := range []string{"a\x00b", "\x00", "bell\x07", "tab\tname", "line\nbreak", "trailing\n", "del\x7f", "nel\u0085", "esc\x1b[31m"} {
		t.Run("PAT name "+strings.ToValidUTF8(url.QueryEscape(name), ""), func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"name": name, "scopes": []string{"chats--my:ro"}})
			wantAPIError(t, e.createPAT(tok, string(body)), http.StatusBadRequest, "invalid_request")
		})
	}
	for _, name := range []string{"a\xffb", "ci\x00"} {
		_, err := e.flows.CreatePersonalToken(context.Background(), aliceID, name, scopes.New("chats--my:ro"))
		var fe *flows.Error
		if !errors.As(err, &fe) || fe.Code != flows.ErrInvalidRequest {
			t.Errorf("CreatePersonalToken(%q) = %v, want invalid_request", name, err)
		}
	}
	if list := e.listPATs(tok); len(list) != 0 {
		t.Errorf("refused names created %v", list)
	}
	wantAPIError(t, e.apiDo(http.MethodDelete, patPath+"/a%00b", "", bearerHdr(tok)...), http.StatusNotFound, "invalid_request")

	b := e.browser()
	b.signedInAs(acctAlice.login, acctAlice.pw)
	for _, id := range []string{"conf-app\x00", "conf\x01app"} {
		q := authzQuery(url.Values{"client_id": {id}})
		wantQuery(t, errorPageRedirect(t, b.getOnce("/?"+q.Encode()), http.StatusFound), map[string]string{"oauth_exception": "invalid_request"})
	}
	if len(guard.seen) > 0 {
		t.Errorf("control characters reached storage: %q", guard.seen)
	}
}
