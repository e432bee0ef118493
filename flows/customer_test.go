package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/oauthkit/oauthkit/flows"
)

// The customer endpoint, POST /customer/ (R-CUST-1), and the separation of customer tokens
// (R-CUST-2).

// wantCustomerToken checks a successful customer answer and returns its token and entity.
func wantCustomerToken(t *testing.T, r apiResp, expiresIn float64) (token, entity string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("customer endpoint: %d %s", r.status, r.raw)
	}
	wantCacheNoStore(t, r)
	token, entity = r.s("access_token"), r.s("entity_id")
	if !strings.HasPrefix(token, "oak:ct_") || len(token) < len("oak:ct_")+43 {
		t.Errorf("access_token = %q, want oak:ct_ and 256 bits", token)
	}
	if _, err := uuid.Parse(entity); err != nil {
		t.Errorf("entity_id = %q, want a UUID", entity)
	}
	want := map[string]any{"access_token": token, "client_id": confID, "entity_id": entity, "expires_in": expiresIn}
	if diff := cmp.Diff(want, r.obj); diff != "" {
		t.Errorf("customer answer (-want +got):\n%s", diff)
	}
	return token, entity
}

// TestCustomerCreate: R-CUST-1, at /customer/ and /customer, with a JSON or form body: a new
// customer and its token; with entity_id, a new token for the same customer; the token
// introspects as kind customer.
func TestCustomerCreate(t *testing.T) {
	for _, tc := range []struct{ path, ctype string }{
		{"/customer/", ctJSON},
		{"/customer", ctJSON},
		{"/customer/", ctForm},
	} {
		t.Run(strings.Trim(tc.path, "/")+" "+tc.ctype, func(t *testing.T) {
			e := newEnv(t)
			alice := e.aliceTokens(agentScopes)
			body := func(entity string) string {
				if tc.ctype == ctForm {
					f := url.Values{"client_id": {confID}, "response_type": {"token"}, "redirect_uri": {confRedirect}}
					if entity != "" {
						f.Set("entity_id", entity)
					}
					return f.Encode()
				}
				return custBody("entity_id", entity)
			}
			post := func(entity string) apiResp {
				return e.apiDo(http.MethodPost, tc.path, body(entity), hdrs(ctHdr(tc.ctype), bearerHdr(alice.access))...)
			}
			tok1, entity := wantCustomerToken(t, post(""), 28800)
			tok2, again := wantCustomerToken(t, post(entity), 28800)
			if again != entity || tok2 == tok1 {
				t.Errorf("with entity_id: entity %q token equal %v, want the same entity and a new token", again, tok2 == tok1)
			}
			_, other := wantCustomerToken(t, post(""), 28800)
			if other == entity {
				t.Error("a request without entity_id reused a customer")
			}
			for _, tok := range []string{tok1, tok2} {
				r := e.introspectAs(confID, confSecret, tok)
				if r.obj["active"] != true || r.s("kind") != "customer" || r.s("customer_id") != entity || r.s("sub") != entity ||
					r.s("organization_id") != orgA || r.s("client_id") != confID || r.obj["account_id"] != nil {
					t.Errorf("introspection of a customer token: %s", r.raw)
				}
			}
		})
	}
}

// TestCustomerEntityOrganization: R-CUST-1, entity_id names a customer of the caller's
// organization only: another organization's customer and an unknown one are
// invalid_request; another account of the same organization may use it.
func TestCustomerEntityOrganization(t *testing.T) {
	e := newEnv(t)
	alice := e.aliceTokens(agentScopes)
	bob := e.tokensFor(confID, acctBob, agentScopes)
	root := e.tokensFor(confID, acctRoot, agentScopes)
	_, aliceCust := e.newCustomerToken(alice.access)
	_, bobCust := e.newCustomerToken(bob.access)

	for _, tc := range []struct {
		name   string
		caller string
		entity string
		ok     bool
	}{
		{"same organization, same account", alice.access, aliceCust, true},
		{"same organization, another account", root.access, aliceCust, true},
		{"another organization's customer", alice.access, bobCust, false},
		{"the other way round", bob.access, aliceCust, false},
		{"unknown customer", alice.access, uuid.NewString(), false},
		{"not a UUID", alice.access, "../" + aliceCust, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.customerPost(tc.caller, custBody("entity_id", tc.entity))
			if tc.ok {
				if _, got := wantCustomerToken(t, r, 28800); got != tc.entity {
					t.Errorf("entity_id = %q, want %q", got, tc.entity)
				}
				return
			}
			wantAPIError(t, r, http.StatusBadRequest, "invalid_request")
		})
	}
}

// TestCustomerScope: R-CUST-1 with RFC 6750 §3.1, an access token without the customer
// scope is 403 insufficient_scope naming the scope; the scope is configurable
// (Config.CustomerScope) and implied scopes count (R-SCOPE-2).
func TestCustomerScope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    string // Config.CustomerScope
		held   string
		status int
	}{
		{"without customers:own", "", "chats--my:ro chats--all:rw", http.StatusForbidden},
		{"with customers:own only", "", "customers:own", http.StatusOK},
		{"configured scope held", "chats--all:ro", "chats--all:ro", http.StatusOK},
		{"configured scope implied", "chats--all:ro", "chats--all:rw", http.StatusOK},
		{"configured scope missing", "chats--all:ro", "customers:own chats--my:ro", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *flows.Config) { c.Policy.CustomerScope = tc.cfg })
			r := e.customerPost(e.aliceTokens(tc.held).access, custBody())
			if tc.status == http.StatusOK {
				wantCustomerToken(t, r, 28800)
				return
			}
			scope := tc.cfg
			if scope == "" {
				scope = "customers:own"
			}
			wantAPIError(t, r, http.StatusForbidden, "insufficient_scope")
			wantChallenge(t, r, `Bearer realm="oauthkit", error="insufficient_scope", scope="`+scope+`"`)
		})
	}
}

// TestCustomerRequestErrors: R-CUST-1 and R-ERR-1, the request names the client of the
// access token (not another app), response_type=token and a redirect URI
// registered for that client; a private client only for its own organization.
func TestCustomerRequestErrors(t *testing.T) {
	e := newEnv(t)
	alice := e.aliceTokens(agentScopes).access
	bob := e.tokensFor(confID, acctBob, agentScopes).access
	for _, tc := range []struct {
		name   string
		tok    string
		ctype  string
		body   string
		status int
		code   string
	}{
		{"response_type code", alice, ctJSON, custBody("response_type", "code"), http.StatusBadRequest, "unsupported_response_type"},
		{"response_type id_token", alice, ctJSON, custBody("response_type", "id_token"), http.StatusBadRequest, "unsupported_response_type"},
		{"unknown client", alice, ctJSON, custBody("client_id", "nobody"), http.StatusBadRequest, "unauthorized_client"},
		{"no client_id", alice, ctJSON, custBody("client_id", ""), http.StatusBadRequest, "unauthorized_client"},
		{"unregistered redirect_uri", alice, ctJSON, custBody("redirect_uri", "https://evil.example/cb"), http.StatusBadRequest, "unauthorized_client"},
		{"another client's redirect_uri", alice, ctJSON, custBody("redirect_uri", pubRedirect), http.StatusBadRequest, "unauthorized_client"},
		{"redirect_uri with a query", alice, ctJSON, custBody("redirect_uri", confRedirect+"?x=1"), http.StatusBadRequest, "unauthorized_client"},
		{"no redirect_uri", alice, ctJSON, custBody("redirect_uri", ""), http.StatusBadRequest, "unauthorized_client"},
		{"private client of another organization", bob, ctJSON, custBody("client_id", privID), http.StatusBadRequest, "unauthorized_client"},
		{"another client than the token's", alice, ctJSON, custBody("client_id", privID), http.StatusBadRequest, "unauthorized_client"},
		{"bad JSON", alice, ctJSON, `{"client_id":`, http.StatusBadRequest, "invalid_request"},
		{"repeated key", alice, ctJSON, `{"client_id":"conf-app","client_id":"priv-app","response_type":"token","redirect_uri":"` + confRedirect + `"}`, http.StatusBadRequest, "invalid_request"},
		{"text/plain", alice, "text/plain", custBody(), http.StatusBadRequest, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.apiDo(http.MethodPost, "/customer/", tc.body, hdrs(ctHdr(tc.ctype), bearerHdr(tc.tok))...)
			wantAPIError(t, r, tc.status, tc.code)
		})
	}
	// The private client works for its own organization, with its own token.
	r := e.customerPost(e.tokensFor(privID, acctAlice, agentScopes).access, custBody("client_id", privID))
	if r.status != http.StatusOK || r.s("client_id") != privID {
		t.Errorf("private client of the caller's organization: %d %s", r.status, r.raw)
	}
}

// TestCustomerAuthentication: R-CUST-1 and R-CUST-2, the endpoint takes only a live Bearer
// access token: none is 401 with a bare challenge; customer, personal and refresh tokens
// are 401 invalid_token; only POST is allowed.
func TestCustomerAuthentication(t *testing.T) {
	e := newEnv(t)
	alice := e.aliceTokens(agentScopes)
	cust, _ := e.newCustomerToken(alice.access)
	pat := e.newPAT(aliceID, "ci", "customers:own").Token
	for _, tc := range []struct {
		name      string
		method    string
		hdr       []string
		status    int
		challenge string
	}{
		{"no token", http.MethodPost, nil, http.StatusUnauthorized, challengeNoToken},
		{"customer token", http.MethodPost, bearerHdr(cust), http.StatusUnauthorized, challengeInvalid},
		{"personal access token", http.MethodPost, bearerHdr(pat), http.StatusUnauthorized, challengeInvalid},
		{"refresh token", http.MethodPost, bearerHdr(alice.refresh), http.StatusUnauthorized, challengeInvalid},
		{"client Basic credentials", http.MethodPost, basicHdr(confID, confSecret), http.StatusUnauthorized, challengeNoToken},
		{"malformed Bearer", http.MethodPost, []string{"Authorization", "Bearer a b"}, http.StatusBadRequest, `Bearer realm="oauthkit", error="invalid_request"`},
		{"GET", http.MethodGet, bearerHdr(alice.access), http.StatusMethodNotAllowed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.apiDo(tc.method, "/customer/", custBody(), hdrs(ctHdr(ctJSON), tc.hdr)...)
			if r.status != tc.status {
				t.Fatalf("got %d %s, want %d", r.status, r.raw, tc.status)
			}
			wantCacheNoStore(t, r)
			if tc.challenge != "" {
				wantChallenge(t, r, tc.challenge)
			}
			if tc.status == http.StatusMethodNotAllowed && r.header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", r.header.Get("Allow"))
			}
			if strings.Contains(r.raw, "oak:ct_") {
				t.Errorf("a refused request got a customer token: %s", r.raw)
			}
		})
	}
}

// TestCustomerTokenSeparation: R-CUST-2, a customer token is refused wherever an agent's
// access token is expected: the info endpoint, the personal access token API and the
// customer endpoint itself.
func TestCustomerTokenSeparation(t *testing.T) {
	e := newEnv(t)
	cust, _ := e.newCustomerToken(e.aliceTokens(agentScopes).access)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/v2/info", ""},
		{http.MethodGet, "/info", ""},
		{http.MethodGet, patPath, ""},
		{http.MethodPost, patPath, `{"name":"x","scopes":["chats--my:ro"]}`},
		{http.MethodPost, "/customer/", custBody()},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := e.apiDo(tc.method, tc.path, tc.body, hdrs(ctHdr(ctJSON), bearerHdr(cust))...)
			wantAPIError(t, r, http.StatusUnauthorized, "invalid_token")
			wantChallenge(t, r, challengeInvalid)
		})
	}
}

// TestCustomerTokenLifetime: R-CUST-1, expires_in follows Config.CustomerTokenLifetime and
// the token expires by the server's clock.
func TestCustomerTokenLifetime(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) { c.Lifetimes.CustomerToken = time.Hour })
	tok, _ := wantCustomerToken(t, e.customerPost(e.aliceTokens(agentScopes).access, custBody()), 3600)
	e.clock.Advance(time.Hour - time.Second)
	if !e.isActive(tok) {
		t.Fatal("the customer token expired early")
	}
	e.clock.Advance(time.Second)
	wantInactive(t, e.introspectAs(confID, confSecret, tok))
}
