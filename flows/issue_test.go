package flows_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// TestIssueRules: the rules Server.Issue enforces for every grant, each refused with the
// error a grant returns as is.
func TestIssueRules(t *testing.T) {
	e := newEnv(t, withPersonalTokenClients(t), func(c *flows.Config) { c.Policy.SignInRoles = []string{"agent", "administrator"} })
	ctx := context.Background()
	conf, priv := e.storedClient(confID), e.storedClient(privID)
	if err := e.store.PutAccount(ctx, store.Account{ID: "guest", Login: "guest@example.com", OrganizationID: orgA, Roles: []string{"guest"}}); err != nil {
		t.Fatal(err)
	}
	withManage := e.storedClient(pubID)
	withManage.Scopes = append(withManage.Scopes, flows.PersonalTokensScope)
	for _, tc := range []struct {
		name string
		req  flows.IssueRequest
		code string // "" for success
	}{
		{"an agent's scopes", flows.IssueRequest{Client: conf, AccountID: aliceID, Scopes: scopes.New("chats--my:ro")}, ""},
		{"an administrator's admin-only scope", flows.IssueRequest{Client: conf, AccountID: rootID, Scopes: scopes.New("agents--all:rw")}, ""},
		{"admin-only scope for an agent", flows.IssueRequest{Client: conf, AccountID: aliceID, Scopes: scopes.New("chats--my:ro", "agents--all:rw")}, flows.ErrInvalidScope},
		{"admin-only scope without account", flows.IssueRequest{Client: conf, Scopes: scopes.New("agents--all:rw")}, flows.ErrInvalidScope},
		{"a scope the client may not request", flows.IssueRequest{Client: priv, AccountID: aliceID, Scopes: scopes.New("nothing:ro")}, flows.ErrInvalidScope},
		{"the personal tokens scope for another client", flows.IssueRequest{Client: withManage, AccountID: aliceID, Scopes: scopes.New(flows.PersonalTokensScope)}, flows.ErrInvalidScope},
		{"an unknown account", flows.IssueRequest{Client: conf, AccountID: "nobody", Scopes: scopes.New("chats--my:ro")}, flows.ErrInvalidGrant},
		{"an account that may not sign in", flows.IssueRequest{Client: conf, AccountID: "guest", Scopes: scopes.New("chats--my:ro")}, flows.ErrInvalidGrant},
		{"a private client, account of another organization", flows.IssueRequest{Client: priv, AccountID: bobID, Scopes: scopes.New("chats--my:ro")}, flows.ErrUnauthorizedClient},
		{"no client", flows.IssueRequest{AccountID: aliceID}, flows.ErrServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.flows.Issue(ctx, tc.req)
			var fe *flows.Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code == "" && !e.tokenAlive(resp.AccessToken):
				t.Errorf("the issued token is not stored")
			case tc.code != "" && (!errors.As(err, &fe) || fe.Code != tc.code):
				t.Errorf("err = %v, want %s", err, tc.code)
			case tc.code != "" && resp != nil:
				t.Errorf("a refusal answered tokens")
			}
		})
	}
}

// TestIssueFamily: tokens issued into a family die with it, a refresh token from Issue
// works with the refresh_token grant, and NotAfter bounds both tokens.
func TestIssueFamily(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	conf := e.storedClient(confID)
	notAfter := e.clock.Now().Add(time.Hour)
	resp, err := e.flows.Issue(ctx, flows.IssueRequest{Client: conf, AccountID: aliceID, Scopes: scopes.New("chats--my:ro"), Refresh: true, FamilyID: "family-1", NotAfter: notAfter})
	if err != nil {
		t.Fatal(err)
	}
	if resp.RefreshToken == "" || resp.ExpiresIn != 3600 || resp.AccountID != aliceID || resp.OrganizationID != orgA || resp.Scope != "chats--my:ro" {
		t.Fatalf("answer = %+v", resp)
	}
	if rt, err := e.flows.LookupToken(ctx, resp.RefreshToken, store.KindRefresh); err != nil || !rt.ExpiresAt.Equal(notAfter) || rt.FamilyID != "family-1" {
		t.Errorf("refresh token = %+v, %v; want family-1 expiring at NotAfter", rt, err)
	}
	if _, err := e.flows.LookupToken(ctx, resp.RefreshToken, store.KindAccess); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LookupToken of a refresh token as an access token: %v, want ErrNotFound", err)
	}
	next := e.mustRefresh(confID, resp.RefreshToken)
	if next.body["scope"] != "chats--my:ro" {
		t.Errorf("refresh answer = %v", next.body)
	}
	if err := e.flows.RevokeFamily(ctx, "family-1", "test"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{resp.AccessToken, resp.RefreshToken, next.access} {
		if e.tokenAlive(tok) {
			t.Errorf("a token of the revoked family is alive")
		}
	}
	if r, _ := e.refreshAs(confID, resp.RefreshToken); r.StatusCode != http.StatusBadRequest {
		t.Errorf("refresh after RevokeFamily: %d", r.StatusCode)
	}
}
