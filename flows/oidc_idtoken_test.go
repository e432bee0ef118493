package flows_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// TestIDTokenRejected (R-LOGIN-2): an ID token that fails any check of OIDC Core §3.1.3.7
// signs nobody in: the configuration error page, the reason in the log only.
func TestIDTokenRejected(t *testing.T) {
	hmacKey := []byte("0123456789abcdef0123456789abcdef")
	for _, tt := range []struct {
		name string
		edit func(t *testing.T, u *fakeUpstream, c map[string]any) string
		log  string
	}{
		{"bad signature", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			return signJWT(t, newRSAKey(t, "key-1"), c) // a key the upstream never published, same kid
		}, "signature"},
		{"tampered payload", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			parts := strings.Split(signJWT(t, u.key, c), ".")
			c["org_id"] = "up-2"
			b, _ := json.Marshal(c)
			parts[1] = base64.RawURLEncoding.EncodeToString(b)
			return strings.Join(parts, ".")
		}, "signature"},
		{"wrong audience", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["aud"] = "another-client"
			return ""
		}, "audience"},
		{"several audiences without azp", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["aud"] = []string{upClientID, "another-client"}
			return ""
		}, "azp"},
		{"azp of another client", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["azp"] = "another-client"
			return ""
		}, "azp"},
		{"wrong issuer", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["iss"] = "https://evil.example"
			return ""
		}, "iss"},
		{"expired", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["exp"] = u.now().Add(-2 * time.Minute).Unix()
			return ""
		}, "expired"},
		{"issued in the future", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["iat"] = u.now().Add(5 * time.Minute).Unix()
			return ""
		}, "future"},
		{"not yet valid", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["nbf"] = u.now().Add(5 * time.Minute).Unix()
			return ""
		}, "not valid yet"},
		{"no exp", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			delete(c, "exp")
			return ""
		}, "exp and iat"},
		{"no sub", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			delete(c, "sub")
			return ""
		}, "sub is required"},
		{"wrong nonce", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["nonce"] = "another-nonce"
			return ""
		}, "nonce"},
		{"no nonce", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			delete(c, "nonce")
			return ""
		}, "nonce"},
		{"alg none", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			h, _ := json.Marshal(map[string]string{"alg": "none", "kid": "key-1", "typ": "JWT"})
			b, _ := json.Marshal(c)
			return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(b) + "."
		}, "unexpected signature algorithm"},
		{"HS256", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			return signJWT(t, &jose.JSONWebKey{Key: hmacKey, KeyID: "key-1", Algorithm: string(jose.HS256)}, c)
		}, "unexpected signature algorithm"},
		{"alg the upstream does not advertise", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			k := newRSAKey(t, "key-1")
			k.Algorithm = string(jose.PS256)
			return signJWT(t, k, c)
		}, "unexpected signature algorithm"},
		{"unknown kid", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			return signJWT(t, newRSAKey(t, "never-published"), c)
		}, "never-published"},
		{"encryption key", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			k := newECKey(t, "enc-1")
			pub := k.Public()
			pub.Use = "enc"
			u.published = append(u.published, pub)
			return signJWT(t, k, c)
		}, "enc-1"},
		{"not a JWT", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			return "not-a-jwt"
		}, "id token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fe := newFedEnv(t)
			fe.up.set(func(u *fakeUpstream) {
				u.idToken = func(c map[string]any) string { return tt.edit(t, u, c) }
			})
			p := fe.signInFederated(fe.browser(), "/login", person("x@upstream.test", "up-1", "agent"))
			wantFedPage(t, p, http.StatusBadGateway, flows.DetailOAuthConfiguration, textOAuthConfig)
			if logs := fe.logs.String(); !strings.Contains(logs, tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, logs)
			}
			if _, err := fe.store.AccountByLogin(context.Background(), "x@upstream.test"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a rejected ID token created an account: %v", err)
			}
		})
	}
}

// TestIDTokenAccepted: within the clock leeway, and with another advertised algorithm
// (ES256) and no kid when the JWKS has one matching key, the ID token is accepted.
func TestIDTokenAccepted(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(t *testing.T, u *fakeUpstream, c map[string]any) string
	}{
		{"expired within the leeway", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["exp"] = u.now().Add(-30 * time.Second).Unix()
			return ""
		}},
		{"ES256", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			k := newECKey(t, "ec-1")
			u.published = append(u.published, k.Public())
			return signJWT(t, k, c)
		}},
		{"no kid", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			k := *u.key
			k.KeyID = ""
			return signJWT(t, &k, c)
		}},
		{"azp of this client with several audiences", func(t *testing.T, u *fakeUpstream, c map[string]any) string {
			c["aud"] = []string{"another", upClientID}
			c["azp"] = upClientID
			return ""
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fe := newFedEnv(t)
			fe.up.set(func(u *fakeUpstream) {
				u.idToken = func(c map[string]any) string { return tt.edit(t, u, c) }
			})
			p := fe.signInFederated(fe.browser(), "/login", person("x@upstream.test", "up-1", "agent"))
			redirectLocation(t, p, http.StatusFound)
		})
	}
}

// TestJWKSRefetch: an ID token signed with a key the cached JWKS lacks (the upstream
// rotated) makes the server refetch the JWKS once and accept it; refetches happen at most
// once per 30 seconds, so made-up key ids cannot flood the upstream.
func TestJWKSRefetch(t *testing.T) {
	fe := newFedEnv(t)
	signIn := func() page {
		return fe.signInFederated(fe.browser(), "/login", person("x@upstream.test", "up-1", "agent"))
	}
	hits := func() int {
		var n int
		fe.up.set(func(u *fakeUpstream) { n = u.jwksHits })
		return n
	}
	rotate := func(kid string) {
		fe.up.set(func(u *fakeUpstream) {
			u.key = newRSAKey(t, kid)
			u.published = append(u.published, u.key.Public())
		})
	}
	redirectLocation(t, signIn(), http.StatusFound)
	redirectLocation(t, signIn(), http.StatusFound)
	if hits() != 1 {
		t.Fatalf("JWKS fetched %d times for two sign-ins with one key, want 1 (cached)", hits())
	}

	fe.clock.Advance(31 * time.Second)
	rotate("key-2")
	redirectLocation(t, signIn(), http.StatusFound)
	if hits() != 2 {
		t.Fatalf("JWKS fetched %d times after a rotation, want 2", hits())
	}

	rotate("key-3") // too soon after the last fetch
	wantFedPage(t, signIn(), http.StatusBadGateway, flows.DetailOAuthConfiguration, textOAuthConfig)
	wantFedPage(t, signIn(), http.StatusBadGateway, flows.DetailOAuthConfiguration, textOAuthConfig)
	if hits() != 2 {
		t.Fatalf("JWKS fetched %d times within 30 s of the last fetch, want 2", hits())
	}
	fe.clock.Advance(31 * time.Second)
	redirectLocation(t, signIn(), http.StatusFound)
	if hits() != 3 {
		t.Fatalf("JWKS fetched %d times, want 3", hits())
	}
}
