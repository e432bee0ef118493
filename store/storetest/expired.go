package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// RunExpiredDeleter checks the optional store.ExpiredDeleter capability: call it from a
// backend's tests when the backend implements it. DeleteExpired(ctx, now) must remove
// exactly the codes, tokens and sessions that have expired at now (ExpiresAt not after
// now), report how many, and leave everything else as it was. Removal is checked with
// lookups at an instant before anything expired, so a record merely hidden by its expiry
// does not pass for a deleted one.
func RunExpiredDeleter(t *testing.T, newStorage func(t *testing.T) store.Storage) {
	t.Helper()
	cases := []struct {
		name, rule string
		run        func(t *testing.T, s store.Storage, d store.ExpiredDeleter)
	}{
		{"DeletesExpired", "DeleteExpired removes every code (consumed or not), token (of every kind, " +
			"rotated refresh tokens included) and session whose ExpiresAt is not after now, returns how " +
			"many, keeps every other one unchanged, and a second call returns 0.", expiredDeletes},
		{"OnlyExpired", "DeleteExpired removes no unexpired token because of an expired one: the access " +
			"token paired with an expired refresh token, and the tokens issued by rotating an expired " +
			"refresh token, stay.", expiredOnlyExpired},
		{"KeepsOtherRecords", "DeleteExpired touches no organization, account, client that does not expire " +
			"when unused, grant of such a client or customer, and returns 0 when nothing has expired.", expiredKeepsOthers},
		{"UnusedClients", "DeleteExpired removes, with its grants, a client whose UnusedLifetime has passed " +
			"since the latest of its CreatedAt, UpdatedAt, UsedAt and the expiry of its stored codes and tokens; " +
			"keeps it while that has not passed (an unexpired token or code keeps it), moving UsedAt to the " +
			"expiry of its expired codes and tokens that it removes; never removes a client without an " +
			"UnusedLifetime; and counts every client and grant it removes.", expiredUnusedClients},
		{"UnusedClientCode", "An unexpired authorization code keeps a client that expires when unused, until " +
			"the code's expiry plus its UnusedLifetime.", expiredUnusedClientCode},
		{"NotPublished", "Expired tokens that DeleteExpired removes are no revocation: a " +
			"store.RevocationPublisher does not publish them.", expiredNotPublished},
	}
	for _, c := range cases {
		t.Run("ExpiredDeleter/"+c.name, func(t *testing.T) {
			s := newStorage(t)
			d, ok := s.(store.ExpiredDeleter)
			if !ok {
				t.Fatal("the storage does not implement store.ExpiredDeleter")
			}
			defer func() {
				if t.Failed() {
					t.Logf("rule: %s", c.rule)
				}
			}()
			c.run(t, s, d)
		})
	}
}

// Instants of the ExpiredDeleter tests: records are issued at base and DeleteExpired runs
// at expNow. Every record is live at base, where the lookups that prove a deletion look.
var (
	expNow    = base.Add(2 * time.Hour)
	expPast   = expNow.Add(-time.Hour)     // expired
	expAtNow  = expNow                     // expired: ExpiresAt is not after now
	expSoon   = expNow.Add(time.Second)    // not expired
	expLater  = expNow.Add(24 * time.Hour) // not expired
	expRotate = base.Add(time.Minute)      // when refresh tokens are rotated
)

// expiredSet is what the ExpiredDeleter tests stored, as it should now be stored.
type expiredSet struct {
	codes    []store.AuthorizationCode
	tokens   []store.Token
	sessions []store.Session
}

func (x expiredSet) count() int { return len(x.codes) + len(x.tokens) + len(x.sessions) }

// deleteExpired calls DeleteExpired at now and checks it removed want records.
func deleteExpired(t *testing.T, d store.ExpiredDeleter, now time.Time, want int) {
	t.Helper()
	n, err := d.DeleteExpired(t.Context(), now)
	must(t, "DeleteExpired", err)
	if n != want {
		t.Errorf("DeleteExpired(%s) = %d, want %d", now.Format(time.TimeOnly), n, want)
	}
}

// wantStored checks that every record of x is stored as x says, and wantDeleted that none
// is stored at all; both look at base, before anything expired.
func wantStored(t *testing.T, s store.Parts, what string, x expiredSet) {
	t.Helper()
	ctx := t.Context()
	for _, want := range x.codes {
		got, err := s.Code(ctx, want.Hash, base)
		must(t, what+": Code(expiring "+want.ExpiresAt.Format(time.TimeOnly)+")", err)
		checkEqual(t, what+": Code", want, got)
	}
	for _, want := range x.tokens {
		label := fmt.Sprintf("%s: %s token expiring %s", what, want.Kind, want.ExpiresAt.Format(time.TimeOnly))
		got, err := s.Token(ctx, want.Hash, base)
		must(t, label+": Token", err)
		checkEqual(t, label, want, got)
		got, err = s.TokenByID(ctx, want.ID, base)
		must(t, label+": TokenByID", err)
		checkEqual(t, label+" (by ID)", want, got)
	}
	for _, want := range x.sessions {
		got, err := s.Session(ctx, want.Hash, base)
		must(t, what+": Session(expiring "+want.ExpiresAt.Format(time.TimeOnly)+")", err)
		checkEqual(t, what+": Session", want, got)
	}
}

func wantDeleted(t *testing.T, s store.Parts, what string, x expiredSet) {
	t.Helper()
	ctx := t.Context()
	for _, c := range x.codes {
		_, err := s.Code(ctx, c.Hash, base)
		wantErr(t, what+": Code(expiring "+c.ExpiresAt.Format(time.TimeOnly)+")", err, store.ErrNotFound)
	}
	for _, tok := range x.tokens {
		label := fmt.Sprintf("%s: %s token expiring %s", what, tok.Kind, tok.ExpiresAt.Format(time.TimeOnly))
		_, err := s.Token(ctx, tok.Hash, base)
		wantErr(t, label+": Token", err, store.ErrNotFound)
		_, err = s.TokenByID(ctx, tok.ID, base)
		wantErr(t, label+": TokenByID", err, store.ErrNotFound)
	}
	for _, ss := range x.sessions {
		_, err := s.Session(ctx, ss.Hash, base)
		wantErr(t, what+": Session(expiring "+ss.ExpiresAt.Format(time.TimeOnly)+")", err, store.ErrNotFound)
	}
}

// storeExpiring stores, for p, codes, tokens of every kind and sessions, some expired at
// expNow and some not, and returns them split so.
func storeExpiring(t *testing.T, s store.Parts, p party) (expired, kept expiredSet) {
	t.Helper()
	ctx := t.Context()
	// Codes, two of them consumed.
	for i, exp := range []time.Time{expPast, expAtNow, expSoon, expLater, expPast, expLater} {
		c := p.code(base)
		c.ExpiresAt = exp
		must(t, "CreateCode", s.CreateCode(ctx, c))
		if consumed := i >= 4; consumed {
			// Redeemed for a token that outlives every expiry here.
			tok := p.token(store.KindAccess, expRotate)
			tok.FamilyID, tok.ExpiresAt = c.FamilyID, expLater
			must(t, "IssueTokens(ConsumeCode)", s.IssueTokens(ctx, expRotate, store.Issue{Tokens: []store.Token{tok}, ConsumeCode: c.Hash}))
			c.ConsumedAt = expRotate
			kept.tokens = append(kept.tokens, tok)
		}
		if exp.After(expNow) {
			kept.codes = append(kept.codes, c)
		} else {
			expired.codes = append(expired.codes, c)
		}
	}
	// Tokens of every kind, expired and not.
	cust := newCustomer(p)
	must(t, "CreateCustomer", s.CreateCustomer(ctx, cust))
	var tokens []store.Token
	for _, exp := range []time.Time{expPast, expAtNow, expSoon, expLater} {
		for _, kind := range []store.TokenKind{store.KindAccess, store.KindRefresh, store.KindPersonal, store.KindCustomer} {
			tok := p.token(kind, base)
			tok.ExpiresAt = exp
			switch kind {
			case store.KindPersonal:
				tok.Name = "ci"
			case store.KindCustomer:
				tok.CustomerID = cust.ID
			}
			tokens = append(tokens, tok)
		}
	}
	issue(t, s, base, tokens...)
	for _, tok := range tokens {
		if tok.ExpiresAt.After(expNow) {
			kept.tokens = append(kept.tokens, tok)
		} else {
			expired.tokens = append(expired.tokens, tok)
		}
	}
	// Sessions.
	for _, exp := range []time.Time{expPast, expAtNow, expSoon, expLater} {
		ss := p.session(base)
		ss.ExpiresAt = exp
		must(t, "CreateSession", s.CreateSession(ctx, ss))
		if exp.After(expNow) {
			kept.sessions = append(kept.sessions, ss)
		} else {
			expired.sessions = append(expired.sessions, ss)
		}
	}
	// Refresh tokens rotated before expNow, one expired by then and one not.
	for _, exp := range []time.Time{expPast, expLater} {
		access, refresh := p.pair(newID(), base)
		access.ExpiresAt, refresh.ExpiresAt = exp, exp
		issue(t, s, base, access, refresh)
		a1, r1 := p.rotation(refresh, expRotate)
		must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, expRotate, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: refresh.ID}))
		refresh.RotatedAt = expRotate
		kept.tokens = append(kept.tokens, a1, r1)
		if exp.After(expNow) {
			kept.tokens = append(kept.tokens, access, refresh)
		} else {
			expired.tokens = append(expired.tokens, access, refresh)
		}
	}
	return expired, kept
}

func expiredDeletes(t *testing.T, st store.Storage, d store.ExpiredDeleter) {
	s := store.PartsOf(st)
	p := newParty(t, s)
	expired, kept := storeExpiring(t, s, p)
	wantStored(t, s, "before DeleteExpired", expired)

	deleteExpired(t, d, expNow, expired.count())
	wantDeleted(t, s, "expired", expired)
	wantStored(t, s, "not expired", kept)
	pats, err := s.AccountTokens(t.Context(), p.account.ID, store.KindPersonal, base)
	must(t, "AccountTokens", err)
	if len(pats) != 2 {
		t.Errorf("AccountTokens(personal) at %s lists %d tokens, want the 2 unexpired ones", base.Format(time.TimeOnly), len(pats))
	}

	deleteExpired(t, d, expNow, 0)
	wantStored(t, s, "after a second DeleteExpired", kept)

	// Later, everything has expired.
	deleteExpired(t, d, expLater.Add(refreshTTL), kept.count())
	wantDeleted(t, s, "after DeleteExpired past every expiry", kept)
}

func expiredOnlyExpired(t *testing.T, st store.Storage, d store.ExpiredDeleter) {
	s := store.PartsOf(st)
	p := newParty(t, s)
	// An expired refresh token whose paired access token (issued later, by a refresh)
	// outlives it.
	family := newID()
	refresh := p.token(store.KindRefresh, base)
	refresh.FamilyID, refresh.ExpiresAt = family, expPast
	access := p.token(store.KindAccess, base)
	access.FamilyID, access.RefreshID, access.FromRefresh, access.ExpiresAt = family, refresh.ID, true, expLater
	issue(t, s, base, refresh, access)
	// An expired refresh token rotated into a pair that outlives it.
	old := p.token(store.KindRefresh, base)
	old.FamilyID, old.ExpiresAt = newID(), expAtNow
	issue(t, s, base, old)
	a1, r1 := p.rotation(old, expRotate)
	must(t, "IssueTokens(rotate)", s.IssueTokens(t.Context(), expRotate, store.Issue{Tokens: []store.Token{a1, r1}, RotateID: old.ID}))
	old.RotatedAt = expRotate

	deleteExpired(t, d, expNow, 2)
	wantDeleted(t, s, "expired", expiredSet{tokens: []store.Token{refresh, old}})
	wantStored(t, s, "unexpired, paired with or issued from an expired token", expiredSet{tokens: []store.Token{access, a1, r1}})
}

func expiredKeepsOthers(t *testing.T, st store.Storage, d store.ExpiredDeleter) {
	s := store.PartsOf(st)
	ctx := t.Context()
	deleteExpired(t, d, expNow, 0) // empty
	p := newParty(t, s)
	cust := newCustomer(p)
	must(t, "CreateCustomer", s.CreateCustomer(ctx, cust))
	g := store.Grant{AccountID: p.account.ID, ClientID: p.client.ID, Scopes: []string{"chats--all:ro"},
		ClientScopes: p.client.Scopes, CreatedAt: base, UpdatedAt: base}
	must(t, "PutGrant", s.PutGrant(ctx, g))
	live := expiredSet{tokens: []store.Token{p.token(store.KindPersonal, expNow)}, sessions: []store.Session{p.session(expNow)}}
	issue(t, s, expNow, live.tokens...)
	must(t, "CreateSession", s.CreateSession(ctx, live.sessions[0]))

	deleteExpired(t, d, expNow, 0) // nothing expired
	// Far in the future, every code, token and session has expired, nothing else has.
	deleteExpired(t, d, expNow.Add(2*365*24*time.Hour), 2)

	o, err := s.Organization(ctx, p.org.ID)
	must(t, "Organization", err)
	checkEqual(t, "Organization", p.org, o)
	a, err := s.Account(ctx, p.account.ID)
	must(t, "Account", err)
	checkEqual(t, "Account", p.account, a)
	c, err := s.Client(ctx, p.client.ID)
	must(t, "Client", err)
	checkEqual(t, "Client", p.client, c)
	gotGrant, err := s.Grant(ctx, g.AccountID, g.ClientID)
	must(t, "Grant", err)
	checkEqual(t, "Grant", g, gotGrant)
	gotCust, err := s.Customer(ctx, cust.ID)
	must(t, "Customer", err)
	checkEqual(t, "Customer", cust, gotCust)
}

func expiredNotPublished(t *testing.T, st store.Storage, d store.ExpiredDeleter) {
	s := store.PartsOf(st)
	p := newParty(t, s)
	expired, _ := storeExpiring(t, s, p)
	var mu sync.Mutex
	var got []string
	if pub, ok := st.(store.RevocationPublisher); ok {
		defer pub.SubscribeRevocations(func(ids []string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, ids...)
		})()
	} else {
		t.Log("the storage does not implement store.RevocationPublisher: nothing can be published")
	}
	deleteExpired(t, d, expNow, expired.count())
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 0 {
		t.Errorf("DeleteExpired published %d expired token IDs as revocations: %v", len(got), got)
	}
}
