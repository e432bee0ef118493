package middleware

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// adminCatalog is chatCatalog with agents--all:rw administrator-only.
func adminCatalog(t testing.TB) *scopes.Catalog {
	t.Helper()
	c, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro"}, {Name: "chats--all:rw"}, {Name: "agents--all:rw", AdminOnly: true},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// downAccounts is account storage that is down.
type downAccounts struct{ store.Accounts }

func (downAccounts) Account(context.Context, string) (store.Account, error) {
	return store.Account{}, errDown
}

// setAccount replaces the fixture's account with a changed copy.
func (f *fixture) setAccount(t testing.TB, change func(*store.Account)) {
	t.Helper()
	ctx := context.Background()
	acc, err := f.st.Account(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	change(&acc)
	if err := f.st.PutAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
}

// TestLocalPersonalTokenFollowsAccount: a personal access token is worth what its account
// is worth now, not when it was created (R-PAT, R-AUTHZ-7).
func TestLocalPersonalTokenFollowsAccount(t *testing.T) {
	both := []string{"agents--all:rw", "chats--my:ro"}
	tests := []struct {
		name       string
		patScopes  []string
		opts       func(*fixture) LocalOptions
		change     func(*store.Account) // applied after the token was created; nil: none
		wantErr    error
		wantScopes []string
	}{
		{name: "administrator keeps administrator-only scopes", patScopes: both, wantScopes: both},
		{name: "demoted loses administrator-only scopes", patScopes: both,
			change: func(a *store.Account) { a.Roles = []string{"agent"} }, wantScopes: []string{"chats--my:ro"}},
		{name: "demoted with nothing else left is refused", patScopes: []string{"agents--all:rw"},
			change: func(a *store.Account) { a.Roles = []string{"agent"} }, wantErr: ErrInvalidToken},
		{name: "non-administrator scopes stay", patScopes: []string{"chats--my:ro", "chats--all:rw"},
			change:     func(a *store.Account) { a.Roles = nil },
			wantScopes: []string{"chats--all:rw", "chats--my:ro"}},
		{name: "the configured AdminRole counts", patScopes: both,
			opts:       func(f *fixture) LocalOptions { return LocalOptions{AdminRole: "owner"} },
			change:     func(a *store.Account) { a.Roles = []string{"owner"} },
			wantScopes: both},
		{name: "administrator is not the configured AdminRole", patScopes: both,
			opts:       func(f *fixture) LocalOptions { return LocalOptions{AdminRole: "owner"} },
			wantScopes: []string{"chats--my:ro"}},
		{name: "deleted account is refused", patScopes: both,
			opts: func(f *fixture) LocalOptions {
				return LocalOptions{Accounts: memstore.New(), Catalog: adminCatalog(t)}
			}, wantErr: ErrInvalidToken},
		{name: "account moved to another organization is refused", patScopes: both,
			change: func(a *store.Account) { a.OrganizationID = "org-2" }, wantErr: ErrInvalidToken},
		{name: "account that may no longer sign in is refused", patScopes: both,
			opts:    func(f *fixture) LocalOptions { return LocalOptions{SignInRoles: []string{"agent", "administrator"}} },
			change:  func(a *store.Account) { a.Roles = []string{"former"} },
			wantErr: ErrInvalidToken},
		{name: "account that may sign in is accepted", patScopes: both,
			opts:       func(f *fixture) LocalOptions { return LocalOptions{SignInRoles: []string{"agent", "administrator"}} },
			wantScopes: both},
		{name: "account storage down fails closed", patScopes: both,
			opts: func(f *fixture) LocalOptions {
				return LocalOptions{Accounts: downAccounts{f.st}, Catalog: adminCatalog(t)}
			}, wantErr: ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.setAccount(t, func(a *store.Account) { a.Roles = []string{"administrator"} })
			pat := f.issue(t, store.Token{ID: "pat-1", Kind: store.KindPersonal, Scopes: tt.patScopes})
			if tt.change != nil {
				f.setAccount(t, tt.change)
			}
			var opts LocalOptions
			if tt.opts != nil {
				opts = tt.opts(f)
			}
			if opts.Catalog == nil {
				opts.Catalog = adminCatalog(t)
			}
			l := f.local(t, opts)
			for _, cred := range []Credential{{Token: pat}, {Token: pat, Username: testLogin, Basic: true}} {
				info, err := l.Validate(context.Background(), cred)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("basic %v: err = %v, want %v", cred.Basic, err, tt.wantErr)
				}
				if err == nil {
					if diff := cmp.Diff(tt.wantScopes, info.Scopes.Names()); diff != "" {
						t.Errorf("basic %v: scopes (-want +got):\n%s", cred.Basic, diff)
					}
				}
			}
		})
	}
}

// TestLocalPersonalTokenNeedsAccounts: without account storage the validator cannot tell
// whether a personal access token's account still holds its rights, so it refuses personal
// access tokens and keeps accepting the other kinds (R-PAT).
func TestLocalPersonalTokenNeedsAccounts(t *testing.T) {
	f := newFixture(t)
	pat := f.issue(t, store.Token{ID: "pat-1", Kind: store.KindPersonal, Scopes: []string{"chats--my:ro"}})
	at := f.issue(t, store.Token{ID: "at-1", Kind: store.KindAccess, Scopes: []string{"chats--my:ro"}})
	l, err := NewLocal(f.st, f.hasher, LocalOptions{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Validate(context.Background(), Credential{Token: pat}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("PAT without Accounts: err = %v, want ErrInvalidToken", err)
	}
	if _, err := l.Validate(context.Background(), Credential{Token: at}); err != nil {
		t.Errorf("access token without Accounts: %v", err)
	}
}

func TestNewLocalAccountOptions(t *testing.T) {
	f := newFixture(t)
	cat := adminCatalog(t)
	for name, opts := range map[string]LocalOptions{
		"Accounts without Catalog":    {Accounts: f.st},
		"Catalog without Accounts":    {Catalog: cat},
		"AdminRole without Accounts":  {AdminRole: "owner"},
		"SignInRoles without Account": {SignInRoles: []string{"agent"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewLocal(f.st, f.hasher, opts); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestCachedPersonalTokenDemotion: behind a Cache, a demotion is seen once the entry is
// older than CacheOptions.MaxAge, the documented bound (R-MW-3), through real HTTP.
func TestCachedPersonalTokenDemotion(t *testing.T) {
	f := newFixture(t)
	f.setAccount(t, func(a *store.Account) { a.Roles = []string{"administrator"} })
	cat := adminCatalog(t)
	pat := f.issue(t, store.Token{ID: "pat-1", Kind: store.KindPersonal, Scopes: []string{"agents--all:rw", "chats--my:ro"}})
	cache := Cached(f.local(t, LocalOptions{Catalog: cat}), CacheOptions{MaxAge: time.Minute, Now: f.clock.Now})
	defer cache.Close()
	h := Authenticate(cache, Options{Realm: "test", Now: f.clock.Now, Logger: discardLog})(RequireScopes(cat, "agents--all:rw")(okHandler))
	srv := httptest.NewServer(h)
	defer srv.Close()

	if code, _ := getWith(t, srv.URL, "/", pat); code != http.StatusOK {
		t.Fatalf("administrator's PAT: %d", code)
	}
	f.setAccount(t, func(a *store.Account) { a.Roles = []string{"agent"} })
	f.clock.Advance(time.Minute - time.Second)
	if code, _ := getWith(t, srv.URL, "/", pat); code != http.StatusOK {
		t.Fatalf("within MaxAge the cached answer stands: %d", code)
	}
	f.clock.Advance(time.Second)
	if code, _ := getWith(t, srv.URL, "/", pat); code != http.StatusForbidden {
		t.Fatalf("after MaxAge, demoted account's PAT on an administrator-only route: %d, want 403", code)
	}
}
