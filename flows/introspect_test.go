package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/store"
)

// RFC 7662 introspection, POST /introspect (R-INFO-2).

// wantActive checks an active introspection answer against want, with jti present and
// no-store; want needs no "active" nor "iss".
func (e *env) wantActive(r apiResp, want map[string]any) {
	e.t.Helper()
	if r.status != http.StatusOK {
		e.t.Fatalf("introspection: %d %s", r.status, r.raw)
	}
	wantCacheNoStore(e.t, r)
	got := make(map[string]any, len(r.obj))
	for k, v := range r.obj {
		got[k] = v
	}
	if jti, _ := got["jti"].(string); jti == "" {
		e.t.Errorf("jti is missing: %s", r.raw)
	}
	delete(got, "jti")
	w := map[string]any{"active": true, "iss": e.srv.URL}
	for k, v := range want {
		w[k] = v
	}
	if diff := cmp.Diff(w, got); diff != "" {
		e.t.Errorf("introspection (-want +got):\n%s", diff)
	}
}

func unix(t time.Time) float64 { return float64(t.Unix()) }

// TestIntrospectAccessToken: R-INFO-2, an access token is described to any authenticated
// confidential client (Basic or post), with a space-separated scope and the account.
func TestIntrospectAccessToken(t *testing.T) {
	e := newEnv(t)
	issued := e.clock.Now()
	tp := e.aliceTokens(agentScopes)
	pub := e.tokensFor(pubID, acctAlice, "chats--my:ro")
	e.clock.Advance(10 * time.Minute)
	want := map[string]any{
		"scope":           "chats--all:ro chats--all:rw chats--my:ro customers:own",
		"client_id":       confID,
		"sub":             aliceID,
		"exp":             unix(issued.Add(8 * time.Hour)),
		"iat":             unix(issued),
		"token_type":      "Bearer",
		"kind":            "access",
		"account_id":      aliceID,
		"organization_id": orgA,
	}
	e.wantActive(e.introspectAs(confID, confSecret, tp.access), want)
	post := url.Values{"token": {tp.access}, "token_type_hint": {"access_token"}, "client_id": {privID}, "client_secret": {privSecret}}
	e.wantActive(e.apiDo(http.MethodPost, "/introspect", post.Encode(), ctHdr(ctForm)...), want)
	// JSON bodies are accepted as at the token endpoint (R-TOKEN-1).
	js := `{"token":"` + tp.access + `","client_id":"conf-app","client_secret":"` + confSecret + `"}`
	e.wantActive(e.apiDo(http.MethodPost, "/introspect", js, ctHdr(ctJSON)...), want)

	e.wantActive(e.introspectAs(confID, confSecret, pub.access), map[string]any{
		"scope": "chats--my:ro", "client_id": pubID, "sub": aliceID,
		"exp": unix(issued.Add(8 * time.Hour)), "iat": unix(issued),
		"token_type": "Bearer", "kind": "access", "account_id": aliceID, "organization_id": orgA,
	})
}

// TestIntrospectRefreshToken: R-INFO-2, a refresh token is described to its own client only.
func TestIntrospectRefreshToken(t *testing.T) {
	e := newEnv(t)
	issued := e.clock.Now()
	tp := e.tokensFor(privID, acctAlice, "chats--my:ro")
	e.wantActive(e.introspectAs(privID, privSecret, tp.refresh), map[string]any{
		"scope": "chats--my:ro", "client_id": privID, "sub": aliceID,
		"exp": unix(issued.Add(30 * 24 * time.Hour)), "iat": unix(issued),
		"token_type": "refresh_token", "kind": "refresh", "account_id": aliceID, "organization_id": orgA,
	})
	wantInactive(t, e.introspectAs(confID, confSecret, tp.refresh))
}

// TestIntrospectPersonalAndCustomer: R-INFO-2 with R-PAT-1 and R-CUST-1, personal and
// customer tokens are active with their kind; a customer token names its customer.
func TestIntrospectPersonalAndCustomer(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	pat := e.newPAT(aliceID, "ci", "chats--my:ro", "chats--all:ro")
	e.wantActive(e.introspectAs(confID, confSecret, pat.Token), map[string]any{
		"scope": "chats--all:ro chats--my:ro", "sub": aliceID,
		"exp": unix(now.Add(365 * 24 * time.Hour)), "iat": unix(now),
		"token_type": "Bearer", "kind": "personal", "account_id": aliceID, "organization_id": orgA,
		"username": "alice@example.com",
	})
	ct, entity := e.newCustomerToken(e.aliceTokens(agentScopes).access)
	e.wantActive(e.introspectAs(privID, privSecret, ct), map[string]any{
		"client_id": confID, "sub": entity, "customer_id": entity,
		"exp": unix(now.Add(8 * time.Hour)), "iat": unix(now),
		"token_type": "Bearer", "kind": "customer", "organization_id": orgA,
	})
}

// TestIntrospectInactive: R-INFO-2, anything that is not an active token the caller may see
// is exactly {"active":false}: unknown, expired, revoked or rotated tokens, another client's
// refresh token, codes and client secrets.
func TestIntrospectInactive(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token func(e *env) string
	}{
		{"unknown", func(*env) string { return "oak:at_" + strings.Repeat("Z", 43) }},
		{"arbitrary text", func(*env) string { return "hello world" }},
		{"expired access token", func(e *env) string {
			tok := e.aliceTokens(agentScopes).access
			e.clock.Advance(8 * time.Hour)
			return tok
		}},
		{"expired refresh token", func(e *env) string {
			tok := e.aliceTokens(agentScopes).refresh
			e.clock.Advance(30 * 24 * time.Hour)
			return tok
		}},
		{"revoked access token", func(e *env) string {
			tok := e.aliceTokens(agentScopes).access
			wantEmptyObject(e.t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tok)...))
			return tok
		}},
		{"refresh token of a revoked access token", func(e *env) string {
			tp := e.aliceTokens(agentScopes)
			wantEmptyObject(e.t, e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tp.access)...))
			return tp.refresh
		}},
		{"another client's refresh token", func(e *env) string { return e.tokensFor(privID, acctAlice, agentScopes).refresh }},
		{"public client's refresh token", func(e *env) string { return e.tokensFor(pubID, acctAlice, agentScopes).refresh }},
		{"revoked personal access token", func(e *env) string {
			pat := e.newPAT(aliceID, "ci", "chats--my:ro")
			if err := e.flows.RevokePersonalToken(context.Background(), aliceID, pat.ID); err != nil {
				e.t.Fatal(err)
			}
			return pat.Token
		}},
		{"expired personal access token", func(e *env) string {
			pat := e.newPAT(aliceID, "ci", "chats--my:ro")
			e.clock.Advance(365 * 24 * time.Hour)
			return pat.Token
		}},
		{"expired customer token", func(e *env) string {
			tok, _ := e.newCustomerToken(e.aliceTokens(agentScopes).access)
			e.clock.Advance(8 * time.Hour)
			return tok
		}},
		{"authorization code", func(e *env) string { return e.codeFor(nil) }},
		{"client secret", func(*env) string { return confSecret }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			wantInactive(t, e.introspectAs(confID, confSecret, tc.token(e)))
		})
	}
}

// TestIntrospectRotatedRefresh: R-INFO-2, a refresh token rotated away is inactive even to
// its own client, while its successor is active. The public client that rotated it is made
// confidential afterwards so that it can introspect.
func TestIntrospectRotatedRefresh(t *testing.T) {
	e := newEnv(t)
	first := e.tokensFor(pubID, acctAlice, agentScopes)
	next := e.mustRefresh(pubID, first.refresh)
	const secret = "pub-secret-now-0123456789"
	ctx := context.Background()
	c, err := e.store.Client(ctx, pubID)
	if err != nil {
		t.Fatal(err)
	}
	c.Public, c.SecretHash = false, e.hasher.Hash(secret)
	if err := e.store.PutClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantInactive(t, e.introspectAs(pubID, secret, first.refresh))
	r := e.introspectAs(pubID, secret, next.refresh)
	if r.status != http.StatusOK || r.obj["active"] != true || r.s("kind") != string(store.KindRefresh) {
		t.Fatalf("successor refresh token: %d %s, want active", r.status, r.raw)
	}
}

// TestIntrospectCallerErrors: R-INFO-2 and R-ERR-1, the caller must authenticate as a
// confidential client: a public, unknown or unauthenticated client is 401 invalid_client
// (RFC 7662 §2.3), with a Basic challenge when it sent Basic or nothing; a missing token is
// invalid_request; only POST is allowed; R-SEC-5 no-store on errors.
func TestIntrospectCallerErrors(t *testing.T) {
	e := newEnv(t)
	tp := e.aliceTokens(agentScopes)
	tok := url.Values{"token": {tp.access}}.Encode()
	const basicChallenge = `Basic realm="oauthkit", charset="UTF-8"`
	for _, tc := range []struct {
		name      string
		method    string
		body      string
		hdr       []string
		status    int
		code      string
		challenge string
	}{
		{"public client by client_id", http.MethodPost, tok + "&client_id=" + pubID, ctHdr(ctForm), http.StatusUnauthorized, "invalid_client", ""},
		{"public client by Basic", http.MethodPost, tok, hdrs(ctHdr(ctForm), basicHdr(pubID, "")), http.StatusUnauthorized, "invalid_client", basicChallenge},
		{"public client with a secret", http.MethodPost, tok + "&client_id=" + pubID + "&client_secret=x", ctHdr(ctForm), http.StatusUnauthorized, "invalid_client", ""},
		{"no client authentication", http.MethodPost, tok, ctHdr(ctForm), http.StatusUnauthorized, "invalid_client", basicChallenge},
		{"Bearer instead of client authentication", http.MethodPost, tok, hdrs(ctHdr(ctForm), bearerHdr(tp.access)), http.StatusBadRequest, "invalid_request", ""},
		{"wrong secret, Basic", http.MethodPost, tok, hdrs(ctHdr(ctForm), basicHdr(confID, "nope")), http.StatusUnauthorized, "invalid_client", basicChallenge},
		{"wrong secret, post", http.MethodPost, tok + "&client_id=" + confID + "&client_secret=nope", ctHdr(ctForm), http.StatusUnauthorized, "invalid_client", ""},
		{"unknown client", http.MethodPost, tok + "&client_id=nobody&client_secret=x", ctHdr(ctForm), http.StatusUnauthorized, "invalid_client", ""},
		{"unknown client, Basic", http.MethodPost, tok, hdrs(ctHdr(ctForm), basicHdr("nobody", "x")), http.StatusUnauthorized, "invalid_client", basicChallenge},
		{"no token", http.MethodPost, "token_type_hint=access_token", hdrs(ctHdr(ctForm), basicHdr(confID, confSecret)), http.StatusBadRequest, "invalid_request", ""},
		{"token repeated", http.MethodPost, tok + "&" + tok, hdrs(ctHdr(ctForm), basicHdr(confID, confSecret)), http.StatusBadRequest, "invalid_request", ""},
		{"wrong content type", http.MethodPost, tok, hdrs(ctHdr("text/plain"), basicHdr(confID, confSecret)), http.StatusBadRequest, "invalid_request", ""},
		{"GET", http.MethodGet, "", basicHdr(confID, confSecret), http.StatusMethodNotAllowed, "invalid_request", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.apiDo(tc.method, "/introspect", tc.body, tc.hdr...)
			wantAPIError(t, r, tc.status, tc.code)
			if _, ok := r.obj["active"]; ok {
				t.Errorf("an error answer says active: %s", r.raw)
			}
			if tc.challenge != "" {
				wantChallenge(t, r, tc.challenge)
			}
			if tc.method == http.MethodGet && r.header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", r.header.Get("Allow"))
			}
		})
	}
}
