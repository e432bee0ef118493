package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// DirectoriesUnderTest is what [RunDirectories] checks: a complete storage with the
// optional capabilities of a developer console.
type DirectoriesUnderTest interface {
	store.Storage
	store.ClientDirectory
	store.GrantDirectory
	store.AccountDirectory
	store.TokenAdmin
}

// RunDirectories checks the optional capabilities a developer console (package
// flows/console) needs — [store.ClientDirectory], [store.GrantDirectory],
// [store.AccountDirectory] and [store.TokenAdmin.RevokeClientTokens] — and that Clients keeps the fields
// the console writes (OwnerID, the previous secret and its expiry): call it from a
// backend's tests when the backend implements them. Each subtest gets a new storage from
// newStorage; its name is "<Interface>/<Rule>", and a failure logs the rule.
func RunDirectories(t *testing.T, newStorage func(t *testing.T) DirectoriesUnderTest) {
	t.Helper()
	for _, c := range directoryTests {
		t.Run(c.name, func(t *testing.T) {
			s := newStorage(t)
			defer func() {
				if t.Failed() {
					t.Logf("rule: %s", c.rule)
				}
			}()
			c.run(t, s)
		})
	}
}

var directoryTests = []struct {
	name, rule string
	run        func(t *testing.T, s DirectoriesUnderTest)
}{
	{"Clients/ConsoleFields", "PutClient stores OwnerID, PreviousSecretHash and PreviousSecretExpiresAt, " +
		"Client returns them, and a replacement without them clears them.", dirConsoleFields},
	{"ClientDirectory/ByOwner", "ClientsByOwner returns exactly the owner's clients, by ID, whole; " +
		"an empty owner has none.", dirByOwner},
	{"ClientDirectory/ByOrganization", "ClientsByOrganization returns exactly the clients private to " +
		"the organization, by ID; an empty organization has none.", dirByOrganization},
	{"ClientDirectory/Pages", "ClientsByOwner returns at most limit clients with an ID greater than " +
		"after, so that pages taken after the last ID of the one before list every client once; " +
		"limit ≤ 0 returns none.", dirClientPages},
	{"ClientDirectory/NoAliasing", "Mutating a client returned by ClientsByOwner does not change the " +
		"stored client.", dirClientNoAliasing},
	{"GrantDirectory/AccountGrants", "AccountGrants returns exactly the account's grants, by ClientID, " +
		"in pages after the last ClientID; an empty account has none.", dirAccountGrants},
	{"AccountDirectory/OrganizationAccounts", "OrganizationAccounts returns exactly the " +
		"organization's accounts, by ID, in pages after the last ID; an empty organization has none.",
		dirOrganizationAccounts},
	{"Lookups/HostileListKeys", "The lists answer keys taken from requests — invalid UTF-8, NUL " +
		"bytes, very long strings — with nothing, never a backend error; RevokeClientTokens " +
		"removes nothing for them.", dirHostile},
	{"RevokeClientTokens/OneAccount", "RevokeClientTokens(client, account) removes every token of the " +
		"(account, client), rotated and expired ones included, the tokens of their families (minted " +
		"customer tokens), and every code of the (account, client), consumed or not; it returns how " +
		"many tokens it removed and leaves other accounts', other clients' and personal tokens.",
		dirRevokeOneAccount},
	{"RevokeClientTokens/AllAccounts", "RevokeClientTokens(client, \"\") removes every token of the " +
		"client, whatever the account (client_credentials and customer tokens too), the tokens of " +
		"their families and every code of the client; other clients' tokens and codes stay.",
		dirRevokeAllAccounts},
	{"RevokeClientTokens/EmptyClient", "RevokeClientTokens with an empty client removes nothing: " +
		"personal access tokens, which have no client, stay.", dirRevokeEmptyClient},
	{"RevokeClientTokens/RedeemRace", "An issuance redeeming a code of the (account, client) racing " +
		"with RevokeClientTokens either fails with ErrNotFound or commits first and loses its " +
		"tokens: afterwards no token of the code is live.", dirRevokeRedeemRace},
	{"RevokeClientTokens/Published", "A backend that is a store.RevocationPublisher publishes the IDs of " +
		"the tokens RevokeClientTokens removed.", dirRevokePublished},
}

// parts returns s as the Parts of the kit's helpers.
func parts(s DirectoriesUnderTest) store.Parts { return store.PartsOf(s) }

func dirConsoleFields(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	c := newClient("")
	c.OwnerID = newID()
	c.PreviousSecretHash = newHash()
	c.PreviousSecretExpiresAt = base.Add(24 * time.Hour)
	must(t, "PutClient", s.PutClient(ctx, c))
	got, err := s.Client(ctx, c.ID)
	must(t, "Client", err)
	checkEqual(t, "Client", c, got)

	c.PreviousSecretHash, c.PreviousSecretExpiresAt, c.OwnerID = store.Hash{}, time.Time{}, ""
	must(t, "PutClient (replace)", s.PutClient(ctx, c))
	got, err = s.Client(ctx, c.ID)
	must(t, "Client", err)
	checkEqual(t, "Client after clearing the console fields", c, got)
	if !got.PreviousSecretExpiresAt.IsZero() || !got.PreviousSecretHash.IsZero() {
		t.Errorf("the cleared previous secret came back: %v, %v", got.PreviousSecretHash, got.PreviousSecretExpiresAt)
	}
}

// putClients stores n clients, each changed by f(i, &c) first, and returns them by ID.
func putClients(t *testing.T, s DirectoriesUnderTest, n int, f func(i int, c *store.Client)) []store.Client {
	t.Helper()
	var out []store.Client
	for i := range n {
		c := newClient("")
		f(i, &c)
		must(t, "PutClient", s.PutClient(t.Context(), c))
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b store.Client) int { return compareStrings(a.ID, b.ID) })
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func dirByOwner(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	owner, other := newID(), newID()
	mine := putClients(t, s, 3, func(i int, c *store.Client) {
		c.OwnerID = owner
		c.PreviousSecretHash, c.PreviousSecretExpiresAt = newHash(), base.Add(time.Hour)
	})
	putClients(t, s, 2, func(i int, c *store.Client) { c.OwnerID = other })
	putClients(t, s, 1, func(int, *store.Client) {})
	got, err := s.ClientsByOwner(ctx, owner, "", 100)
	must(t, "ClientsByOwner", err)
	checkEqual(t, "ClientsByOwner", mine, got)
	got, err = s.ClientsByOwner(ctx, "", "", 100)
	must(t, "ClientsByOwner(\"\")", err)
	checkEqual(t, "ClientsByOwner(\"\")", nil, got)
}

func dirByOrganization(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	o, other := putOrganization(t, parts(s)), putOrganization(t, parts(s))
	private := putClients(t, s, 3, func(i int, c *store.Client) { c.OrganizationID = o.ID })
	putClients(t, s, 2, func(i int, c *store.Client) { c.OrganizationID = other.ID })
	putClients(t, s, 1, func(int, *store.Client) {})
	got, err := s.ClientsByOrganization(ctx, o.ID, "", 100)
	must(t, "ClientsByOrganization", err)
	checkEqual(t, "ClientsByOrganization", private, got)
	got, err = s.ClientsByOrganization(ctx, "", "", 100)
	must(t, "ClientsByOrganization(\"\")", err)
	checkEqual(t, "ClientsByOrganization(\"\")", nil, got)
}

func dirClientPages(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	owner := newID()
	all := putClients(t, s, 5, func(i int, c *store.Client) { c.OwnerID = owner })
	var seen []store.Client
	after := ""
	for range 4 {
		page, err := s.ClientsByOwner(ctx, owner, after, 2)
		must(t, "ClientsByOwner(page)", err)
		if len(page) > 2 {
			t.Fatalf("a page of limit 2 holds %d clients", len(page))
		}
		if len(page) == 0 {
			break
		}
		seen = append(seen, page...)
		after = page[len(page)-1].ID
	}
	checkEqual(t, "every page", all, seen)
	got, err := s.ClientsByOwner(ctx, owner, all[1].ID, 100)
	must(t, "ClientsByOwner(after)", err)
	checkEqual(t, "ClientsByOwner after the second ID", all[2:], got)
	for _, limit := range []int{0, -1} {
		got, err := s.ClientsByOwner(ctx, owner, "", limit)
		must(t, "ClientsByOwner(limit ≤ 0)", err)
		checkEqual(t, fmt.Sprintf("ClientsByOwner(limit %d)", limit), nil, got)
	}
}

func dirClientNoAliasing(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	owner := newID()
	want := putClients(t, s, 1, func(i int, c *store.Client) { c.OwnerID = owner })
	got, err := s.ClientsByOwner(ctx, owner, "", 10)
	must(t, "ClientsByOwner", err)
	if len(got) != 1 {
		t.Fatalf("ClientsByOwner returned %d clients, want 1", len(got))
	}
	got[0].RedirectURIs[0] = "https://evil.example/mutated"
	got[0].Scopes[0] = "mutated"
	stored, err := s.Client(ctx, want[0].ID)
	must(t, "Client", err)
	checkEqual(t, "stored client after mutating a listed one", want[0], stored)
}

func dirAccountGrants(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	p := newParty(t, parts(s))
	var mine []store.Grant
	for range 3 {
		g := newGrant(p.withClient(t, parts(s)))
		must(t, "PutGrant", s.PutGrant(ctx, g))
		mine = append(mine, g)
	}
	slices.SortFunc(mine, func(a, b store.Grant) int { return compareStrings(a.ClientID, b.ClientID) })
	other := newGrant(p.withAccount(t, parts(s)))
	must(t, "PutGrant(other account)", s.PutGrant(ctx, other))

	got, err := s.AccountGrants(ctx, p.account.ID, "", 100)
	must(t, "AccountGrants", err)
	checkEqual(t, "AccountGrants", mine, got)
	got, err = s.AccountGrants(ctx, p.account.ID, "", 2)
	must(t, "AccountGrants(limit 2)", err)
	checkEqual(t, "AccountGrants(limit 2)", mine[:2], got)
	got, err = s.AccountGrants(ctx, p.account.ID, mine[1].ClientID, 2)
	must(t, "AccountGrants(next page)", err)
	checkEqual(t, "AccountGrants(next page)", mine[2:], got)
	got, err = s.AccountGrants(ctx, "", "", 100)
	must(t, "AccountGrants(\"\")", err)
	checkEqual(t, "AccountGrants(\"\")", nil, got)

	got, err = s.AccountGrants(ctx, p.account.ID, "", 1)
	must(t, "AccountGrants", err)
	got[0].Scopes[0] = "mutated"
	stored, err := s.Grant(ctx, mine[0].AccountID, mine[0].ClientID)
	must(t, "Grant", err)
	checkEqual(t, "stored grant after mutating a listed one", mine[0], stored)
}

func dirOrganizationAccounts(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	o, other := putOrganization(t, parts(s)), putOrganization(t, parts(s))
	var mine []store.Account
	for range 3 {
		mine = append(mine, putAccount(t, parts(s), o.ID))
	}
	slices.SortFunc(mine, func(a, b store.Account) int { return compareStrings(a.ID, b.ID) })
	putAccount(t, parts(s), other.ID)

	got, err := s.OrganizationAccounts(ctx, o.ID, "", 100)
	must(t, "OrganizationAccounts", err)
	checkEqual(t, "OrganizationAccounts", mine, got)
	got, err = s.OrganizationAccounts(ctx, o.ID, "", 2)
	must(t, "OrganizationAccounts(limit 2)", err)
	checkEqual(t, "OrganizationAccounts(limit 2)", mine[:2], got)
	got, err = s.OrganizationAccounts(ctx, o.ID, mine[1].ID, 2)
	must(t, "OrganizationAccounts(next page)", err)
	checkEqual(t, "OrganizationAccounts(next page)", mine[2:], got)
	got, err = s.OrganizationAccounts(ctx, "", "", 100)
	must(t, "OrganizationAccounts(\"\")", err)
	checkEqual(t, "OrganizationAccounts(\"\")", nil, got)

	got, err = s.OrganizationAccounts(ctx, o.ID, "", 1)
	must(t, "OrganizationAccounts", err)
	got[0].Roles[0] = "mutated"
	stored, err := s.Account(ctx, mine[0].ID)
	must(t, "Account", err)
	checkEqual(t, "stored account after mutating a listed one", mine[0], stored)
}

func dirHostile(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	p := newParty(t, parts(s))
	pat := p.personal(base)
	issue(t, parts(s), base, p.token(store.KindAccess, base), pat)
	long := string(make([]byte, 10000))
	for _, key := range []string{"\xff\xfe", "a\x00b", "\x00", "caf\xc3", long} {
		cs, err := s.ClientsByOwner(ctx, key, key, 10)
		must(t, "ClientsByOwner(hostile)", err)
		checkEqual(t, "ClientsByOwner(hostile)", nil, cs)
		cs, err = s.ClientsByOrganization(ctx, key, "", 10)
		must(t, "ClientsByOrganization(hostile)", err)
		checkEqual(t, "ClientsByOrganization(hostile)", nil, cs)
		gs, err := s.AccountGrants(ctx, key, key, 10)
		must(t, "AccountGrants(hostile)", err)
		checkEqual(t, "AccountGrants(hostile)", nil, gs)
		as, err := s.OrganizationAccounts(ctx, key, "", 10)
		must(t, "OrganizationAccounts(hostile)", err)
		checkEqual(t, "OrganizationAccounts(hostile)", nil, as)
		n, err := s.RevokeClientTokens(ctx, key, key)
		must(t, "RevokeClientTokens(hostile)", err)
		if n != 0 {
			t.Errorf("RevokeClientTokens(hostile) = %d, want 0", n)
		}
	}
	wantPresent(t, parts(s), base.Add(time.Minute), "after hostile revocations", pat)
}

// clientFixture is what the RevokeClientTokens tests revoke and keep: p's (account, client)
// holds a pair, a rotated refresh token with its successor, an expired access token, a
// customer token minted in the pair's family, and a consumed and an unconsumed code.
type clientFixture struct {
	gone, kept           []store.Token
	goneCodes, keptCodes []store.AuthorizationCode
}

func (f *clientFixture) add(t *testing.T, s DirectoriesUnderTest, p party, gone bool) {
	t.Helper()
	ctx := t.Context()
	ps := parts(s)
	access, refresh := p.pair(newID(), base)
	expired := p.token(store.KindAccess, base)
	expired.ExpiresAt = base.Add(time.Minute)
	cust := putCustomer(t, ps, p)
	minted := p.customerToken(cust, base)
	minted.FamilyID = access.FamilyID
	issue(t, ps, base, access, refresh, expired, minted)
	now := base.Add(time.Hour)
	a1, r1 := p.rotation(refresh, now)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh.ID}))
	consumed, open := p.code(now), p.code(now)
	must(t, "CreateCode", s.CreateCode(ctx, consumed))
	must(t, "CreateCode", s.CreateCode(ctx, open))
	redeemed := p.codePair(consumed, now)
	must(t, "IssueTokens(redeem)", s.IssueTokens(ctx, now, store.Issue{Tokens: redeemed, ConsumeCode: consumed.Hash}))
	toks := append([]store.Token{access, refresh, expired, minted, a1, r1}, redeemed...)
	if gone {
		f.gone = append(f.gone, toks...)
		f.goneCodes = append(f.goneCodes, consumed, open)
	} else {
		f.kept = append(f.kept, toks...)
		f.keptCodes = append(f.keptCodes, consumed, open)
	}
}

// check verifies f after a RevokeClientTokens that returned n.
func (f *clientFixture) check(t *testing.T, s DirectoriesUnderTest, n int) {
	t.Helper()
	if n != len(f.gone) {
		t.Errorf("RevokeClientTokens = %d, want %d", n, len(f.gone))
	}
	// Looked up at base plus a second, when every token was live (the expired one too), so
	// that a token merely hidden by its expiry does not pass for a removed one; the rotated
	// ones by ID, since Token finds them too.
	at := base.Add(time.Second)
	for _, tok := range f.gone {
		if _, err := s.TokenByID(t.Context(), tok.ID, at); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s token %s survived RevokeClientTokens (err %v)", tok.Kind, tok.ID, err)
		}
	}
	for _, tok := range f.kept {
		if _, err := s.TokenByID(t.Context(), tok.ID, at); err != nil {
			t.Errorf("%s token %s was removed, want it kept: %v", tok.Kind, tok.ID, err)
		}
	}
	codeAt := base.Add(time.Hour + time.Second)
	for _, c := range f.goneCodes {
		_, err := s.Code(t.Context(), c.Hash, codeAt)
		wantErr(t, "Code(revoked client)", err, store.ErrNotFound)
	}
	for _, c := range f.keptCodes {
		_, err := s.Code(t.Context(), c.Hash, codeAt)
		must(t, "Code(kept)", err)
	}
}

func dirRevokeOneAccount(t *testing.T, s DirectoriesUnderTest) {
	ps := parts(s)
	p := newParty(t, ps)
	var f clientFixture
	f.add(t, s, p, true)
	f.add(t, s, p.withAccount(t, ps), false)
	f.add(t, s, p.withClient(t, ps), false)
	pat := p.personal(base)
	issue(t, ps, base, pat)
	f.kept = append(f.kept, pat)
	n, err := s.RevokeClientTokens(t.Context(), p.client.ID, p.account.ID)
	must(t, "RevokeClientTokens", err)
	f.check(t, s, n)
}

func dirRevokeAllAccounts(t *testing.T, s DirectoriesUnderTest) {
	ps := parts(s)
	p := newParty(t, ps)
	var f clientFixture
	f.add(t, s, p, true)
	f.add(t, s, p.withAccount(t, ps), true)
	f.add(t, s, p.withClient(t, ps), false)
	machine := p.token(store.KindAccess, base)
	machine.AccountID = ""
	unminted := p.customerToken(putCustomer(t, ps, p), base)
	pat := p.personal(base)
	issue(t, ps, base, machine, unminted, pat)
	f.gone = append(f.gone, machine, unminted)
	f.kept = append(f.kept, pat)
	n, err := s.RevokeClientTokens(t.Context(), p.client.ID, "")
	must(t, "RevokeClientTokens", err)
	f.check(t, s, n)
}

func dirRevokeEmptyClient(t *testing.T, s DirectoriesUnderTest) {
	ps := parts(s)
	p := newParty(t, ps)
	pat := p.personal(base)
	issue(t, ps, base, pat)
	n, err := s.RevokeClientTokens(t.Context(), "", "")
	must(t, "RevokeClientTokens(\"\", \"\")", err)
	if n != 0 {
		t.Errorf("RevokeClientTokens(\"\", \"\") = %d, want 0", n)
	}
	n, err = s.RevokeClientTokens(t.Context(), "", p.account.ID)
	must(t, "RevokeClientTokens(\"\", account)", err)
	if n != 0 {
		t.Errorf("RevokeClientTokens(\"\", account) = %d, want 0", n)
	}
	wantPresent(t, ps, base.Add(time.Minute), "a personal token", pat)
}

func dirRevokeRedeemRace(t *testing.T, s DirectoriesUnderTest) {
	ctx := t.Context()
	ps := parts(s)
	p := newParty(t, ps)
	now := base.Add(time.Minute)
	for i := range 10 {
		c := p.code(now)
		must(t, "CreateCode", s.CreateCode(ctx, c))
		toks := p.codePair(c, now)
		var issueErr, revokeErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			issueErr = s.IssueTokens(ctx, now, store.Issue{Tokens: toks, ConsumeCode: c.Hash, Limits: codeLimits})
		})
		wg.Go(func() {
			<-start
			_, revokeErr = s.RevokeClientTokens(ctx, p.client.ID, p.account.ID)
		})
		close(start)
		wg.Wait()
		must(t, "RevokeClientTokens", revokeErr)
		if issueErr != nil && !errors.Is(issueErr, store.ErrNotFound) {
			t.Fatalf("round %d: the racing issuance failed with %v, want nil or ErrNotFound", i, issueErr)
		}
		wantAbsent(t, ps, now.Add(time.Second), fmt.Sprintf("round %d: the racing code's tokens", i), toks...)
	}
}

func dirRevokePublished(t *testing.T, s DirectoriesUnderTest) {
	pub, ok := any(s).(store.RevocationPublisher)
	if !ok {
		return // nothing to publish
	}
	ps := parts(s)
	p := newParty(t, ps)
	var f clientFixture
	f.add(t, s, p, true)
	var mu sync.Mutex
	var published []string
	cancel := pub.SubscribeRevocations(func(ids []string) {
		mu.Lock()
		published = append(published, ids...)
		mu.Unlock()
	})
	defer cancel()
	n, err := s.RevokeClientTokens(t.Context(), p.client.ID, "")
	must(t, "RevokeClientTokens", err)
	f.check(t, s, n)
	mu.Lock()
	defer mu.Unlock()
	var want []string
	for _, tok := range f.gone {
		want = append(want, tok.ID)
	}
	slices.Sort(want)
	slices.Sort(published)
	checkEqual(t, "published IDs", want, published)
}
