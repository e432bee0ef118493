package storetest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oauthkit/oauthkit/store"
)

// base is the instant every record's times derive from. It has no sub-second part, so it
// survives backends that keep microseconds or return another location.
var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Lifetimes of the records the builders make.
const (
	codeTTL    = 10 * time.Minute
	accessTTL  = 8 * time.Hour
	refreshTTL = 30 * 24 * time.Hour
	sessionTTL = 24 * time.Hour
)

// cmpOpts compares records as a backend may return them: nil and empty slices are equal,
// times are equal when they denote instants within a millisecond, whatever their location.
var cmpOpts = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(time.Millisecond)}

// checkEqual reports a difference between want and got.
func checkEqual[T any](t *testing.T, what string, want, got T) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// must stops the test when err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// wantErr reports err unless it is (or wraps) target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// newID returns a random UUID (version 4), valid as text and as a SQL uuid.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newHash returns a random hash, standing for the keyed hash of a fresh secret.
func newHash() store.Hash {
	var h store.Hash
	rand.Read(h[:])
	return h
}

// race calls f(0) … f(n-1) from n goroutines released together and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// The records that a rule's records name (an account's organization, a token's client and
// account, a customer token's customer) are stored first, so that a backend may enforce
// referential integrity, through the writer of their part when the storage under test has
// it. A run of some parts only names records that no part under test holds.

// putOrganization returns a new organization, stored when s has an OrganizationWriter.
func putOrganization(t *testing.T, s store.Parts) store.Organization {
	t.Helper()
	o := store.Organization{ID: newID(), Name: "Acme"}
	if s.OrganizationWriter != nil {
		must(t, "PutOrganization", s.PutOrganization(t.Context(), o))
	}
	return o
}

func newAccount(orgID string) store.Account {
	id := newID()
	return store.Account{
		ID:             id,
		Login:          "agent-" + id + "@example.com",
		OrganizationID: orgID,
		Roles:          []string{"agent", "administrator"},
		PasswordHash:   "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		CreatedAt:      base,
	}
}

// putAccount returns a new account of orgID, stored when s has an AccountWriter.
func putAccount(t *testing.T, s store.Parts, orgID string) store.Account {
	t.Helper()
	a := newAccount(orgID)
	if s.AccountWriter != nil {
		must(t, "PutAccount", s.PutAccount(t.Context(), a))
	}
	return a
}

func newClient(orgID string) store.Client {
	return store.Client{
		ID:           newID(),
		Name:         "Example app",
		SecretHash:   newHash(),
		RedirectURIs: []string{"https://app.example.com/callback", "https://app.example.com/other"},
		Scopes:       []string{"chats--all:ro", "agents--my:rw", "customers:own"},
		RequirePKCE:  true,
		CreatedAt:    base,
		UpdatedAt:    base.Add(time.Hour),
	}
}

// putClient returns a new client, stored when s has a ClientWriter.
func putClient(t *testing.T, s store.Parts) store.Client {
	t.Helper()
	c := newClient("")
	if s.ClientWriter != nil {
		must(t, "PutClient", s.PutClient(t.Context(), c))
	}
	return c
}

// putCustomer returns a new customer of p's organization and client, stored when s has
// Customers.
func putCustomer(t *testing.T, s store.Parts, p party) store.Customer {
	t.Helper()
	c := newCustomer(p)
	if s.Customers != nil {
		must(t, "CreateCustomer", s.CreateCustomer(t.Context(), c))
	}
	return c
}

// A party is the (client, account) pair that codes, tokens, grants and sessions belong to.
type party struct {
	org     store.Organization
	account store.Account
	client  store.Client
}

// newParty returns an organization, an account in it and a client, each stored when s has
// its writer.
func newParty(t *testing.T, s store.Parts) party {
	t.Helper()
	o := putOrganization(t, s)
	return party{org: o, account: putAccount(t, s, o.ID), client: putClient(t, s)}
}

// withAccount returns p with another account of the same organization.
func (p party) withAccount(t *testing.T, s store.Parts) party {
	t.Helper()
	p.account = putAccount(t, s, p.org.ID)
	return p
}

// withClient returns p with another client.
func (p party) withClient(t *testing.T, s store.Parts) party {
	t.Helper()
	p.client = putClient(t, s)
	return p
}

func (p party) code(issuedAt time.Time) store.AuthorizationCode {
	return store.AuthorizationCode{
		Hash:                newHash(),
		ClientID:            p.client.ID,
		AccountID:           p.account.ID,
		OrganizationID:      p.org.ID,
		RedirectURI:         p.client.RedirectURIs[0],
		Scopes:              []string{"chats--all:ro", "agents--my:rw"},
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		FamilyID:            newID(),
		IssuedAt:            issuedAt,
		ExpiresAt:           issuedAt.Add(codeTTL),
	}
}

// token returns a new token of kind for p, issued at issuedAt, in no family and unpaired.
func (p party) token(kind store.TokenKind, issuedAt time.Time) store.Token {
	ttl := accessTTL
	if kind == store.KindRefresh {
		ttl = refreshTTL
	}
	return store.Token{
		Hash:           newHash(),
		ID:             newID(),
		Kind:           kind,
		ClientID:       p.client.ID,
		AccountID:      p.account.ID,
		OrganizationID: p.org.ID,
		Scopes:         []string{"chats--all:ro", "agents--my:rw"},
		IssuedAt:       issuedAt,
		ExpiresAt:      issuedAt.Add(ttl),
	}
}

// pair returns a new access token and the refresh token it is paired with, in family.
func (p party) pair(family string, issuedAt time.Time) (access, refresh store.Token) {
	access = p.token(store.KindAccess, issuedAt)
	refresh = p.token(store.KindRefresh, issuedAt)
	access.FamilyID, refresh.FamilyID = family, family
	access.RefreshID = refresh.ID
	return access, refresh
}

func (p party) session(createdAt time.Time) store.Session {
	return store.Session{
		Hash:      newHash(),
		AccountID: p.account.ID,
		CreatedAt: createdAt,
		ExpiresAt: createdAt.Add(sessionTTL),
	}
}

// issue issues tokens at now with no limits and no rotation, and stops the test on error.
func issue(t *testing.T, s store.Parts, now time.Time, tokens ...store.Token) {
	t.Helper()
	must(t, "IssueTokens", s.IssueTokens(t.Context(), now, store.Issue{Tokens: tokens}))
}

// exists reports whether Token finds tok at now.
func exists(t *testing.T, s store.Parts, tok store.Token, now time.Time) bool {
	t.Helper()
	_, err := s.Token(t.Context(), tok.Hash, now)
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		return false
	default:
		t.Fatalf("Token(%s %s): unexpected error: %v", tok.Kind, tok.ID, err)
		return false
	}
}

// wantPresent reports every token of toks that Token does not find at now.
func wantPresent(t *testing.T, s store.Parts, now time.Time, what string, toks ...store.Token) {
	t.Helper()
	for _, tok := range toks {
		if !exists(t, s, tok, now) {
			t.Errorf("%s: %s token %s (issued %s) is missing, want it kept",
				what, tok.Kind, tok.ID, tok.IssuedAt.Format(time.TimeOnly))
		}
	}
}

// wantAbsent reports every token of toks that Token finds at now.
func wantAbsent(t *testing.T, s store.Parts, now time.Time, what string, toks ...store.Token) {
	t.Helper()
	for _, tok := range toks {
		if exists(t, s, tok, now) {
			t.Errorf("%s: %s token %s (issued %s) is present, want it gone",
				what, tok.Kind, tok.ID, tok.IssuedAt.Format(time.TimeOnly))
		}
	}
}
