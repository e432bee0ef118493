package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// Who may use the personal access token API (R-PAT-1): the person in a signed-in browser
// session (with CSRF protection), or the application's own console app, a client named in
// Config.PersonalTokenClients, with a token carrying flows.PersonalTokensScope. Never any
// other app's token.

const manageScope = flows.PersonalTokensScope

// withPersonalTokenClients names conf-app the console app and declares the scope.
func withPersonalTokenClients(t *testing.T) func(*flows.Config) {
	return func(c *flows.Config) {
		cat, err := scopes.NewCatalog(append(c.Scopes.Scopes(), scopes.Scope{Name: manageScope, Description: "Manage your personal access tokens"}),
			[]scopes.Implication{{From: "chats--all:ro", To: "chats--my:ro"}})
		if err != nil {
			t.Fatal(err)
		}
		c.Scopes = cat
		c.Policy.PersonalTokenClients = []string{confID}
	}
}

// newPATEnv is newEnv with conf-app as the console app; conf-app and pub-app (a
// third-party app) both list the manage scope among their configured scopes.
func newPATEnv(t *testing.T, mutate ...any) *env {
	t.Helper()
	e := newEnv(t, append([]any{withPersonalTokenClients(t)}, mutate...)...)
	for _, id := range []string{confID, pubID} {
		c := e.storedClient(id)
		c.Scopes = append(c.Scopes, manageScope)
		e.putClient(c)
	}
	return e
}

// consoleTokens are tokens of the console app (conf-app) for a, with scope plus the
// manage scope.
func (e *env) consoleTokens(a acct, scope string) tokenPair {
	e.t.Helper()
	return e.tokensFor(confID, a, scope+" "+manageScope)
}

// TestPATThirdPartyRefused: R-PAT-1, no app but the configured console app, with the
// manage scope, may create, list or revoke personal access tokens; every other access
// token is 403 insufficient_scope naming the scope it lacks, and creates nothing.
func TestPATThirdPartyRefused(t *testing.T) {
	const wantChallenge = `Bearer realm="oauthkit", error="insufficient_scope", scope="personal_tokens:manage"`
	for _, tc := range []struct {
		name  string
		env   func(t *testing.T) *env
		token func(e *env) string
	}{
		{"any app, no console configured", func(t *testing.T) *env { return newEnv(t) },
			func(e *env) string { return e.aliceTokens(agentScopes).access }},
		{"a third-party app", func(t *testing.T) *env { return newPATEnv(t) },
			func(e *env) string { return e.tokensFor(pubID, acctAlice, agentScopes).access }},
		{"a third-party app, default scopes", func(t *testing.T) *env { return newPATEnv(t) },
			func(e *env) string { return e.tokensFor(pubID, acctAlice, "").access }},
		{"the console app without the scope", func(t *testing.T) *env { return newPATEnv(t) },
			func(e *env) string { return e.aliceTokens(agentScopes).access }},
		{"an administrator's third-party token", func(t *testing.T) *env { return newPATEnv(t) },
			func(e *env) string { return e.tokensFor(pubID, acctRoot, "agents--all:rw "+agentScopes).access }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.env(t)
			victim := e.newPAT(aliceID, "victim", "chats--my:ro")
			tok := tc.token(e)
			for _, req := range []struct{ method, path, body string }{
				{http.MethodPost, patPath, `{"name":"stolen","scopes":["chats--my:ro"]}`},
				{http.MethodGet, patPath, ""},
				{http.MethodDelete, patPath + "/" + victim.ID, ""},
			} {
				r := e.apiDo(req.method, req.path, req.body, hdrs(ctHdr(ctJSON), bearerHdr(tok))...)
				wantAPIError(t, r, http.StatusForbidden, "insufficient_scope")
				if got := r.header.Get("WWW-Authenticate"); got != wantChallenge {
					t.Errorf("%s: WWW-Authenticate = %q, want %q", req.method, got, wantChallenge)
				}
			}
			list, err := e.flows.PersonalTokens(context.Background(), aliceID)
			if err != nil || len(list) != 1 || list[0].ID != victim.ID {
				t.Errorf("PATs = %+v, %v; want only the victim, untouched", list, err)
			}
		})
	}
}

// TestPATConsoleApp: R-PAT-1, the console app's token with the manage scope creates (201),
// lists and revokes; the new token is bounded by the presenting token's scopes and never
// holds the manage scope itself.
func TestPATConsoleApp(t *testing.T) {
	e := newPATEnv(t)
	tok := e.consoleTokens(acctAlice, "chats--all:ro").access
	r := e.createPAT(tok, `{"name":"ci","scopes":["chats--my:ro"]}`)
	if r.status != http.StatusCreated || !strings.HasPrefix(r.s("token"), "oak:pat_") {
		t.Fatalf("create: %d %s, want 201 with the secret", r.status, r.raw)
	}
	id := r.s("id")
	wantAPIError(t, e.createPAT(tok, `{"name":"wider","scopes":["chats--all:rw"]}`), http.StatusBadRequest, "invalid_scope")
	wantAPIError(t, e.createPAT(tok, `{"name":"manager","scopes":["`+manageScope+`"]}`), http.StatusBadRequest, "invalid_scope")
	if list := e.listPATs(tok); len(list) != 1 || list[0]["id"] != id {
		t.Fatalf("list = %v, want the one token", list)
	}
	// Store contract: a personal access token is a family of its own.
	st, err := e.store.TokenByID(context.Background(), id, e.clock.Now())
	if err != nil || st.FamilyID != id || st.Kind != store.KindPersonal {
		t.Errorf("stored PAT = %+v, %v; want FamilyID = ID = %s", st, err, id)
	}
	if r := e.apiDo(http.MethodDelete, patPath+"/"+id, "", bearerHdr(tok)...); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
}

// TestPATScopeOnlyForConsoleApp: R-PAT-1 with R-AUTHZ-7, a third-party app cannot even
// obtain the manage scope: asking for it is invalid_scope, and a request without scope
// leaves it out; the console app gets it.
func TestPATScopeOnlyForConsoleApp(t *testing.T) {
	e := newPATEnv(t)
	b := e.browser()
	b.signedInAs(acctAlice.login, acctAlice.pw)
	pubQ := url.Values{"response_type": {"code"}, "client_id": {pubID}, "redirect_uri": {pubRedirect},
		"code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}, "state": {"s"}}
	asked := cloneValues(pubQ)
	asked.Set("scope", "chats--my:ro "+manageScope)
	wantClientError(t, e, clientRedirect(t, b.getOnce("/?"+asked.Encode()), http.StatusFound, pubRedirect), "invalid_scope", "s")

	p := b.authorize(e.authURL(pubQ), "", "", "allow")
	code := e.storedCode(callback(t, p, pubRedirect).Get("code"))
	if slices.Contains(code.Scopes, manageScope) || !slices.Contains(code.Scopes, "chats--my:ro") {
		t.Errorf("third-party code scopes = %v, want the agent scopes without %s", code.Scopes, manageScope)
	}

	p = b.authorize(e.authURL(authzQuery(url.Values{"scope": {"chats--my:ro " + manageScope}})), "", "", "allow")
	if code := e.storedCode(callback(t, p, confRedirect).Get("code")); !slices.Contains(code.Scopes, manageScope) {
		t.Errorf("console app code scopes = %v, want %s", code.Scopes, manageScope)
	}
}

// TestPATConfigNeedsScope: naming console apps without declaring the scope fails at New.
func TestPATConfigNeedsScope(t *testing.T) {
	cfg := flows.Config{Issuer: "https://as.example", Storage: nil, Hasher: testHasher, Authenticator: nobody{}}
	e := newEnv(t)
	cfg.Storage = e.store
	cfg.Scopes, _ = scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro"}}, nil)
	cfg.Policy.PersonalTokenClients = []string{confID}
	if _, err := flows.New(cfg); err == nil || !strings.Contains(err.Error(), manageScope) {
		t.Errorf("New = %v, want an error naming %s", err, manageScope)
	}
}

// sessionAPI sends a personal access token API request with b's cookies (its session), as
// the application's own page on this origin would; csrf is the X-CSRF-Token header ("" for
// none), origin the Origin and Sec-Fetch-Site the browser would send.
func (b *browser) sessionAPI(method, path, body, csrf string, sameOrigin bool) apiResp {
	b.e.t.Helper()
	req, err := http.NewRequest(method, b.e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		b.e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", ctJSON)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	if sameOrigin {
		req.Header.Set("Origin", b.e.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return readResp(resp)
}

// TestPATSession: R-PAT-1 with R-LOGIN-4, the signed-in person manages personal access
// tokens with the browser session: a GET hands out the CSRF token; POST and DELETE need it
// and must be same-origin. Tokens made this way are bounded by the account's rights only.
func TestPATSession(t *testing.T) {
	e := newEnv(t) // no console app needed
	b := e.browser()
	b.signedInAs(acctAlice.login, acctAlice.pw)
	r := b.sessionAPI(http.MethodGet, patPath, "", "", true)
	csrf := r.header.Get("X-CSRF-Token")
	if r.status != http.StatusOK || len(r.list) != 0 || csrf == "" {
		t.Fatalf("GET with the session: %d %s, X-CSRF-Token %q; want 200 [] and a token", r.status, r.raw, csrf)
	}
	wantCacheNoStore(t, r)

	body := `{"name":"laptop","scopes":["chats--all:rw","customers:own"]}`
	for _, tc := range []struct {
		name       string
		csrf       string
		sameOrigin bool
	}{
		{"no CSRF token", "", true},
		{"wrong CSRF token", "x" + csrf[1:], true},
		{"cross-origin with the token", csrf, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, b.sessionAPI(http.MethodPost, patPath, body, tc.csrf, tc.sameOrigin), http.StatusForbidden, "invalid_request")
		})
	}
	if list, _ := e.flows.PersonalTokens(context.Background(), aliceID); len(list) != 0 {
		t.Fatalf("refused requests created %+v", list)
	}

	r = b.sessionAPI(http.MethodPost, patPath, body, csrf, true)
	if r.status != http.StatusCreated || !strings.HasPrefix(r.s("token"), "oak:pat_") {
		t.Fatalf("POST with the session and CSRF token: %d %s, want 201", r.status, r.raw)
	}
	id := r.s("id")
	wantAPIError(t, b.sessionAPI(http.MethodPost, patPath, `{"name":"x","scopes":["agents--all:rw"]}`, csrf, true), http.StatusBadRequest, "invalid_scope")
	wantAPIError(t, b.sessionAPI(http.MethodPost, patPath, `{"name":"x","scopes":["nope:ro"]}`, csrf, true), http.StatusBadRequest, "invalid_scope")

	wantAPIError(t, b.sessionAPI(http.MethodDelete, patPath+"/"+id, "", "", true), http.StatusForbidden, "invalid_request")
	if r := b.sessionAPI(http.MethodDelete, patPath+"/"+id, "", csrf, true); r.status != http.StatusNoContent {
		t.Fatalf("DELETE with the session and CSRF token: %d %s", r.status, r.raw)
	}

	// An administrator's session may give its token an administrator-only scope.
	root := e.browser()
	root.signedInAs(acctRoot.login, acctRoot.pw)
	rootCSRF := root.sessionAPI(http.MethodGet, patPath, "", "", true).header.Get("X-CSRF-Token")
	if r := root.sessionAPI(http.MethodPost, patPath, `{"name":"admin","scopes":["agents--all:rw"]}`, rootCSRF, true); r.status != http.StatusCreated {
		t.Errorf("administrator's session: %d %s, want 201", r.status, r.raw)
	}
	// Another browser's CSRF token is worthless with this session.
	wantAPIError(t, b.sessionAPI(http.MethodPost, patPath, body, rootCSRF, true), http.StatusForbidden, "invalid_request")

	// Signed out, the same browser gets the bare challenge.
	anon := e.browser()
	r = anon.sessionAPI(http.MethodGet, patPath, "", "", true)
	wantAPIError(t, r, http.StatusUnauthorized, "invalid_request")
	wantChallenge(t, r, challengeNoToken)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
