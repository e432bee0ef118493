package flows_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
)

// Personal access tokens: the JSON API at /v2/personal_access_tokens and the Go API
// (R-PAT-1).

const patPath = "/v2/personal_access_tokens"

// listPATs lists the personal access tokens with tok as Bearer; it must succeed.
func (e *env) listPATs(tok string) []map[string]any {
	e.t.Helper()
	r := e.apiDo(http.MethodGet, patPath, "", bearerHdr(tok)...)
	if r.status != http.StatusOK || strings.TrimSpace(r.raw)[0] != '[' {
		e.t.Fatalf("listing: %d %s", r.status, r.raw)
	}
	wantCacheNoStore(e.t, r)
	return r.list
}

// TestPATLifecycle: R-PAT-1, create (201, the secret shown once), list (never the secret),
// use (introspection), delete (204), then gone.
func TestPATLifecycle(t *testing.T) {
	e := newPATEnv(t)
	alice := e.consoleTokens(acctAlice, agentScopes)
	if got := e.listPATs(alice.access); len(got) != 0 {
		t.Fatalf("initial list = %v, want empty", got)
	}
	created := e.clock.Now()
	r := e.createPAT(alice.access, `{"name":"ci","scopes":["chats--my:ro"]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	wantCacheNoStore(t, r)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	first := r.obj
	secret, id := r.s("token"), r.s("id")
	if !strings.HasPrefix(secret, "oak:pat_") || len(secret) < len("oak:pat_")+43 {
		t.Errorf("token = %q, want oak:pat_ and 256 bits", secret)
	}
	if _, err := uuid.Parse(id); err != nil {
		t.Errorf("id = %q, want a UUID", id)
	}
	want := map[string]any{
		"id": id, "name": "ci", "scopes": []any{"chats--my:ro"},
		"created_at": created.Format(time.RFC3339), "expires_at": created.Add(365 * 24 * time.Hour).Format(time.RFC3339),
		"token": secret,
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if !e.isActive(secret) {
		t.Error("the new PAT is not active at introspection")
	}

	e.clock.Advance(time.Minute)
	r = e.createPAT(alice.access, `{"name":"deploy","scopes":"chats--my:ro,chats--all:ro"}`)
	if r.status != http.StatusCreated || !cmp.Equal(r.obj["scopes"], []any{"chats--all:ro", "chats--my:ro"}) {
		t.Fatalf("create with a comma-separated string: %d %s", r.status, r.raw)
	}
	second := r.obj

	// Another account's tokens are not listed.
	bob := e.consoleTokens(acctBob, "chats--my:ro")
	e.createPAT(bob.access, `{"name":"bob","scopes":["chats--my:ro"]}`)

	delete(want, "token")
	secondNoToken := map[string]any{}
	for k, v := range second {
		if k != "token" {
			secondNoToken[k] = v
		}
	}
	list := e.listPATs(alice.access)
	if diff := cmp.Diff([]map[string]any{want, secondNoToken}, list); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if strings.Contains(e.apiDo(http.MethodGet, patPath, "", bearerHdr(alice.access)...).raw, "oak:pat_") {
		t.Error("the list shows a secret")
	}

	// Another account cannot delete it.
	r = e.apiDo(http.MethodDelete, patPath+"/"+id, "", bearerHdr(bob.access)...)
	wantAPIError(t, r, http.StatusNotFound, "invalid_request")
	if !e.isActive(secret) {
		t.Fatal("another account's DELETE revoked the PAT")
	}

	r = e.apiDo(http.MethodDelete, patPath+"/"+id, "", bearerHdr(alice.access)...)
	if r.status != http.StatusNoContent || r.raw != "" {
		t.Fatalf("delete: %d %q, want 204 and no body", r.status, r.raw)
	}
	wantCacheNoStore(t, r)
	if diff := cmp.Diff([]map[string]any{secondNoToken}, e.listPATs(alice.access)); diff != "" {
		t.Errorf("list after delete (-want +got):\n%s", diff)
	}
	wantInactive(t, e.introspectAs(confID, confSecret, secret))
	wantAPIError(t, e.apiDo(http.MethodDelete, patPath+"/"+id, "", bearerHdr(alice.access)...), http.StatusNotFound, "invalid_request")

	// PATs expire; an expired one is not listed.
	e.clock.Advance(365 * 24 * time.Hour)
	alice = e.consoleTokens(acctAlice, "chats--my:ro")
	if got := e.listPATs(alice.access); len(got) != 0 {
		t.Errorf("list after expiry = %v, want empty", got)
	}
}

// TestPATScopes: R-PAT-1 with R-SCOPE-2, a PAT's scopes must be known, within the account's
// rights (administrator-only scopes need the administrator role) and within the presenting
// access token's scopes, with implication.
func TestPATScopes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		who      acct
		held     string // scope of the presenting access token
		scopes   string // JSON value of "scopes"
		wantCode string // "" means 201
	}{
		{"held scope", acctAlice, agentScopes, `["chats--all:rw","customers:own"]`, ""},
		{"implied by a declared rule", acctAlice, "chats--all:ro", `["chats--my:ro"]`, ""},
		{"implied by rw", acctAlice, "chats--all:rw", `["chats--all:ro"]`, ""},
		{"space-separated string", acctAlice, agentScopes, `"chats--my:ro chats--all:ro"`, ""},
		{"admin-only scope for an administrator", acctRoot, "agents--all:rw chats--my:ro", `["agents--all:rw"]`, ""},
		{"unknown scope", acctAlice, agentScopes, `["chats--none:ro"]`, "invalid_scope"},
		{"admin-only scope for an agent", acctAlice, agentScopes, `["agents--all:rw"]`, "invalid_scope"},
		{"admin-only scope the token lacks", acctRoot, agentScopes, `["agents--all:rw"]`, "invalid_scope"},
		{"beyond the token", acctAlice, "chats--my:ro", `["chats--all:ro"]`, "invalid_scope"},
		{"ro does not imply rw", acctAlice, "chats--all:ro", `["chats--all:rw"]`, "invalid_scope"},
		{"partly beyond the token", acctAlice, "chats--my:ro", `["chats--my:ro","customers:own"]`, "invalid_scope"},
		{"no scopes", acctAlice, agentScopes, `[]`, "invalid_scope"},
		{"empty string", acctAlice, agentScopes, `""`, "invalid_scope"},
		{"malformed name", acctAlice, agentScopes, `["chats\"my"]`, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newPATEnv(t)
			tok := e.consoleTokens(tc.who, tc.held).access
			r := e.createPAT(tok, `{"name":"n","scopes":`+tc.scopes+`}`)
			if tc.wantCode == "" {
				if r.status != http.StatusCreated || !strings.HasPrefix(r.s("token"), "oak:pat_") {
					t.Fatalf("got %d %s, want 201", r.status, r.raw)
				}
				return
			}
			wantAPIError(t, r, http.StatusBadRequest, tc.wantCode)
			if got := e.listPATs(tok); len(got) != 0 {
				t.Errorf("a refused request created %v", got)
			}
		})
	}
}

// TestPATBadRequests: R-PAT-1 and R-ERR-1, the body is one strict JSON object with a
// non-empty name: anything else is invalid_request and creates nothing.
func TestPATBadRequests(t *testing.T) {
	e := newPATEnv(t)
	tok := e.consoleTokens(acctAlice, agentScopes).access
	for _, tc := range []struct {
		name, ctype, body string
	}{
		{"empty name", ctJSON, `{"name":"","scopes":["chats--my:ro"]}`},
		{"blank name", ctJSON, `{"name":"   ","scopes":["chats--my:ro"]}`},
		{"no name", ctJSON, `{"scopes":["chats--my:ro"]}`},
		{"name too long", ctJSON, `{"name":"` + strings.Repeat("n", 101) + `","scopes":["chats--my:ro"]}`},
		{"bad JSON", ctJSON, `{"name":"ci","scopes":["chats--my:ro"]`},
		{"unknown field", ctJSON, `{"name":"ci","scopes":["chats--my:ro"],"expires_at":"2030-01-01T00:00:00Z"}`},
		{"two objects", ctJSON, `{"name":"ci","scopes":["chats--my:ro"]}{"name":"x","scopes":["chats--my:ro"]}`},
		{"scopes a number", ctJSON, `{"name":"ci","scopes":5}`},
		{"scopes missing", ctJSON, `{"name":"ci"}`},
		{"an array", ctJSON, `[{"name":"ci","scopes":["chats--my:ro"]}]`},
		{"empty body", ctJSON, ``},
		{"form body", ctForm, `name=ci&scopes=chats--my:ro`},
		{"text/plain", "text/plain", `{"name":"ci","scopes":["chats--my:ro"]}`},
		{"no content type", "", `{"name":"ci","scopes":["chats--my:ro"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := bearerHdr(tok)
			if tc.ctype != "" {
				hdr = hdrs(hdr, ctHdr(tc.ctype))
			}
			wantAPIError(t, e.apiDo(http.MethodPost, patPath, tc.body, hdr...), http.StatusBadRequest, "invalid_request")
		})
	}
	if got := e.listPATs(tok); len(got) != 0 {
		t.Errorf("refused requests created %v", got)
	}
}

// TestPATAuthentication: R-PAT-1 with RFC 6750, the API takes only a live Bearer access
// token: no token is 401 with a bare challenge; personal (a PAT cannot mint PATs), refresh,
// customer (R-CUST-2), expired and revoked tokens are 401 invalid_token.
func TestPATAuthentication(t *testing.T) {
	for _, tc := range []struct {
		name      string
		token     func(e *env) string // "" sends no Authorization header
		status    int
		challenge string
	}{
		{"no token", func(*env) string { return "" }, http.StatusUnauthorized, challengeNoToken},
		{"personal access token", func(e *env) string { return e.newPAT(aliceID, "ci", "chats--my:ro").Token }, http.StatusUnauthorized, challengeInvalid},
		{"refresh token", func(e *env) string { return e.aliceTokens(agentScopes).refresh }, http.StatusUnauthorized, challengeInvalid},
		{"customer token", func(e *env) string {
			tok, _ := e.newCustomerToken(e.aliceTokens(agentScopes).access)
			return tok
		}, http.StatusUnauthorized, challengeInvalid},
		{"expired access token", func(e *env) string {
			tok := e.aliceTokens(agentScopes).access
			e.clock.Advance(8 * time.Hour)
			return tok
		}, http.StatusUnauthorized, challengeInvalid},
		{"revoked access token", func(e *env) string {
			tok := e.aliceTokens(agentScopes).access
			wantEmptyObject(e.t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tok)...))
			return tok
		}, http.StatusUnauthorized, challengeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			victim := e.newPAT(aliceID, "victim", "chats--my:ro")
			tok := tc.token(e)
			var auth []string
			if tok != "" {
				auth = bearerHdr(tok)
			}
			for _, req := range []struct{ method, path, body string }{
				{http.MethodPost, patPath, `{"name":"x","scopes":["chats--my:ro"]}`},
				{http.MethodGet, patPath, ""},
				{http.MethodDelete, patPath + "/" + victim.ID, ""},
			} {
				r := e.apiDo(req.method, req.path, req.body, hdrs(auth, ctHdr(ctJSON))...)
				if r.status != tc.status {
					t.Fatalf("%s %s: %d %s, want %d", req.method, req.path, r.status, r.raw, tc.status)
				}
				wantCacheNoStore(t, r)
				wantChallenge(t, r, tc.challenge)
				if strings.Contains(r.raw, "oak:pat_") {
					t.Errorf("%s: the answer shows a secret: %s", req.method, r.raw)
				}
			}
			list, err := e.flows.PersonalTokens(context.Background(), aliceID)
			if err != nil || !slices.ContainsFunc(list, func(pt flows.PersonalToken) bool { return pt.ID == victim.ID }) {
				t.Errorf("PATs after refused requests = %v, %v; want the victim still there", list, err)
			}
			for _, pt := range list {
				if pt.Name == "x" {
					t.Errorf("a refused request created %+v", pt)
				}
			}
		})
	}
}

// TestPATRoutes: R-PAT-1, methods and paths: 405 with Allow, 404 for other paths, and an
// access token's id is not a PAT id.
func TestPATRoutes(t *testing.T) {
	e := newPATEnv(t)
	tok := e.consoleTokens(acctAlice, agentScopes).access
	pat := e.newPAT(aliceID, "ci", "chats--my:ro")
	at, err := e.store.Token(context.Background(), e.hasher.Hash(tok), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"PUT on the collection", http.MethodPut, patPath, http.StatusMethodNotAllowed, "GET, POST"},
		{"DELETE on the collection", http.MethodDelete, patPath, http.StatusMethodNotAllowed, "GET, POST"},
		{"GET on a token", http.MethodGet, patPath + "/" + pat.ID, http.StatusMethodNotAllowed, "DELETE"},
		{"POST on a token", http.MethodPost, patPath + "/" + pat.ID, http.StatusMethodNotAllowed, "DELETE"},
		{"empty id", http.MethodDelete, patPath + "/", http.StatusNotFound, ""},
		{"nested path", http.MethodDelete, patPath + "/" + pat.ID + "/x", http.StatusNotFound, ""},
		{"unknown id", http.MethodDelete, patPath + "/" + uuid.NewString(), http.StatusNotFound, ""},
		{"an access token's id", http.MethodDelete, patPath + "/" + at.ID, http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.apiDo(tc.method, tc.path, "", bearerHdr(tok)...)
			wantAPIError(t, r, tc.status, "invalid_request")
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
	if !e.isActive(pat.Token) || !e.tokenAlive(tok) {
		t.Error("a refused request revoked a token")
	}
}

// TestPATGoAPI: R-PAT-1 through the Go API: CreatePersonalToken, PersonalTokens and
// RevokePersonalToken, with the same rules as the HTTP API.
func TestPATGoAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	pt, err := e.flows.CreatePersonalToken(ctx, aliceID, " ci ", scopes.New("chats--my:ro", "chats--all:ro"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pt.Token, "oak:pat_") || pt.Name != "ci" || !pt.CreatedAt.Equal(now) ||
		!pt.ExpiresAt.Equal(now.Add(365*24*time.Hour)) || !cmp.Equal(pt.Scopes, []string{"chats--all:ro", "chats--my:ro"}) {
		t.Fatalf("created %+v", pt)
	}
	list, err := e.flows.PersonalTokens(ctx, aliceID)
	want := pt
	want.Token = ""
	if err != nil || !cmp.Equal(list, []flows.PersonalToken{want}) {
		t.Fatalf("PersonalTokens = %+v, %v; want %+v", list, err, want)
	}
	if list, _ := e.flows.PersonalTokens(ctx, bobID); len(list) != 0 {
		t.Errorf("bob's list = %+v, want empty", list)
	}
	if err := e.flows.RevokePersonalToken(ctx, bobID, pt.ID); !errors.Is(err, flows.ErrPersonalTokenNotFound) {
		t.Errorf("revoke by another account: %v, want ErrPersonalTokenNotFound", err)
	}
	if err := e.flows.RevokePersonalToken(ctx, aliceID, uuid.NewString()); !errors.Is(err, flows.ErrPersonalTokenNotFound) {
		t.Errorf("revoke of an unknown id: %v", err)
	}
	if err := e.flows.RevokePersonalToken(ctx, aliceID, pt.ID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if err := e.flows.RevokePersonalToken(ctx, aliceID, pt.ID); !errors.Is(err, flows.ErrPersonalTokenNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	if list, _ := e.flows.PersonalTokens(ctx, aliceID); len(list) != 0 {
		t.Errorf("list after revoke = %+v", list)
	}
	wantInactive(t, e.introspectAs(confID, confSecret, pt.Token))

	if _, err := e.flows.CreatePersonalToken(ctx, rootID, "admin", scopes.New("agents--all:rw")); err != nil {
		t.Errorf("administrator with an admin-only scope: %v", err)
	}
	for _, tc := range []struct {
		name, account, tokName string
		scopes                 scopes.Set
		code                   string
	}{
		{"admin-only scope for an agent", aliceID, "x", scopes.New("agents--all:rw"), flows.ErrInvalidScope},
		{"unknown scope", aliceID, "x", scopes.New("nope:ro"), flows.ErrInvalidScope},
		{"no scope", aliceID, "x", scopes.Set{}, flows.ErrInvalidScope},
		{"empty name", aliceID, " ", scopes.New("chats--my:ro"), flows.ErrInvalidRequest},
		{"unknown account", "44444444-4444-4444-8444-444444444444", "x", scopes.New("chats--my:ro"), flows.ErrInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.flows.CreatePersonalToken(ctx, tc.account, tc.tokName, tc.scopes)
			var fe *flows.Error
			if !errors.As(err, &fe) || fe.Code != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
}
