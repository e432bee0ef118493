package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// R-TOKEN-5 and R-PAT-2: a refresh and the use of a personal access token re-check the rights
// of today: the account still exists and may still sign in, administrator-only scopes need
// the administrator role still, and (for a refresh) the client still allows each scope.

// deletingStore is a storage in which accounts can be deleted, as an administrator deleting
// a row would; the store interfaces have no DeleteAccount.
type deletingStore struct {
	store.Storage
	mu      sync.Mutex
	deleted map[string]bool
}

func (s *deletingStore) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted == nil {
		s.deleted = map[string]bool{}
	}
	s.deleted[id] = true
}

func (s *deletingStore) Account(ctx context.Context, id string) (store.Account, error) {
	s.mu.Lock()
	gone := s.deleted[id]
	s.mu.Unlock()
	if gone {
		return store.Account{}, store.ErrNotFound
	}
	return s.Storage.Account(ctx, id)
}

// entitlementEnv is a server that lets agents and administrators sign in, over a
// deletingStore.
func entitlementEnv(t *testing.T) (*env, *deletingStore) {
	ds := &deletingStore{}
	e := newEnv(t, func(c *flows.Config) {
		c.Policy.SignInRoles = []string{"agent", "administrator"}
		ds.Storage = c.Storage.(store.Storage)
		c.Storage = ds
	})
	return e, ds
}

// setRoles replaces the roles of the account id.
func (e *env) setRoles(id string, roles ...string) {
	e.t.Helper()
	a, err := e.store.Account(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	a.Roles = roles
	if err := e.store.PutAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
}

// setOrganization moves the account id to the organization org.
func (e *env) setOrganization(id, org string) {
	e.t.Helper()
	a, err := e.store.Account(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	a.OrganizationID = org
	if err := e.store.PutAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
}

// TestRefreshRechecksRights: the refresh grant, for a confidential and a public client.
func TestRefreshRechecksRights(t *testing.T) {
	for _, client := range []string{confID, pubID} {
		for _, tc := range []struct {
			name      string
			who       acct
			scope     string
			change    func(e *env, ds *deletingStore)
			refresh   url.Values // extra parameters of the refresh
			wantScope string     // "" means invalid_grant
		}{
			{"unchanged", acctRoot, "agents--all:rw chats--my:ro", nil, nil, "agents--all:rw,chats--my:ro"},
			{"account deleted", acctAlice, agentScopes, func(e *env, ds *deletingStore) { ds.delete(aliceID) }, nil, ""},
			{"account may no longer sign in", acctAlice, agentScopes, func(e *env, _ *deletingStore) { e.setRoles(aliceID, "former-agent") }, nil, ""},
			{"administrator demoted", acctRoot, "agents--all:rw chats--my:ro", func(e *env, _ *deletingStore) { e.setRoles(rootID, "agent") }, nil, "chats--my:ro"},
			{"administrator demoted, only administrator scopes", acctRoot, "agents--all:rw", func(e *env, _ *deletingStore) { e.setRoles(rootID, "agent") }, nil, ""},
			{"administrator demoted, asks for the lost scope", acctRoot, "agents--all:rw chats--my:ro", func(e *env, _ *deletingStore) { e.setRoles(rootID, "agent") },
				url.Values{"scope": {"agents--all:rw"}}, ""},
			{"client no longer allows a scope", acctAlice, agentScopes, func(e *env, _ *deletingStore) {
				c := e.storedClient(client)
				c.Scopes = []string{"chats--my:ro", "chats--all:ro", "agents--all:rw"}
				e.putClient(c)
			}, nil, "chats--all:ro,chats--my:ro"},
			{"account moved to another organization", acctAlice, agentScopes, func(e *env, _ *deletingStore) { e.setOrganization(aliceID, orgB) }, nil, ""},
			{"client allows none of the scopes", acctAlice, "chats--all:rw", func(e *env, _ *deletingStore) {
				c := e.storedClient(client)
				c.Scopes = []string{"chats--my:ro"}
				e.putClient(c)
			}, nil, ""},
		} {
			t.Run(client+"/"+tc.name, func(t *testing.T) {
				e, ds := entitlementEnv(t)
				first := e.tokensFor(client, tc.who, tc.scope)
				if tc.change != nil {
					tc.change(e, ds)
				}
				form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.refresh}}
				for k, v := range tc.refresh {
					form[k] = v
				}
				resp, body := e.tokenAs(client, form)
				if tc.wantScope == "" {
					if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
						t.Fatalf("refresh: %d %v, want invalid_grant", resp.StatusCode, body)
					}
					return
				}
				if resp.StatusCode != http.StatusOK || body["scope"] != tc.wantScope {
					t.Fatalf("refresh: %d %v, want 200 with scope %s", resp.StatusCode, body, tc.wantScope)
				}
				if r := e.infoGet(body["access_token"].(string)); r.s("scope") != tc.wantScope {
					t.Errorf("/v2/info of the new access token: %d %s, want scope %s", r.status, r.raw, tc.wantScope)
				}
				if client == pubID {
					// The rotated refresh token does not carry the lost scopes either.
					rt, _ := body["refresh_token"].(string)
					rec, err := e.store.Token(context.Background(), e.hasher.Hash(rt), e.clock.Now())
					if err != nil {
						t.Fatal(err)
					}
					if got := strings.Join(rec.Scopes, ","); got != tc.wantScope {
						t.Errorf("rotated refresh token's scopes = %s, want %s", got, tc.wantScope)
					}
				}
			})
		}
	}
}

// TestIntrospectPersonalTokenRechecksRights: a personal access token is inactive at
// introspection once its account is deleted or may no longer sign in; the
// administrator-only scopes of a demoted account are not reported (inactive when nothing
// is left).
func TestIntrospectPersonalTokenRechecksRights(t *testing.T) {
	for _, tc := range []struct {
		name      string
		account   string
		scopes    []string
		change    func(e *env, ds *deletingStore)
		wantScope string // "" means inactive
	}{
		{"unchanged", rootID, []string{"agents--all:rw", "chats--my:ro"}, nil, "agents--all:rw chats--my:ro"},
		{"account deleted", aliceID, []string{"chats--my:ro"}, func(_ *env, ds *deletingStore) { ds.delete(aliceID) }, ""},
		{"account may no longer sign in", aliceID, []string{"chats--my:ro"}, func(e *env, _ *deletingStore) { e.setRoles(aliceID, "former-agent") }, ""},
		{"administrator demoted", rootID, []string{"agents--all:rw", "chats--my:ro"}, func(e *env, _ *deletingStore) { e.setRoles(rootID, "agent") }, "chats--my:ro"},
		{"administrator demoted, only administrator scopes", rootID, []string{"agents--all:rw"}, func(e *env, _ *deletingStore) { e.setRoles(rootID, "agent") }, ""},
		{"account moved to another organization", aliceID, []string{"chats--my:ro"}, func(e *env, _ *deletingStore) { e.setOrganization(aliceID, orgB) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, ds := entitlementEnv(t)
			pat := e.newPAT(tc.account, "ci", tc.scopes...).Token
			if tc.change != nil {
				tc.change(e, ds)
			}
			r := e.introspectAs(confID, confSecret, pat)
			if tc.wantScope == "" {
				wantInactive(t, r)
				return
			}
			if r.status != http.StatusOK || r.obj["active"] != true || r.s("scope") != tc.wantScope {
				t.Fatalf("introspection: %d %s, want active with scope %q", r.status, r.raw, tc.wantScope)
			}
			if r.s("username") == "" || r.s("account_id") != tc.account {
				t.Errorf("introspection does not name the account: %s", r.raw)
			}
		})
	}
}
