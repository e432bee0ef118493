package flows_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/flows"
)

// The optional client_credentials grant (R-TOKEN-6).

func withClientCredentials(c *flows.Config) { c.Policy.ClientCredentials = true }

// ccForm is a client_credentials request with extra pairs.
func ccForm(kv ...string) url.Values {
	f := url.Values{"grant_type": {"client_credentials"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// TestClientCredentialsOffByDefault: R-TOKEN-6, the seed disables client_credentials:
// unsupported_grant_type, with or without client authentication.
func TestClientCredentialsOffByDefault(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{confID, ""} {
		resp, body := e.tokenPost(id, clientSecrets[id], ccForm())
		if resp.StatusCode != http.StatusBadRequest || body["error"] != "unsupported_grant_type" {
			t.Errorf("client %q: %d %v, want unsupported_grant_type", id, resp.StatusCode, body)
		}
	}
}

// TestClientCredentials: R-TOKEN-6 enabled with Config.ClientCredentials: a confidential
// client gets an access token for itself, with no refresh token and no account, holding its
// scopes minus administrator-only ones (or the subset it asks for).
func TestClientCredentials(t *testing.T) {
	for _, tc := range []struct {
		name      string
		client    string
		post      bool // client_secret_post instead of Basic
		scope     string
		wantScope string
		wantOrg   string
	}{
		{"all allowed scopes, Basic", confID, false, "", agentScopesCommas, ""},
		{"all allowed scopes, post", confID, true, "", agentScopesCommas, ""},
		{"a subset", confID, false, "chats--my:ro chats--all:ro", "chats--all:ro,chats--my:ro", ""},
		{"comma-separated subset", confID, false, "customers:own,chats--my:ro", "chats--my:ro,customers:own", ""},
		{"private client carries its organization", privID, false, "", agentScopesCommas, orgA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withClientCredentials)
			form := ccForm()
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			id, secret := tc.client, clientSecrets[tc.client]
			if tc.post {
				form.Set("client_id", id)
				form.Set("client_secret", secret)
				id, secret = "", ""
			}
			resp, body := e.tokenPost(id, secret, form)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d %v", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
			at, _ := body["access_token"].(string)
			want := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": float64(28800), "scope": tc.wantScope}
			if tc.wantOrg != "" {
				want["organization_id"] = tc.wantOrg
			}
			if diff := cmp.Diff(want, body); diff != "" {
				t.Errorf("token answer (-want +got):\n%s", diff)
			}
			if len(at) < len("oak:at_")+43 || at[:len("oak:at_")] != "oak:at_" {
				t.Errorf("access_token = %q", at)
			}

			// The token introspects with the client as subject and no account.
			r := e.introspectAs(confID, confSecret, at)
			if r.obj["active"] != true || r.s("sub") != tc.client || r.s("client_id") != tc.client ||
				r.obj["account_id"] != nil || r.s("kind") != "access" || r.s("organization_id") != tc.wantOrg {
				t.Errorf("introspection: %s", r.raw)
			}
			// The info endpoint describes it without an account.
			r = e.infoGet(at)
			if r.status != http.StatusOK || r.s("client_id") != tc.client || r.obj["account_id"] != nil || r.obj["refresh_token"] != nil {
				t.Errorf("info: %d %s", r.status, r.raw)
			}
			// It can be revoked like any token (R-REVOKE-3).
			rv := e.apiDo(http.MethodPost, "/revoke", url.Values{"token": {at}}.Encode(), hdrs(ctHdr(ctForm), basicHdr(tc.client, clientSecrets[tc.client]))...)
			if rv.status != http.StatusOK || e.tokenAlive(at) {
				t.Errorf("revocation: %d %s, alive %v", rv.status, rv.raw, e.tokenAlive(at))
			}
		})
	}
}

// TestClientCredentialsErrors: R-TOKEN-6 and R-ERR-1, administrator-only, unknown or
// unallowed scopes are invalid_scope; a public client is unauthorized_client; client
// authentication failures are as at the token endpoint (R-TOKEN-2).
func TestClientCredentialsErrors(t *testing.T) {
	e := newEnv(t, withClientCredentials)
	for _, tc := range []struct {
		name   string
		id     string
		secret string
		form   url.Values
		status int
		code   string
	}{
		{"admin-only scope", confID, confSecret, ccForm("scope", "agents--all:rw"), http.StatusBadRequest, "invalid_scope"},
		{"admin-only among others", confID, confSecret, ccForm("scope", "chats--my:ro agents--all:rw"), http.StatusBadRequest, "invalid_scope"},
		{"unknown scope", confID, confSecret, ccForm("scope", "chats--none:ro"), http.StatusBadRequest, "invalid_scope"},
		{"scope of separators only", confID, confSecret, ccForm("scope", " , "), http.StatusBadRequest, "invalid_scope"},
		{"malformed scope", confID, confSecret, ccForm("scope", `chats"my`), http.StatusBadRequest, "invalid_scope"},
		{"public client", "", "", ccForm("client_id", pubID), http.StatusBadRequest, "unauthorized_client"},
		{"public client asking for a scope", "", "", ccForm("client_id", pubID, "scope", "chats--my:ro"), http.StatusBadRequest, "unauthorized_client"},
		{"wrong secret", confID, "wrong-secret", ccForm(), http.StatusUnauthorized, "invalid_client"},
		{"no client", "", "", ccForm(), http.StatusBadRequest, "unauthorized_client"},
		{"unknown client", "", "", ccForm("client_id", "nobody", "client_secret", "x"), http.StatusBadRequest, "unauthorized_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.tokenPost(tc.id, tc.secret, tc.form)
			if resp.StatusCode != tc.status || body["error"] != tc.code {
				t.Fatalf("got %d %v, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			if _, ok := body["access_token"]; ok {
				t.Errorf("an error answer carries a token")
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
		})
	}
}

// TestClientCredentialsTokenWithoutAccount: R-TOKEN-6 with R-PAT-1 and R-CUST-1, a token
// that belongs to no account cannot mint personal access tokens (403), and one that belongs
// to no organization cannot create customers (403): such customers would belong to no
// organization, usable by any other client's token.
func TestClientCredentialsTokenWithoutAccount(t *testing.T) {
	e := newEnv(t, withClientCredentials)
	_, body := e.tokenPost(confID, confSecret, ccForm())
	at := body["access_token"].(string)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, patPath, ""},
		{http.MethodPost, patPath, `{"name":"x","scopes":["chats--my:ro"]}`},
		{http.MethodPost, "/customer/", custBody()},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := e.apiDo(tc.method, tc.path, tc.body, hdrs(ctHdr(ctJSON), bearerHdr(at))...)
			wantAPIError(t, r, http.StatusForbidden, "insufficient_scope")
			wantChallenge(t, r, `Bearer realm="oauthkit", error="insufficient_scope"`)
		})
	}
	// A private client's token belongs to its organization: it may create customers there.
	_, body = e.tokenPost(privID, privSecret, ccForm())
	r := e.customerPost(body["access_token"].(string), custBody("client_id", privID))
	if r.status != http.StatusOK || r.s("client_id") != privID {
		t.Fatalf("private client's token at /customer/: %d %s", r.status, r.raw)
	}
	cust := r.s("entity_id")
	// Its customers are the organization's: an account of that organization may use them.
	r = e.customerPost(e.aliceTokens(agentScopes).access, custBody("entity_id", cust))
	if r.status != http.StatusOK || r.s("entity_id") != cust {
		t.Errorf("alice with the private client's customer: %d %s", r.status, r.raw)
	}
}
