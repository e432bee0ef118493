package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/store"
)

// tokenPost posts form to the token endpoint, with Basic credentials when id is set.
func (e *env) tokenPost(id, secret string, form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatalf("token response is not JSON: %v", err)
	}
	return resp, body
}

// codeFor runs the browser through an authorization request of conf-app as alice and
// returns the code.
func (e *env) codeFor(q url.Values) string {
	e.t.Helper()
	base := url.Values{"response_type": {"code"}, "client_id": {confID}, "redirect_uri": {confRedirect}, "scope": {agentScopes}, "state": {"st"}}
	for k, v := range q {
		base[k] = v
	}
	p := e.browser().authorize(e.authURL(base), "alice@example.com", alicePW, "allow")
	return callback(e.t, p, base.Get("redirect_uri")).Get("code")
}

// TestConfidentialCodeFlow: the full code flow of a confidential client with the real
// x/oauth2 client (R-AUTHZ-3, R-AUTHZ-8, R-TOKEN-3, R-TOKEN-4).
func TestConfidentialCodeFlow(t *testing.T) {
	e := newEnv(t)
	conf := e.oauth2Config(confID, confSecret, confRedirect)
	b := e.browser()
	p := b.authorize(conf.AuthCodeURL("xyz-state"), "alice@example.com", alicePW, "allow")
	q := callback(t, p, confRedirect)
	if q.Get("state") != "xyz-state" || q.Get("iss") != e.srv.URL || !strings.HasPrefix(q.Get("code"), "oak:ac_") {
		t.Fatalf("callback parameters = %v", q)
	}
	if p.StatusCode != http.StatusSeeOther {
		t.Errorf("redirect after the consent POST is %d, want 303 (R-SEC-4)", p.StatusCode)
	}
	tok, err := conf.Exchange(context.Background(), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "oak:at_") || !strings.HasPrefix(tok.RefreshToken, "oak:rt_") || tok.TokenType != "Bearer" {
		t.Fatalf("token = %+v", tok)
	}
	if got := tok.Extra("account_id"); got != aliceID {
		t.Errorf("account_id = %v", got)
	}
	if got := tok.Extra("organization_id"); got != orgA {
		t.Errorf("organization_id = %v", got)
	}
	if got := tok.Extra("scope"); got != "chats--all:ro,chats--all:rw,chats--my:ro,customers:own" {
		t.Errorf("scope = %v, want the comma-separated list", got)
	}
	if got := tok.Extra("expires_in"); got != float64(28800) {
		t.Errorf("expires_in = %v, want 28800", got)
	}

	// A second authorization by the same account skips consent: the grant is remembered.
	p = b.authorize(conf.AuthCodeURL("again"), "", "", "")
	if q := callback(t, p, confRedirect); q.Get("code") == "" || q.Get("state") != "again" {
		t.Fatalf("second authorization = %v", q)
	}
	if p.StatusCode != http.StatusFound {
		t.Errorf("redirect of a GET authorization is %d, want 302", p.StatusCode)
	}
}

// TestPublicClientPKCE: a public client with PKCE S256 and no secret (R-AUTHZ-4,
// R-TOKEN-2 "none").
func TestPublicClientPKCE(t *testing.T) {
	e := newEnv(t)
	conf := e.oauth2Config(pubID, "", pubRedirect)
	verifier := oauth2.GenerateVerifier()
	p := e.browser().authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "alice@example.com", alicePW, "allow")
	code := callback(t, p, pubRedirect).Get("code")
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token = %+v", tok)
	}
}

// TestPublicClientWithoutPKCE: a public client must send a code_challenge (R-AUTHZ-4).
func TestPublicClientWithoutPKCE(t *testing.T) {
	e := newEnv(t)
	conf := e.oauth2Config(pubID, "", pubRedirect)
	p := e.browser().authorize(conf.AuthCodeURL("s"), "alice@example.com", alicePW, "allow")
	q := callback(t, p, pubRedirect)
	if q.Get("error") != "invalid_request" || q.Get("state") != "s" || q.Get("iss") != e.srv.URL {
		t.Fatalf("callback = %v, want invalid_request with state and iss", q)
	}
}

// TestRefreshConfidentialNoRotation: a confidential client's refresh token does not rotate
// and keeps working (R-TOKEN-5).
func TestRefreshConfidentialNoRotation(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	_, tok := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}})
	rt := tok["refresh_token"].(string)
	for i := range 3 {
		resp, body := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		if resp.StatusCode != http.StatusOK || body["refresh_token"] != rt {
			t.Fatalf("refresh %d: %d %v, want 200 with the same refresh token", i, resp.StatusCode, body)
		}
		if body["access_token"] == tok["access_token"] {
			t.Fatal("refresh returned the old access token")
		}
	}
	// Without its secret the confidential client cannot refresh.
	resp, body := e.tokenPost("", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {confID}})
	if resp.StatusCode != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Fatalf("refresh without secret: %d %v", resp.StatusCode, body)
	}
}

// TestRefreshPublicRotationReuse: a public client's refresh token rotates; reusing a
// rotated one is invalid_grant and revokes the whole family (R-TOKEN-5, RFC 9700 §4.14).
func TestRefreshPublicRotationReuse(t *testing.T) {
	e := newEnv(t)
	conf := e.oauth2Config(pubID, "", pubRedirect)
	verifier := oauth2.GenerateVerifier()
	p := e.browser().authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "alice@example.com", alicePW, "allow")
	code := callback(t, p, pubRedirect).Get("code")
	_, first := e.tokenPost("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {pubRedirect}, "client_id": {pubID}, "code_verifier": {verifier}})
	rt1 := first["refresh_token"].(string)

	refresh := func(rt string) (*http.Response, map[string]any) {
		return e.tokenPost("", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {pubID}})
	}
	resp, second := refresh(rt1)
	rt2, _ := second["refresh_token"].(string)
	if resp.StatusCode != http.StatusOK || rt2 == "" || rt2 == rt1 {
		t.Fatalf("first refresh: %d %v, want a new refresh token", resp.StatusCode, second)
	}
	resp, third := refresh(rt2)
	rt3, _ := third["refresh_token"].(string)
	if resp.StatusCode != http.StatusOK || rt3 == rt2 {
		t.Fatalf("second refresh: %d %v", resp.StatusCode, third)
	}

	// Reuse of rt1 (rotated away): refused, and the family dies.
	resp, body := refresh(rt1)
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v, want invalid_grant", resp.StatusCode, body)
	}
	resp, body = refresh(rt3)
	if body["error"] != "invalid_grant" {
		t.Fatalf("the live refresh token survived the reuse: %d %v", resp.StatusCode, body)
	}
	for _, at := range []any{first["access_token"], second["access_token"], third["access_token"]} {
		if _, err := e.store.Token(context.Background(), e.hasher.Hash(at.(string)), e.clock.Now()); err == nil {
			t.Errorf("access token %v survived the family revocation", at)
		}
	}
}

// TestRefreshScopes: a refresh may narrow the scopes, never widen them (R-TOKEN-5).
func TestRefreshScopes(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(url.Values{"scope": {"chats--my:ro chats--all:ro"}})
	_, tok := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}})
	rt := tok["refresh_token"].(string)

	resp, body := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "scope": {"chats--my:ro"}})
	if resp.StatusCode != http.StatusOK || body["scope"] != "chats--my:ro" {
		t.Fatalf("narrowing: %d %v", resp.StatusCode, body)
	}
	resp, body = e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "scope": {"chats--my:ro,chats--all:rw"}})
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "access_denied" {
		t.Fatalf("widening: %d %v, want access_denied", resp.StatusCode, body)
	}
	// Narrowing once does not shrink the refresh token: the full grant is still there.
	resp, body = e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if resp.StatusCode != http.StatusOK || body["scope"] != "chats--all:ro,chats--my:ro" {
		t.Fatalf("full refresh after narrowing: %d %v", resp.StatusCode, body)
	}
}

// TestCodeReplay: a code used twice is invalid_grant and every token it issued is revoked
// (R-TOKEN-3, RFC 9700 §4.5).
func TestCodeReplay(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}}
	resp, tok := e.tokenPost(confID, confSecret, form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first redemption: %d %v", resp.StatusCode, tok)
	}
	resp, body := e.tokenPost(confID, confSecret, form)
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v, want invalid_grant", resp.StatusCode, body)
	}
	for _, k := range []string{"access_token", "refresh_token"} {
		_, err := e.store.Token(context.Background(), e.hasher.Hash(tok[k].(string)), e.clock.Now())
		if err == nil {
			t.Errorf("%s issued from the replayed code is still valid", k)
		}
	}
	resp, body = e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if body["error"] != "invalid_grant" {
		t.Errorf("refresh after replay: %d %v", resp.StatusCode, body)
	}
}

// TestCodeExpiry: codes expire after CodeLifetime (R-AUTHZ-8), by the injected clock.
func TestCodeExpiry(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	e.clock.Advance(5*time.Minute + time.Second)
	resp, body := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}})
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("expired code: %d %v", resp.StatusCode, body)
	}
}

// TestRefreshTokenExpiry: an expired refresh token is invalid_grant (R-TOKEN-5).
func TestRefreshTokenExpiry(t *testing.T) {
	e := newEnv(t)
	code := e.codeFor(nil)
	_, tok := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}})
	e.clock.Advance(30*24*time.Hour - time.Second)
	resp, _ := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh just before expiry: %d", resp.StatusCode)
	}
	e.clock.Advance(2 * time.Second)
	resp, body := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("expired refresh token: %d %v", resp.StatusCode, body)
	}
	if _, err := e.store.Token(context.Background(), e.hasher.Hash(tok["refresh_token"].(string)), e.clock.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("store lookup of the expired refresh token: %v", err)
	}
}
