package middleware

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

func chatCatalog(t testing.TB) *scopes.Catalog {
	t.Helper()
	c, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro"}, {Name: "chats--all:ro"}, {Name: "chats--all:rw"},
		{Name: "customers:own"}, {Name: "agents--all:rw"}, {Name: "agents--all:ro"}, {Name: "billing:rw"},
	}, []scopes.Implication{{From: "chats--all:ro", To: "chats--my:ro"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withToken runs h behind an Authenticate that accepts every kind and returns the token
// "held" with the given scopes and kind.
func withToken(h http.Handler, kind store.TokenKind, held ...string) *httptest.ResponseRecorder {
	v := ValidatorFunc(func(_ context.Context, c Credential) (Info, error) {
		return Info{ID: "x", Kind: kind, Scopes: scopes.New(held...)}, nil
	})
	a := Authenticate(v, Options{Realm: "test", Kinds: []store.TokenKind{store.KindAccess, store.KindPersonal, store.KindCustomer}})
	req := httptest.NewRequest("GET", "/r", nil)
	req.Header.Set("Authorization", "Bearer t")
	rec := httptest.NewRecorder()
	a(h).ServeHTTP(rec, req)
	return rec
}

func TestRequireScopes(t *testing.T) {
	// R-MW-4, R-SCOPE-2
	cat := chatCatalog(t)
	tests := []struct {
		name     string
		cat      *scopes.Catalog
		required []string
		held     []string
		want     int
	}{
		{"R-MW-4 exact", cat, []string{"chats--all:rw"}, []string{"chats--all:rw"}, 200},
		{"R-SCOPE-2 rw implies ro", cat, []string{"chats--all:ro"}, []string{"chats--all:rw"}, 200},
		{"R-SCOPE-2 declared rule", cat, []string{"chats--my:ro"}, []string{"chats--all:ro"}, 200},
		{"R-SCOPE-2 transitive", cat, []string{"chats--my:ro"}, []string{"chats--all:rw"}, 200},
		{"R-SCOPE-2 ro does not imply rw", cat, []string{"chats--all:rw"}, []string{"chats--all:ro"}, 403},
		{"R-SCOPE-2 one-way rule", cat, []string{"chats--all:ro"}, []string{"chats--my:ro"}, 403},
		{"R-MW-4 all required", cat, []string{"chats--my:ro", "customers:own"}, []string{"chats--all:rw"}, 403},
		{"R-MW-4 none held", cat, []string{"customers:own"}, nil, 403},
		{"R-MW-4 nothing required", cat, nil, nil, 200},
		{"R-SCOPE-2 nil catalog built-in", nil, []string{"billing:ro"}, []string{"billing:rw"}, 200},
		{"R-SCOPE-2 nil catalog no declared rules", nil, []string{"chats--my:ro"}, []string{"chats--all:ro"}, 403},
		{"R-SCOPE-2 no prefix tricks", nil, []string{"chats--all:ro"}, []string{"chats", "chats--all:r", "*"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := withToken(RequireScopes(tt.cat, tt.required...)(okHandler), store.KindAccess, tt.held...)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want != 403 {
				return
			}
			want := `Bearer realm="test", error="insufficient_scope", error_description="the access token lacks a required scope", scope="` +
				joinSpace(scopes.New(tt.required...).Names()) + `"`
			if got := rec.Header().Get("WWW-Authenticate"); got != want {
				t.Errorf("WWW-Authenticate = %q, want %q", got, want)
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error != "insufficient_scope" {
				t.Errorf("body %s (%v)", rec.Body, err)
			}
		})
	}
}

func joinSpace(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// TestScopeCheckMatchesCatalog checks the precomputed check against Catalog.Satisfies on
// random held sets (R-SCOPE-2).
func TestScopeCheckMatchesCatalog(t *testing.T) {
	cat := chatCatalog(t)
	names := []string{"chats--my:ro", "chats--all:ro", "chats--all:rw", "customers:own",
		"agents--all:rw", "agents--all:ro", "billing:rw", "billing:ro", "zeta", "zeta:rw", "zeta:ro"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []*scopes.Catalog{cat, nil} {
		for _, req := range names {
			if _, ok := c.Lookup(req); c != nil && !ok {
				continue
			}
			check := newScopeCheck(c, []string{req})
			for range 200 {
				var held []string
				for _, n := range names {
					if rng.IntN(4) == 0 {
						held = append(held, n)
					}
				}
				set := scopes.New(held...)
				if got, want := check.satisfied(set), c.Satisfies(set, req); got != want {
					t.Fatalf("catalog %v: held %v, required %s: got %v, want %v", c != nil, held, req, got, want)
				}
			}
		}
	}
}

func TestRequireScopesPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"invalid name": func() { RequireScopes(nil, "a b") },
		"undeclared":   func() { RequireScopes(chatCatalog(t), "chats-my:ro") },
		"no kinds":     func() { RequireKind() },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestRequireWithoutAuthenticateFailsClosed(t *testing.T) {
	for name, mw := range map[string]func(http.Handler) http.Handler{
		"RequireScopes": RequireScopes(nil, "a:ro"),
		"RequireKind":   RequireKind(store.KindAccess),
		"AgentOnly":     AgentOnly,
		"CustomerOnly":  CustomerOnly,
	} {
		rec := httptest.NewRecorder()
		mw(okHandler).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s without Authenticate: status %d, want 500", name, rec.Code)
		}
	}
}

func TestKindMiddleware(t *testing.T) {
	// R-CUST-2: agent routes refuse customer tokens; customer routes refuse agent tokens.
	tests := []struct {
		name string
		mw   func(http.Handler) http.Handler
		kind store.TokenKind
		want int
	}{
		{"R-CUST-2 agent route, access", AgentOnly, store.KindAccess, 200},
		{"R-CUST-2 agent route, PAT", AgentOnly, store.KindPersonal, 200},
		{"R-CUST-2 agent route, customer", AgentOnly, store.KindCustomer, 401},
		{"R-CUST-2 customer route, customer", CustomerOnly, store.KindCustomer, 200},
		{"R-CUST-2 customer route, access", CustomerOnly, store.KindAccess, 401},
		{"R-CUST-2 customer route, PAT", CustomerOnly, store.KindPersonal, 401},
		{"RequireKind PAT only", RequireKind(store.KindPersonal), store.KindAccess, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := withToken(tt.mw(okHandler), tt.kind)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want == 401 && rec.Header().Get("WWW-Authenticate") != `Bearer realm="test", error="invalid_token", error_description="this kind of token is not accepted here"` {
				t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}
