package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var hostileTests = []test{
	{"HostileKeys", "Lookups by identifiers taken from requests — invalid UTF-8, NUL bytes, " +
		"very long strings — answer ErrNotFound, never a backend error (which the server would " +
		"report as temporarily_unavailable).", hostileKeys},
}

// hostileKeys checks the lookups by string of every part s has.
func hostileKeys(t *testing.T, s store.Parts) {
	ctx := t.Context()
	p := newParty(t, s)
	if s.Tokens != nil {
		issue(t, s, base, p.token(store.KindAccess, base))
	}
	long := string(make([]byte, 10000))
	for _, key := range []string{"\xff\xfe", "a\x00b", "\x00", "caf\xc3", long} {
		if s.Organizations != nil {
			_, err := s.Organization(ctx, key)
			wantErr(t, "Organization(hostile)", err, store.ErrNotFound)
		}
		if s.Accounts != nil {
			_, err := s.Account(ctx, key)
			wantErr(t, "Account(hostile)", err, store.ErrNotFound)
			_, err = s.AccountByLogin(ctx, key)
			wantErr(t, "AccountByLogin(hostile)", err, store.ErrNotFound)
		}
		if s.Clients != nil {
			_, err := s.Client(ctx, key)
			wantErr(t, "Client(hostile)", err, store.ErrNotFound)
		}
		if s.TokenAdmin != nil {
			_, err := s.TokenByID(ctx, key, base.Add(time.Minute))
			wantErr(t, "TokenByID(hostile)", err, store.ErrNotFound)
		}
		if s.Customers != nil {
			_, err := s.Customer(ctx, key)
			wantErr(t, "Customer(hostile)", err, store.ErrNotFound)
		}
		if s.Grants != nil {
			_, err := s.Grant(ctx, key, key)
			wantErr(t, "Grant(hostile)", err, store.ErrNotFound)
		}
	}
}
