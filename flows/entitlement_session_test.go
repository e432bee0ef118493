package flows_test

import (
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/scopes"
)

// A browser session outlives a change of the account's rights: an account that may no longer
// sign in, or moved to another organization, gets nothing new from a session that began
// before, and a code it was issued before the change is worth nothing after.

// TestSessionOfBarredAccount: alice is signed in, then loses her last role that may sign in.
// Her session's next authorization request is refused with access_denied, and she cannot
// create a personal access token from it.
func TestSessionOfBarredAccount(t *testing.T) {
	e, _ := entitlementEnv(t)
	b := e.browser()
	b.signIn(acctAlice.login, acctAlice.pw)
	e.setRoles(aliceID, "former-agent")

	q := url.Values{"response_type": {"code"}, "client_id": {confID}, "redirect_uri": {confRedirect}, "scope": {"chats--my:ro"}, "state": {"s1"}}
	p := b.get(e.authURL(q))
	if got := callback(t, p, confRedirect); got.Get("error") != "access_denied" || got.Get("code") != "" {
		t.Fatalf("authorization for a barred account: %v, want error=access_denied", got)
	}

	if _, err := e.flows.CreatePersonalToken(t.Context(), aliceID, "ci", scopes.New("chats--my:ro")); err == nil {
		t.Fatal("CreatePersonalToken for an account that may not sign in succeeded")
	}
}

// TestCodeOfChangedAccount: a code issued before the account was barred, moved or demoted
// is redeemed against the account as it is at redemption.
func TestCodeOfChangedAccount(t *testing.T) {
	for _, tc := range []struct {
		name      string
		who       acct
		scope     string
		change    func(e *env)
		wantScope string // "" means invalid_grant
	}{
		{"barred", acctAlice, "chats--my:ro", func(e *env) { e.setRoles(aliceID, "former-agent") }, ""},
		{"moved to another organization", acctAlice, "chats--my:ro", func(e *env) { e.setOrganization(aliceID, orgB) }, ""},
		{"administrator demoted", acctRoot, "agents--all:rw chats--my:ro", func(e *env) { e.setRoles(rootID, "agent") }, "chats--my:ro"},
		{"unchanged", acctAlice, "chats--my:ro", func(*env) {}, "chats--my:ro"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := entitlementEnv(t)
			verifier := oauth2.GenerateVerifier()
			q := url.Values{
				"response_type": {"code"}, "client_id": {confID}, "redirect_uri": {confRedirect}, "scope": {tc.scope}, "state": {"s"},
				"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
			}
			code := callback(t, e.browser().authorize(e.authURL(q), tc.who.login, tc.who.pw, "allow"), confRedirect).Get("code")
			tc.change(e)
			resp, body := e.tokenAs(confID, url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {confRedirect}, "code_verifier": {verifier}})
			if tc.wantScope == "" {
				if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
					t.Fatalf("redeeming the code: %d %v, want invalid_grant", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || body["scope"] != tc.wantScope {
				t.Fatalf("redeeming the code: %d %v, want 200 with scope %s", resp.StatusCode, body, tc.wantScope)
			}
		})
	}
}
