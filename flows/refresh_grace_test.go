package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
)

// graceEnv is a server whose public clients' rotated refresh tokens have a grace of 30 s.
func graceEnv(t *testing.T) *env {
	return newEnv(t, func(c *flows.Config) { c.Policy.RefreshGrace = 30 * time.Second })
}

// publicGrant redeems a code of the public client and returns the token response.
func (e *env) publicGrant() map[string]any {
	e.t.Helper()
	conf := e.oauth2Config(pubID, "", pubRedirect)
	verifier := oauth2.GenerateVerifier()
	p := e.browser().authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "alice@example.com", alicePW, "allow")
	code := callback(e.t, p, pubRedirect).Get("code")
	_, tok := e.tokenPost("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {pubRedirect}, "client_id": {pubID}, "code_verifier": {verifier}})
	if _, ok := tok["refresh_token"].(string); !ok {
		e.t.Fatalf("code redemption: %v", tok)
	}
	return tok
}

// refreshPublic refreshes rt as the public client.
func (e *env) refreshPublic(rt any) (int, map[string]any) {
	e.t.Helper()
	s, _ := rt.(string)
	resp, body := e.tokenPost("", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s}, "client_id": {pubID}})
	return resp.StatusCode, body
}

// wantLive fails unless every access token of bodies is stored and live.
func (e *env) wantLive(what string, live bool, bodies ...map[string]any) {
	e.t.Helper()
	for _, b := range bodies {
		at, _ := b["access_token"].(string)
		_, err := e.store.Token(context.Background(), e.hasher.Hash(at), e.clock.Now())
		if (err == nil) != live {
			e.t.Errorf("%s: access token found = %v, want %v (err %v)", what, err == nil, live, err)
		}
	}
}

// TestRefreshGraceRepeat: within Policy.RefreshGrace, presenting a rotated refresh token
// again returns a new pair of the same grant, and the pair of the first rotation keeps
// working too (processes sharing one refresh token, a lost rotation answer).
func TestRefreshGraceRepeat(t *testing.T) {
	e := graceEnv(t)
	first := e.publicGrant()
	st, second := e.refreshPublic(first["refresh_token"])
	if st != http.StatusOK {
		t.Fatalf("first refresh: %d %v", st, second)
	}
	e.clock.Advance(10 * time.Second)
	st, repeat := e.refreshPublic(first["refresh_token"])
	if st != http.StatusOK || repeat["refresh_token"] == second["refresh_token"] || repeat["refresh_token"] == first["refresh_token"] {
		t.Fatalf("repeat within the grace: %d %v, want 200 with a new refresh token", st, repeat)
	}
	e.wantLive("within the grace", true, second, repeat)
	for name, b := range map[string]map[string]any{"first rotation": second, "repeat": repeat} {
		if st, body := e.refreshPublic(b["refresh_token"]); st != http.StatusOK {
			t.Errorf("refresh with the %s's refresh token: %d %v, want 200", name, st, body)
		}
	}
}

// TestRefreshGraceAfterWindow: once the grace has passed, a rotated refresh token presented
// again is reuse: invalid_grant, and the whole grant is revoked.
func TestRefreshGraceAfterWindow(t *testing.T) {
	e := graceEnv(t)
	first := e.publicGrant()
	if st, body := e.refreshPublic(first["refresh_token"]); st != http.StatusOK {
		t.Fatalf("first refresh: %d %v", st, body)
	}
	e.clock.Advance(10 * time.Second)
	st, second := e.refreshPublic(first["refresh_token"])
	if st != http.StatusOK {
		t.Fatalf("repeat within the grace: %d %v", st, second)
	}
	e.clock.Advance(20 * time.Second) // 30 s after the rotation: the window has closed
	if st, body := e.refreshPublic(first["refresh_token"]); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("repeat after the grace: %d %v, want invalid_grant", st, body)
	}
	e.wantLive("after reuse", false, first, second)
	if st, body := e.refreshPublic(second["refresh_token"]); body["error"] != "invalid_grant" {
		t.Fatalf("the grant survived the reuse: %d %v", st, body)
	}
}

// TestRefreshGraceRepeatsBounded: a rotated refresh token may be repeated
// Policy.RefreshGraceRepeats times (default 2); one more is reuse and revokes the grant.
func TestRefreshGraceRepeatsBounded(t *testing.T) {
	e := graceEnv(t)
	first := e.publicGrant()
	issued := []map[string]any{first}
	for i := range 3 { // the rotation and two repeats
		st, body := e.refreshPublic(first["refresh_token"])
		if st != http.StatusOK {
			t.Fatalf("refresh #%d within the grace: %d %v", i, st, body)
		}
		issued = append(issued, body)
		e.clock.Advance(time.Second)
	}
	if st, body := e.refreshPublic(first["refresh_token"]); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("a third repeat: %d %v, want invalid_grant", st, body)
	}
	e.wantLive("after a repeat beyond the bound", false, issued...)
}

// TestRefreshGraceOffByDefault: without Policy.RefreshGrace, an immediate repeat of a
// rotated refresh token revokes the grant, as before.
func TestRefreshGraceOffByDefault(t *testing.T) {
	e := newEnv(t)
	first := e.publicGrant()
	st, second := e.refreshPublic(first["refresh_token"])
	if st != http.StatusOK {
		t.Fatalf("first refresh: %d %v", st, second)
	}
	if st, body := e.refreshPublic(first["refresh_token"]); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("immediate repeat: %d %v, want invalid_grant", st, body)
	}
	e.wantLive("after reuse", false, second)
}

// TestRefreshGraceConfig: the grace is bounded at construction.
func TestRefreshGraceConfig(t *testing.T) {
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "a:ro"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p  flows.Policy
		ok bool
	}{
		{flows.Policy{RefreshGrace: time.Minute, RefreshGraceRepeats: 10}, true},
		{flows.Policy{RefreshGrace: -time.Second}, false},
		{flows.Policy{RefreshGrace: time.Minute + time.Nanosecond}, false},
		{flows.Policy{RefreshGrace: time.Second, RefreshGraceRepeats: 11}, false},
		{flows.Policy{RefreshGraceRepeats: -1}, false},
	} {
		_, err := flows.New(flows.Config{Issuer: "https://as.example", Storage: memstore.New(), Hasher: testHasher,
			Scopes: cat, Authenticator: nobody{}, Policy: tc.p})
		if tc.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "RefreshGrace")) {
			t.Errorf("New with %+v: err = %v, want ok = %v or an error naming RefreshGrace", tc.p, err, tc.ok)
		}
	}
}
