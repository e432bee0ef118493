package middleware

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

var testHashKey = bytes.Repeat([]byte("k"), 32)

// testHasher is the hasher of testHashKey, as the server would be configured with.
var testHasher = func() *credentials.Hasher {
	h, err := credentials.NewHasher(testHashKey)
	if err != nil {
		panic(err)
	}
	return h
}()

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a memstore with one organization and one agent account, and a hasher keyed
// like the server's.
type fixture struct {
	st     *memstore.Store
	hasher *credentials.Hasher
	clock  *fakeClock
}

const (
	testOrg     = "org-1"
	testAccount = "8a1f0c8e-0000-4000-8000-000000000001"
	testLogin   = "agent@example.com"
	testClient  = "client-1"
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{st: memstore.New(), hasher: testHasher, clock: newClock()}
	ctx := context.Background()
	if err := f.st.PutOrganization(ctx, store.Organization{ID: testOrg, Name: "Org"}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.PutAccount(ctx, store.Account{ID: testAccount, Login: testLogin, OrganizationID: testOrg}); err != nil {
		t.Fatal(err)
	}
	return f
}

// issue stores tok (filling hash, ID, client, account and times when empty) and returns
// the token string.
func (f *fixture) issue(t testing.TB, tok store.Token) string {
	t.Helper()
	if tok.AccountID == "" {
		tok.AccountID = testAccount
		tok.OrganizationID = testOrg
	}
	return f.issueExact(t, tok)
}

// issueExact is issue without the default account: for tokens that act for no account.
func (f *fixture) issueExact(t testing.TB, tok store.Token) string {
	t.Helper()
	secret := credentials.NewSecret("oak:at_")
	tok.Hash = f.hasher.Hash(secret)
	if tok.ID == "" {
		tok.ID = credentials.NewID()
	}
	if tok.ClientID == "" {
		tok.ClientID = testClient
	}
	now := f.clock.Now()
	if tok.IssuedAt.IsZero() {
		tok.IssuedAt = now
	}
	if tok.ExpiresAt.IsZero() {
		tok.ExpiresAt = now.Add(time.Hour)
	}
	if err := f.st.IssueTokens(context.Background(), now, store.Issue{Tokens: []store.Token{tok}}); err != nil {
		t.Fatal(err)
	}
	return secret
}

func (f *fixture) local(t testing.TB, opts LocalOptions) *Local {
	t.Helper()
	if opts.Now == nil {
		opts.Now = f.clock.Now
	}
	if opts.Accounts == nil {
		opts.Accounts = f.st
	}
	if opts.Catalog == nil {
		opts.Catalog = chatCatalog(t)
	}
	l, err := NewLocal(f.st, f.hasher, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
