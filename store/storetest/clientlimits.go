package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// Tokens that act for no account and no customer (client_credentials) are outside Limits and
// Caps; ClientLimits caps them per client, by the same rules.
var clientLimitTests = []test{
	{"LimitIgnoresClientTokens", "Limits and Caps count only tokens of an account or a customer: " +
		"a client's tokens of neither are never counted, evicted or refused by them, and do not " +
		"count toward the client's account groups.", limitIgnoresClientTokens},
	{"ClientLimitEvictsOldest", "issuing limit+1 live tokens of a kind of no account and no " +
		"customer for one client, under ClientLimits, evicts the oldest by IssuedAt.",
		forClient(limitEvictsOldest)},
	{"ClientLimitPerClientKind", "ClientLimits counts and evicts, oldest IssuedAt first, only a " +
		"client's tokens of the kind with neither an account nor a customer: its account and " +
		"customer tokens, its tokens of other kinds and other clients' tokens are untouched.",
		clientLimitPerClient},
	{"ClientLimitUnlimited", "a kind absent from ClientLimits, or with a limit of 0 or less, is " +
		"unlimited.", forClient(limitUnlimited)},
	{"ClientLimitConcurrently", "40 goroutines each issuing one token of no account for one " +
		"client with a client limit of 5 all succeed and leave exactly 5 live.",
		forClient(limitConcurrently)},
	{"ClientLimitKeepsOwnTokens", "ClientLimits never evicts the tokens an issuance inserts: " +
		"into a full client group of tokens issued at T, one with IssuedAt T-1s keeps its own " +
		"token and evicts the oldest stored before it.", forClient(limitKeepsOwn)},
	{"ClientLimitKeepsOwnTokensConcurrently", "20 goroutines issuing at once into one full " +
		"client group, each a token older than every stored one, all succeed, and exactly one " +
		"of theirs survives beside the limit-1 newest stored.", forClient(limitKeepsOwnConcurrently)},
}

// clientToken returns a new token of kind that p's client holds for itself, as the
// client_credentials grant issues: no account, no customer.
func (p party) clientToken(kind store.TokenKind, issuedAt time.Time) store.Token {
	tok := p.token(kind, issuedAt)
	tok.AccountID = ""
	return tok
}

// clientLimited is the group of p's client's access tokens of no account, limited by
// ClientLimits.
func clientLimited(p party) limitedGroup {
	return limitedGroup{
		token: func(at time.Time) store.Token { return p.clientToken(store.KindAccess, at) },
		issue: func(limits map[store.TokenKind]int, toks ...store.Token) store.Issue {
			return store.Issue{Tokens: toks, ClientLimits: limits}
		},
	}
}

// forClient runs rule on the client group of a new party.
func forClient(rule func(t *testing.T, s store.Parts, g limitedGroup)) func(t *testing.T, s store.Parts) {
	return func(t *testing.T, s store.Parts) { rule(t, s, clientLimited(newParty(t, s))) }
}

func limitIgnoresClientTokens(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	const limit = 2
	limits := map[store.TokenKind]int{store.KindAccess: limit}
	caps := map[store.TokenKind]int{store.KindAccess: limit}

	// The client's own tokens, more than the limit and the cap, issued under both: a
	// backend that counts them as a group of Limits evicts or refuses some of them.
	var own []store.Token
	for i := range limit + 2 {
		at := base.Add(time.Duration(i) * time.Minute)
		tok := p.clientToken(store.KindAccess, at)
		must(t, "IssueTokens(a token of no account, under Limits and Caps)",
			s.IssueTokens(ctx, at, store.Issue{Tokens: []store.Token{tok}, Limits: limits, Caps: caps}))
		own = append(own, tok)
	}

	// The account's tokens, newer, one more than the limit: a backend that counts the
	// client's tokens with the account's evicts those instead, or too many of these.
	var mine []store.Token
	for i := range limit + 1 {
		at := base.Add(time.Duration(10+i) * time.Minute)
		tok := p.token(store.KindAccess, at)
		limited(t, s, at, limits, tok)
		mine = append(mine, tok)
	}
	now := base.Add(time.Hour)
	wantPresent(t, s, now, "the client's tokens of no account, issued under Limits and Caps", own...)
	wantAbsent(t, s, now, "the account's oldest token", mine[0])
	wantPresent(t, s, now, "the account's newer tokens", mine[1:]...)

	// The account's group is at its cap; the client's tokens of no account are still issued.
	must(t, "IssueTokens(a token of no account, the account's group at its cap)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{p.clientToken(store.KindAccess, now)}, Caps: caps}))
	wantErr(t, "IssueTokens(a token of the account, its group at its cap)",
		s.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{p.token(store.KindAccess, now)}, Caps: caps}),
		store.ErrLimitReached)
}

func clientLimitPerClient(t *testing.T, s store.Parts) {
	p := newParty(t, s)
	other := p.withClient(t, s)
	cust := putCustomer(t, s, p)
	const limit = 2

	// Older tokens, at the limit in every other group: a backend that groups wrongly counts
	// them with the client's access tokens of no account and evicts them first.
	var others []store.Token
	for i := range limit {
		at := base.Add(time.Duration(i) * time.Minute)
		others = append(others,
			p.token(store.KindAccess, at),           // the client's, for an account
			p.customerToken(cust, at),               // the client's, for a customer
			p.clientToken(store.KindRefresh, at),    // the client's, of another kind
			other.clientToken(store.KindAccess, at), // another client's
		)
	}
	issue(t, s, base.Add(time.Minute), others...)

	// Inserted newest first: eviction goes by IssuedAt, not by insertion.
	newer := p.clientToken(store.KindAccess, base.Add(11*time.Minute))
	older := p.clientToken(store.KindAccess, base.Add(10*time.Minute))
	issue(t, s, base.Add(11*time.Minute), newer)
	issue(t, s, base.Add(11*time.Minute), older)
	limits := map[store.TokenKind]int{store.KindAccess: limit}
	at := base.Add(12 * time.Minute)
	latest := p.clientToken(store.KindAccess, at)
	must(t, "IssueTokens(ClientLimits)", s.IssueTokens(t.Context(), at, store.Issue{
		Tokens: []store.Token{latest}, ClientLimits: limits,
	}))
	now := base.Add(time.Hour)
	wantAbsent(t, s, now, "the client's oldest access token of no account", older)
	wantPresent(t, s, now, "the client's newer access tokens of no account", newer, latest)
	wantPresent(t, s, now, "tokens of accounts, customers, other kinds and other clients", others...)
}
