package flows_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// jwtEnv is a server issuing JWT access tokens signed with a fresh key of alg.
func jwtEnv(t *testing.T, alg string) (*env, []byte) {
	t.Helper()
	key, err := flows.GenerateSigningKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, func(c *flows.Config) { c.JWT = &flows.JWTAccessTokens{SigningKey: key} }), key
}

// jwtParts decodes the header and payload of a compact JWS.
func jwtParts(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a compact JWS", tok)
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(raw, dst) != nil {
			t.Fatalf("part %d of the JWT is not base64url JSON", i)
		}
	}
	return header, payload
}

// jwtValidator is a resource server that checks JWTs offline against the server's JWKS.
func (e *env) jwtValidator(t *testing.T) middleware.Validator {
	t.Helper()
	v, err := middleware.NewJWT(middleware.JWTOptions{
		Issuer: e.srv.URL, Audience: e.srv.URL, JWKSURL: e.srv.URL + "/.well-known/jwks.json", Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestJWTAccessTokens: with Config.JWT, access tokens are RFC 9068 JWTs with the claims
// R-JWT lists, verifiable offline through /.well-known/jwks.json, for every algorithm.
func TestJWTAccessTokens(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA", "RS256"} {
		t.Run(alg, func(t *testing.T) {
			e, _ := jwtEnv(t, alg)
			_, tok := e.tokenPost(confID, confSecret, url.Values{"grant_type": {"authorization_code"}, "code": {e.codeFor(nil)}, "redirect_uri": {confRedirect}})
			at, _ := tok["access_token"].(string)
			header, claims := jwtParts(t, at)
			if header["typ"] != "at+jwt" || header["alg"] != alg || header["kid"] == "" {
				t.Errorf("header = %v", header)
			}
			rec, err := e.store.Token(context.Background(), e.hasher.Hash(at), e.clock.Now())
			if err != nil {
				t.Fatalf("the JWT has no record under its keyed hash: %v", err)
			}
			want := map[string]any{
				"iss": e.srv.URL, "sub": aliceID, "aud": e.srv.URL, "client_id": confID,
				"scope": "chats--all:ro chats--all:rw chats--my:ro customers:own", "jti": rec.ID,
				"account_id": aliceID, "organization_id": orgA,
				"iat": float64(e.clock.Now().Unix()), "exp": float64(e.clock.Now().Add(8 * time.Hour).Unix()),
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			if _, ok := tok["refresh_token"].(string); !ok || strings.Count(tok["refresh_token"].(string), ".") == 2 {
				t.Errorf("the refresh token should stay opaque: %v", tok["refresh_token"])
			}
			info, err := e.jwtValidator(t).Validate(context.Background(), middleware.Credential{Token: at})
			if err != nil || info.AccountID != aliceID || info.ID != rec.ID {
				t.Fatalf("offline validation = %+v, %v", info, err)
			}
			// The server's own endpoints treat the JWT like any token.
			if r := e.infoGet(at); r.status != http.StatusOK {
				t.Errorf("/v2/info with the JWT: %d", r.status)
			}
			if !e.isActive(at) {
				t.Error("the JWT does not introspect as active")
			}
		})
	}
}

// TestJWTRevocation: a revoked JWT is refused by the local and introspection paths (by
// jti and keyed hash) while a signature-only validator still accepts it until it expires —
// the documented trade-off of pure JWT validation.
func TestJWTRevocation(t *testing.T) {
	e, _ := jwtEnv(t, "")
	tp := e.aliceTokens("chats--my:ro")
	hasher, err := credentials.NewHasher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	local, err := middleware.NewLocal(e.store, hasher, middleware.LocalOptions{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := local.Validate(context.Background(), middleware.Credential{Token: tp.access}); err != nil {
		t.Fatalf("local validation before revocation: %v", err)
	}
	if r := e.apiDo(http.MethodDelete, "/v2/token", "", bearerHdr(tp.access)...); r.status != http.StatusOK {
		t.Fatalf("revocation: %d %s", r.status, r.raw)
	}
	if _, err := local.Validate(context.Background(), middleware.Credential{Token: tp.access}); !errors.Is(err, middleware.ErrInvalidToken) {
		t.Fatalf("local validation after revocation = %v, want ErrInvalidToken", err)
	}
	if e.isActive(tp.access) {
		t.Fatal("a revoked JWT introspects as active")
	}
	if _, err := e.jwtValidator(t).Validate(context.Background(), middleware.Credential{Token: tp.access}); err != nil {
		t.Fatalf("signature-only validation refused a revoked JWT (%v); the README says it accepts it until exp", err)
	}
}

// TestJWTKeyRotation: after RotateSigningKey new tokens carry the new kid, the JWKS lists
// both keys, and tokens signed with the old key still verify (R-JWT).
func TestJWTKeyRotation(t *testing.T) {
	e, _ := jwtEnv(t, "ES256")
	before := e.aliceTokens("chats--my:ro").access
	next, _ := flows.GenerateSigningKey("EdDSA")
	if err := e.flows.RotateSigningKey(next); err != nil {
		t.Fatal(err)
	}
	after := e.aliceTokens("chats--my:ro").access
	h1, _ := jwtParts(t, before)
	h2, _ := jwtParts(t, after)
	if h1["kid"] == h2["kid"] || h2["alg"] != "EdDSA" {
		t.Fatalf("kids %v and %v, alg %v: the new key does not sign", h1["kid"], h2["kid"], h2["alg"])
	}
	var jwks struct{ Keys []struct{ Kid string } }
	r := e.apiDo(http.MethodGet, "/.well-known/jwks.json", "")
	if err := json.Unmarshal([]byte(r.raw), &jwks); err != nil || len(jwks.Keys) != 2 {
		t.Fatalf("JWKS = %s", r.raw)
	}
	v := e.jwtValidator(t)
	for _, tok := range []string{before, after} {
		if _, err := v.Validate(context.Background(), middleware.Credential{Token: tok}); err != nil {
			t.Errorf("validation after rotation: %v", err)
		}
	}
	// Once the old key's tokens have expired it leaves the JWKS.
	e.clock.Advance(8*time.Hour + 2*time.Minute)
	r = e.apiDo(http.MethodGet, "/.well-known/jwks.json", "")
	if err := json.Unmarshal([]byte(r.raw), &jwks); err != nil || len(jwks.Keys) != 1 || jwks.Keys[0].Kid != h2["kid"] {
		t.Fatalf("JWKS after the old key's tokens expired = %s", r.raw)
	}
}

// TestJWTConfig: a bad key fails at construction; retired keys are published until their
// time; metadata names the JWKS; without JWT there is no JWKS.
func TestJWTConfig(t *testing.T) {
	for _, bad := range [][]byte{nil, []byte("{}"), []byte(`{"kty":"oct","k":"c2VjcmV0"}`)} {
		_, err := flows.New(flows.Config{Issuer: "https://as.example", Storage: &nopStorage{}, Hasher: testHasher, Authenticator: nobody{},
			Scopes: mustCatalog(t), JWT: &flows.JWTAccessTokens{SigningKey: bad}})
		if err == nil {
			t.Errorf("New accepted the signing key %q", bad)
		}
	}
	old, _ := flows.GenerateSigningKey("RS256")
	cur, _ := flows.GenerateSigningKey("ES256")
	e := newEnv(t, func(c *flows.Config) {
		c.JWT = &flows.JWTAccessTokens{SigningKey: cur, RetiredKeys: []flows.RetiredKey{{Key: old, Until: c.Now().Add(time.Hour)}}}
	})
	var jwks struct{ Keys []json.RawMessage }
	if r := e.apiDo(http.MethodGet, "/.well-known/jwks.json", ""); json.Unmarshal([]byte(r.raw), &jwks) != nil || len(jwks.Keys) != 2 {
		t.Fatalf("JWKS with a retired key = %s", r.raw)
	}
	for _, k := range jwks.Keys {
		if strings.Contains(string(k), `"d"`) {
			t.Fatalf("the JWKS publishes a private key: %s", k)
		}
	}
	if r := e.apiDo(http.MethodGet, "/.well-known/oauth-authorization-server", ""); r.s("jwks_uri") != e.srv.URL+"/.well-known/jwks.json" {
		t.Errorf("jwks_uri = %q", r.s("jwks_uri"))
	}
	plain := newEnv(t)
	if r := plain.apiDo(http.MethodGet, "/.well-known/jwks.json", ""); r.status != http.StatusNotFound {
		t.Errorf("JWKS without JWT access tokens: %d", r.status)
	}
	if r := plain.apiDo(http.MethodGet, "/.well-known/oauth-authorization-server", ""); r.s("jwks_uri") != "" {
		t.Errorf("jwks_uri without JWT access tokens = %q", r.s("jwks_uri"))
	}
}

// nopStorage satisfies store.Storage for construction-only tests.
type nopStorage struct{ store.Storage }

func mustCatalog(t *testing.T) *scopes.Catalog {
	t.Helper()
	c, err := scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro", Description: "Read your chats"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
