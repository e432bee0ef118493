package middleware

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

func TestLocalValidate(t *testing.T) {
	// R-MW-2 local validator, R-PAT-2, R-CUST-2.
	f := newFixture(t)
	ctx := context.Background()
	access := f.issue(t, store.Token{ID: "at-1", Kind: store.KindAccess, Scopes: []string{"chats--all:rw", "chats--my:ro"}})
	refresh := f.issue(t, store.Token{ID: "rt-1", Kind: store.KindRefresh})
	pat := f.issue(t, store.Token{ID: "pat-1", Kind: store.KindPersonal, Name: "ci", Scopes: []string{"chats--my:ro"}})
	cust := f.issue(t, store.Token{ID: "ct-1", Kind: store.KindCustomer, AccountID: "", CustomerID: "cust-1", OrganizationID: testOrg})
	l := f.local(t, LocalOptions{})

	got, err := l.Validate(ctx, Credential{Token: access})
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	want := Info{ID: "at-1", Kind: store.KindAccess, ClientID: testClient, AccountID: testAccount,
		OrganizationID: testOrg, Scopes: scopes.New("chats--all:rw", "chats--my:ro"),
		IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	if diff := cmp.Diff(want, got, cmp.Comparer(scopes.Set.Equal)); diff != "" {
		t.Errorf("Info (-want +got):\n%s", diff)
	}

	tests := []struct {
		name     string
		cred     Credential
		wantErr  error
		wantKind store.TokenKind
	}{
		{"R-MW-2 refresh token refused", Credential{Token: refresh}, ErrInvalidToken, ""},
		{"R-MW-2 unknown token", Credential{Token: "oak:at_nothing"}, ErrInvalidToken, ""},
		{"R-PAT-2 PAT as bearer", Credential{Token: pat}, nil, store.KindPersonal},
		{"R-PAT-2 Basic with account ID", Credential{Token: pat, Username: testAccount, Basic: true}, nil, store.KindPersonal},
		{"R-PAT-2 Basic with login", Credential{Token: pat, Username: testLogin, Basic: true}, nil, store.KindPersonal},
		{"R-PAT-2 Basic with login, other case", Credential{Token: pat, Username: "Agent@Example.COM", Basic: true}, nil, store.KindPersonal},
		{"R-PAT-2 Basic with another user", Credential{Token: pat, Username: "8a1f0c8e-0000-4000-8000-000000000002", Basic: true}, ErrInvalidToken, ""},
		{"R-PAT-2 Basic with a prefix of the ID", Credential{Token: pat, Username: testAccount[:10], Basic: true}, ErrInvalidToken, ""},
		{"R-PAT-2 Basic with an access token", Credential{Token: access, Username: testAccount, Basic: true}, ErrInvalidToken, ""},
		{"R-CUST-2 customer token", Credential{Token: cust}, nil, store.KindCustomer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := l.Validate(ctx, tt.cred)
			if !errors.Is(err, tt.wantErr) || (err == nil && info.Kind != tt.wantKind) {
				t.Errorf("got %+v, %v; want kind %q, err %v", info, err, tt.wantKind, tt.wantErr)
			}
		})
	}

	t.Run("R-PAT-2 login needs Accounts", func(t *testing.T) {
		l2, err := NewLocal(f.st, f.hasher, LocalOptions{Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l2.Validate(ctx, Credential{Token: pat, Username: testLogin, Basic: true}); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("R-MW-2 revoked", func(t *testing.T) {
		if err := f.st.RevokeToken(ctx, "pat-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Validate(ctx, Credential{Token: pat}); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("R-MW-2 expired by the injected clock", func(t *testing.T) {
		f.clock.Advance(time.Hour)
		if _, err := l.Validate(ctx, Credential{Token: access}); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestLocalRotatedTokenRefused(t *testing.T) {
	// A token record with RotatedAt set is never valid, whatever its kind.
	f := newFixture(t)
	tok := f.issue(t, store.Token{ID: "at-r", Kind: store.KindAccess})
	rec, err := f.st.TokenByID(context.Background(), "at-r", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec.RotatedAt = f.clock.Now()
	l := f.local(t, LocalOptions{})
	l.tokens = fixedTokens{rec}
	if _, err := l.Validate(context.Background(), Credential{Token: tok}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("err = %v", err)
	}
}

// fixedTokens answers every lookup with one record.
type fixedTokens struct{ t store.Token }

func (f fixedTokens) IssueTokens(context.Context, time.Time, store.Issue) error { return nil }
func (f fixedTokens) Token(context.Context, store.Hash, time.Time) (store.Token, error) {
	return f.t, nil
}
func (f fixedTokens) RevokeToken(context.Context, string) error  { return nil }
func (f fixedTokens) RevokeFamily(context.Context, string) error { return nil }

// failingTokens is storage that is down.
type failingTokens struct{ fixedTokens }

var errDown = errors.New("dial tcp 10.0.0.1:5432: connection refused")

func (failingTokens) Token(context.Context, store.Hash, time.Time) (store.Token, error) {
	return store.Token{}, errDown
}

func TestLocalStorageDownIsUnavailable(t *testing.T) {
	l, err := NewLocal(failingTokens{}, testHasher, LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Validate(context.Background(), Credential{Token: "oak:at_x"})
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidToken) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	// Through Authenticate: 503, never 200.
	h := Authenticate(l, Options{Logger: discardLog})(okHandler)
	if code := serve(h, "Bearer oak:at_x"); code != 503 {
		t.Errorf("status %d, want 503", code)
	}
}

func TestNewLocalErrors(t *testing.T) {
	f := newFixture(t)
	j := testJWT(t, newTestKeys(t), f.clock, "")
	for name, fn := range map[string]func() error{
		"nil tokens":        func() error { _, err := NewLocal(nil, f.hasher, LocalOptions{}); return err },
		"nil hasher":        func() error { _, err := NewLocal(f.st, nil, LocalOptions{}); return err },
		"JWT without admin": func() error { _, err := NewLocal(f.st, f.hasher, LocalOptions{JWT: j}); return err },
		"admin without JWT": func() error { _, err := NewLocal(f.st, f.hasher, LocalOptions{TokenAdmin: f.st}); return err },
	} {
		if fn() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLocalJWTRevocationByJTI(t *testing.T) {
	// R-JWT: the local validator honours revocation of JWT access tokens by jti.
	f := newFixture(t)
	ctx := context.Background()
	keys := newTestKeys(t)
	f.issue(t, store.Token{ID: "jti-1", Kind: store.KindAccess, Scopes: []string{"chats--my:ro"}})
	l := f.local(t, LocalOptions{JWT: testJWT(t, keys, f.clock, ""), TokenAdmin: f.st})

	claims := keys.claims(f.clock.Now())
	claims.ID = "jti-1"
	tok := keys.sign(t, claims)
	info, err := l.Validate(ctx, Credential{Token: tok})
	if err != nil || info.ID != "jti-1" || !info.Scopes.Has("chats--my:ro") {
		t.Fatalf("got %+v, %v", info, err)
	}
	other := claims
	other.ID = "jti-unknown"
	if _, err := l.Validate(ctx, Credential{Token: keys.sign(t, other)}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("unknown jti: err = %v", err)
	}
	mismatch := claims
	mismatch.ClientID = "another-client"
	if _, err := l.Validate(ctx, Credential{Token: keys.sign(t, mismatch)}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("claims not matching the record: err = %v", err)
	}
	forged := claims
	if _, err := l.Validate(ctx, Credential{Token: signWith(t, newTestKeys(t).key, forged)}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("JWT signed by another key: err = %v", err)
	}
	if err := f.st.RevokeToken(ctx, "jti-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Validate(ctx, Credential{Token: tok}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("revoked jti: err = %v", err)
	}
}
