package middleware

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	ojose "github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/store"
)

// kindServer serves the token kinds' routes behind Authenticate(v):
//
//	/default  Authenticate with the default Options.Kinds
//	/agent    every kind authenticated, then AgentOnly
//	/client   every kind authenticated, then ClientOnly
//	/customer every kind authenticated, then CustomerOnly
func kindServer(t *testing.T, v Validator, clock *fakeClock) *httptest.Server {
	t.Helper()
	all := Authenticate(v, Options{Realm: "test", Now: clock.Now, Logger: discardLog,
		Kinds: []store.TokenKind{store.KindAccess, store.KindPersonal, store.KindCustomer, KindClient}})
	mux := http.NewServeMux()
	mux.Handle("/default", Authenticate(v, Options{Realm: "test", Now: clock.Now, Logger: discardLog})(okHandler))
	mux.Handle("/agent", all(AgentOnly(okHandler)))
	mux.Handle("/client", all(ClientOnly(okHandler)))
	mux.Handle("/customer", all(CustomerOnly(okHandler)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// getWith sends GET base+path with a bearer token and returns the status and the
// WWW-Authenticate header.
func getWith(t *testing.T, base, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

// TestClientTokensAreTheirOwnKind: a token that acts for no account (client credentials)
// is KindClient with every validator, and only routes that list that kind let it in; an
// account's token of the same validator still reaches the agent route (R-MW-2, R-CUST-2,
// R-TOKEN-6).
func TestClientTokensAreTheirOwnKind(t *testing.T) {
	f := newFixture(t)
	keys := newTestKeys(t)
	now := f.clock.Now()
	exp := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)

	// Local: records as package flows stores them (client credentials: no account).
	ccLocal := f.issueExact(t, store.Token{ID: "cc-1", Kind: store.KindAccess, Scopes: []string{"chats--all:rw"}})
	atLocal := f.issue(t, store.Token{ID: "at-1", Kind: store.KindAccess, Scopes: []string{"chats--all:rw"}})
	// JWTs: RFC 9068 §2.2 marks a token without resource owner by sub = client_id.
	ccClaims := keys.claims(now)
	ccClaims.ID, ccClaims.Subject, ccClaims.AccountID, ccClaims.OrganizationID = "cc-jwt", testClient, "", ""
	atClaims := keys.claims(now)
	atClaims.ID = "at-jwt"
	f.issueExact(t, store.Token{ID: "cc-jwt", Kind: store.KindAccess})
	f.issue(t, store.Token{ID: "at-jwt", Kind: store.KindAccess})
	ccJWT, atJWT := keys.sign(t, ccClaims), keys.sign(t, atClaims)
	// Introspection: what flows answers for a client_credentials token (sub = client_id),
	// and what another server may answer (no sub at all).
	intro := fakeIntrospection(t, map[string]string{
		"cc":    `{"active":true,"scope":"chats--all:rw","client_id":"svc","sub":"svc","token_type":"Bearer","kind":"access","jti":"cc-2","exp":` + exp + `}`,
		"nosub": `{"active":true,"scope":"chats--all:rw","client_id":"svc","token_type":"Bearer","exp":` + exp + `}`,
		"at":    `{"active":true,"scope":"chats--all:rw","client_id":"svc","sub":"acc-1","account_id":"acc-1","organization_id":"org-1","kind":"access","exp":` + exp + `}`,
	})

	local := f.local(t, LocalOptions{})
	localJWT := f.local(t, LocalOptions{JWT: testJWT(t, keys, f.clock, ""), TokenAdmin: f.st})
	jwtOnly := testJWT(t, keys, f.clock, "")
	in := newIntrospection(t, intro.URL, f.clock, IntrospectionOptions{})
	tests := []struct {
		name          string
		v             Validator
		client, agent string
	}{
		{"local", local, ccLocal, atLocal},
		{"local behind a cache", Cached(local, CacheOptions{Now: f.clock.Now}), ccLocal, atLocal},
		{"local JWT by jti", localJWT, ccJWT, atJWT},
		{"JWT", jwtOnly, ccJWT, atJWT},
		{"introspection, sub is the client", in, "cc", "at"},
		{"introspection, no sub", in, "nosub", "at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := tt.v.Validate(context.Background(), Credential{Token: tt.client})
			if err != nil || info.Kind != KindClient || info.AccountID != "" {
				t.Fatalf("client token: %+v, %v; want kind client, no account", info, err)
			}
			srv := kindServer(t, tt.v, f.clock)
			for _, c := range []struct {
				path, token string
				want        int
			}{
				{"/default", tt.client, 401}, {"/agent", tt.client, 401}, {"/customer", tt.client, 401},
				{"/client", tt.client, 200},
				{"/default", tt.agent, 200}, {"/agent", tt.agent, 200}, {"/client", tt.agent, 401},
			} {
				code, chal := getWith(t, srv.URL, c.path, c.token)
				if code != c.want || (c.want == 401 && chal != chKind) {
					who := "client"
					if c.token == tt.agent {
						who = "agent"
					}
					t.Errorf("%s token on %s: %d %q, want %d", who, c.path, code, chal, c.want)
				}
			}
		})
	}
}

// TestKindsWithoutTheirOwner: tokens whose kind needs an owner they do not have are
// invalid, and a token claiming to act for no account while naming one is too (R-MW-2).
func TestKindsWithoutTheirOwner(t *testing.T) {
	f := newFixture(t)
	keys := newTestKeys(t)
	now := f.clock.Now()
	exp := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	patNoAccount := f.issueExact(t, store.Token{ID: "pat-x", Kind: store.KindPersonal, Scopes: []string{"chats--my:ro"}})
	custNoCustomer := f.issueExact(t, store.Token{ID: "ct-x", Kind: store.KindCustomer, OrganizationID: testOrg})
	intro := fakeIntrospection(t, map[string]string{
		"pat":         `{"active":true,"kind":"personal","scope":"a:ro","client_id":"c1","sub":"c1","exp":` + exp + `}`,
		"cust":        `{"active":true,"kind":"customer","client_id":"c1","exp":` + exp + `}`,
		"client+acct": `{"active":true,"kind":"client","client_id":"c1","account_id":"acc-1","exp":` + exp + `}`,
		"client":      `{"active":true,"kind":"client","client_id":"c1","sub":"c1","exp":` + exp + `}`,
	})
	in := newIntrospection(t, intro.URL, f.clock, IntrospectionOptions{})
	j := testJWT(t, keys, f.clock, "")
	jwtWith := func(mod func(*ojose.AccessClaims)) string {
		c := keys.claims(now)
		mod(&c)
		return keys.sign(t, c)
	}
	tests := []struct {
		name     string
		v        Validator
		token    string
		wantKind store.TokenKind // "" = ErrInvalidToken
	}{
		{"local PAT without account", f.local(t, LocalOptions{}), patNoAccount, ""},
		{"local customer token without customer", f.local(t, LocalOptions{}), custNoCustomer, ""},
		{"introspection PAT without account", in, "pat", ""},
		{"introspection customer token without customer", in, "cust", ""},
		{"introspection client kind naming an account", in, "client+acct", ""},
		{"introspection client kind", in, "client", KindClient},
		{"JWT PAT without account", j, jwtWith(func(c *ojose.AccessClaims) {
			c.Kind, c.Subject, c.AccountID = "personal", testClient, ""
		}), ""},
		{"JWT client kind naming an account", j, jwtWith(func(c *ojose.AccessClaims) { c.Kind = "client" }), ""},
		{"JWT client kind", j, jwtWith(func(c *ojose.AccessClaims) {
			c.Kind, c.Subject, c.AccountID = "client", testClient, ""
		}), KindClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := tt.v.Validate(context.Background(), Credential{Token: tt.token})
			switch {
			case tt.wantKind == "" && !errors.Is(err, ErrInvalidToken):
				t.Errorf("got %+v, %v; want ErrInvalidToken", info, err)
			case tt.wantKind != "" && (err != nil || info.Kind != tt.wantKind):
				t.Errorf("got %+v, %v; want kind %q", info, err, tt.wantKind)
			}
		})
	}
}
