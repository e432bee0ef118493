package flows_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// TestProvisionedCodeFlow: a client and an account made with NewClient and NewAccount and
// stored in memstore run the code flow with the real x/oauth2 client, signing in through
// the built-in password page with the login as typed in any case.
func TestProvisionedCodeFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acct, err := e.flows.NewAccount(flows.AccountSpec{Login: " Carol@Example.com ", Password: "carol-password", OrganizationID: orgA, Roles: []string{"agent"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	for _, public := range []bool{false, true} {
		redirect := confRedirect
		if public {
			redirect = pubRedirect
		}
		c, secret, err := e.flows.NewClient(flows.ClientSpec{Name: "Reports", Public: public, RedirectURIs: []string{redirect}, Scopes: []string{"chats--my:ro", "chats--all:ro"}})
		if err != nil {
			t.Fatal(err)
		}
		if (secret == "") != public {
			t.Fatalf("public %v: secret %q", public, secret)
		}
		if err := e.store.PutClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		conf := e.oauth2Config(c.ID, secret, redirect)
		conf.Scopes = []string{"chats--my:ro"}
		verifier := oauth2.GenerateVerifier()
		p := e.browser().authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "carol@example.com", "carol-password", "allow")
		code := callback(t, p, redirect).Get("code")
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("public %v: %v", public, err)
		}
		if tok.Extra("account_id") != acct.ID || tok.Extra("organization_id") != orgA || tok.Extra("scope") != "chats--my:ro" {
			t.Errorf("public %v: token answer %v %v %v", public, tok.Extra("account_id"), tok.Extra("organization_id"), tok.Extra("scope"))
		}
		if r := e.infoGet(tok.AccessToken); r.status != http.StatusOK || r.s("client_id") != c.ID {
			t.Errorf("public %v: info %d %s", public, r.status, r.raw)
		}
	}
}

// TestNewClient: the record NewClient builds, and what it refuses.
func TestNewClient(t *testing.T) {
	e := newEnv(t, withPersonalTokenClients(t), func(c *flows.Config) { c.Policy.PersonalTokenClients = []string{"console"} })
	c, secret, err := e.flows.NewClient(flows.ClientSpec{
		Name: "Console", ID: "console", RedirectURIs: []string{confRedirect},
		Scopes: []string{"chats--my:ro", flows.PersonalTokensScope, "chats--my:ro", "agents--all:rw"}, OrganizationID: orgA, RequirePKCE: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "console" || c.Public || !c.RequirePKCE || c.OrganizationID != orgA || !c.CreatedAt.Equal(e.clock.Now()) || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Errorf("record = %+v", c)
	}
	if strings.Join(c.Scopes, " ") != "agents--all:rw chats--my:ro "+flows.PersonalTokensScope {
		t.Errorf("scopes = %v, want sorted without duplicates", c.Scopes)
	}
	if len(secret) != 43 || !e.hasher.Equal(secret, c.SecretHash) {
		t.Errorf("secret %q does not match the stored hash", secret)
	}
	if other, again, _ := e.flows.NewClient(flows.ClientSpec{RedirectURIs: []string{confRedirect}}); other.ID == "" || again == secret {
		t.Errorf("a second client: ID %q, secret repeated %v", other.ID, again == secret)
	}
	pub, none, err := e.flows.NewClient(flows.ClientSpec{Public: true, RedirectURIs: []string{pubRedirect}})
	if err != nil || none != "" || !pub.SecretHash.IsZero() || !pub.Public {
		t.Errorf("public client: %+v %q %v", pub, none, err)
	}

	for _, tc := range []struct {
		name string
		spec flows.ClientSpec
		is   error
	}{
		{"redirect URI with a fragment", flows.ClientSpec{RedirectURIs: []string{"https://app.example/cb#x"}}, redirecturi.ErrInvalid},
		{"relative redirect URI", flows.ClientSpec{RedirectURIs: []string{confRedirect, "/cb"}}, redirecturi.ErrInvalid},
		{"unknown scope", flows.ClientSpec{Scopes: []string{"chats--none:ro"}}, nil},
		{"malformed scope", flows.ClientSpec{Scopes: []string{"a b"}}, nil},
		{"personal tokens scope for another client", flows.ClientSpec{ID: "other", Scopes: []string{flows.PersonalTokensScope}}, nil},
		{"ID with a control character", flows.ClientSpec{ID: "app\x00"}, nil},
		{"ID with spaces around", flows.ClientSpec{ID: " app"}, nil},
		{"name with a control character", flows.ClientSpec{Name: "App\n"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.flows.NewClient(tc.spec)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("err = %v, want one wrapping %v", err, tc.is)
			}
		})
	}
}

// TestNewAccount: the record NewAccount builds, and what it refuses.
func TestNewAccount(t *testing.T) {
	e := newEnv(t)
	a, err := e.flows.NewAccount(flows.AccountSpec{Login: "  Dan@Example.COM", Password: "dan-password", OrganizationID: orgB, Roles: []string{"agent", "administrator"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Login != "dan@example.com" || a.OrganizationID != orgB || len(a.Roles) != 2 || !a.HasRole("administrator") || a.ID == "" || !a.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("record = %+v", a)
	}
	if ok, err := credentials.VerifyPassword("dan-password", a.PasswordHash); !ok || err != nil {
		t.Errorf("the password does not verify: %v %v", ok, err)
	}
	if b, err := e.flows.NewAccount(flows.AccountSpec{ID: "eve", Login: "eve@example.com"}); err != nil || b.ID != "eve" || b.PasswordHash != "" {
		t.Errorf("account without password: %+v %v", b, err)
	}
	for _, tc := range []struct {
		name string
		spec flows.AccountSpec
	}{
		{"no login", flows.AccountSpec{Login: "  "}},
		{"login with a control character", flows.AccountSpec{Login: "a\x7f@example.com"}},
		{"login of invalid UTF-8", flows.AccountSpec{Login: "a\xff@example.com"}},
		{"login too long", flows.AccountSpec{Login: strings.Repeat("a", 321)}},
		{"password too long", flows.AccountSpec{Login: "a@example.com", Password: strings.Repeat("p", 1025)}},
		{"empty role", flows.AccountSpec{Login: "a@example.com", Roles: []string{""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.flows.NewAccount(tc.spec); err == nil {
				t.Error("accepted")
			}
		})
	}
	// The login is unique: the store refuses a second account with it.
	ctx := context.Background()
	if err := e.store.PutAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	dup, _ := e.flows.NewAccount(flows.AccountSpec{Login: "DAN@example.com"})
	if err := e.store.PutAccount(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second account with the login: %v, want ErrConflict", err)
	}
}
