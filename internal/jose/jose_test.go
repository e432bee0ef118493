package jose

import (
	"crypto/ecdsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func mustKey(t testing.TB, alg gojose.SignatureAlgorithm) *Key {
	t.Helper()
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testClaims(now time.Time) AccessClaims {
	return AccessClaims{
		Issuer: "https://auth.example.com", Subject: "acc-1", Audience: []string{"https://api.example.com"},
		ClientID: "c1", Scopes: []string{"chats--my:ro", "chats--all:rw"}, ID: "jti-1",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour), AccountID: "acc-1", OrganizationID: "org-1",
	}
}

func TestSignAndVerifyEachAlgorithm(t *testing.T) {
	// R-JWT: ES256 (default), EdDSA and RS256; RFC 9068 header and claims.
	now := time.Unix(1_750_000_000, 0)
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k := mustKey(t, alg)
			ks, err := NewKeySet(k)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := ks.Sign(testClaims(now))
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := jwt.ParseSigned(tok, []gojose.SignatureAlgorithm{alg})
			if err != nil {
				t.Fatal(err)
			}
			h := parsed.Headers[0]
			if h.KeyID != k.ID || h.Algorithm != string(alg) || h.ExtraHeaders[gojose.HeaderType] != TokenType {
				t.Errorf("header %+v", h)
			}
			var got AccessClaims
			var raw map[string]any
			if err := parsed.Claims(k.Private.Public(), &got, &raw); err != nil {
				t.Fatal(err)
			}
			want := testClaims(now)
			if got.Issuer != want.Issuer || got.Subject != want.Subject || !slices.Equal(got.Audience, want.Audience) ||
				got.ClientID != want.ClientID || !slices.Equal(got.Scopes, want.Scopes) || got.ID != want.ID ||
				!got.IssuedAt.Equal(now) || !got.ExpiresAt.Equal(now.Add(time.Hour)) ||
				got.AccountID != "acc-1" || got.OrganizationID != "org-1" {
				t.Errorf("claims %+v", got)
			}
			// RFC 9068 §2.2: scope is one space-separated string; aud a string for one member.
			if raw["scope"] != "chats--my:ro chats--all:rw" || raw["aud"] != "https://api.example.com" {
				t.Errorf("raw claims %v", raw)
			}
			for _, absent := range []string{"nbf", "customer_id", "token_kind"} {
				if _, ok := raw[absent]; ok {
					t.Errorf("empty %s serialized", absent)
				}
			}
		})
	}
}

func TestSignRequiresClaims(t *testing.T) {
	ks, _ := NewKeySet(mustKey(t, ES256))
	now := time.Now()
	for name, f := range map[string]func(*AccessClaims){
		"iss": func(c *AccessClaims) { c.Issuer = "" }, "sub": func(c *AccessClaims) { c.Subject = "" },
		"aud": func(c *AccessClaims) { c.Audience = nil }, "client_id": func(c *AccessClaims) { c.ClientID = "" },
		"jti": func(c *AccessClaims) { c.ID = "" }, "iat": func(c *AccessClaims) { c.IssuedAt = time.Time{} },
		"exp": func(c *AccessClaims) { c.ExpiresAt = time.Time{} },
	} {
		c := testClaims(now)
		f(&c)
		if _, err := ks.Sign(c); err == nil {
			t.Errorf("missing %s: no error", name)
		}
	}
}

func TestKeyIDIsThumbprint(t *testing.T) {
	k := mustKey(t, ES256)
	again, err := NewKey(ES256, k.Private)
	if err != nil || again.ID != k.ID || len(k.ID) != 43 {
		t.Errorf("kid %q vs %q (%v)", k.ID, again.ID, err)
	}
	if mustKey(t, ES256).ID == k.ID {
		t.Error("two keys share a kid")
	}
}

func TestNewKeyRefusesMismatch(t *testing.T) {
	ec := mustKey(t, ES256).Private
	ed := mustKey(t, EdDSA).Private
	for name, f := range map[string]func() error{
		"EC as EdDSA":    func() error { _, err := NewKey(EdDSA, ec); return err },
		"EdDSA as RS256": func() error { _, err := NewKey(RS256, ed); return err },
		"HS256":          func() error { _, err := GenerateKey(gojose.HS256); return err },
		"none":           func() error { _, err := GenerateKey("none"); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestPrivateJWKRoundTrip(t *testing.T) {
	for _, alg := range Algorithms {
		k := mustKey(t, alg)
		b, err := k.MarshalPrivateJWK()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseKey(b)
		if err != nil || back.ID != k.ID || back.Algorithm != alg {
			t.Fatalf("%s: %+v, %v", alg, back, err)
		}
		pub, _ := json.Marshal(k.Public())
		if _, err := ParseKey(pub); err == nil {
			t.Errorf("%s: a public JWK parsed as a signing key", alg)
		}
	}
	if _, ok := mustKey(t, ES256).Private.(*ecdsa.PrivateKey); !ok {
		t.Error("ES256 key is not ECDSA")
	}
}

func kids(set gojose.JSONWebKeySet) []string {
	var out []string
	for _, k := range set.Keys {
		if !k.IsPublic() || k.Use != "sig" || k.Algorithm == "" {
			panic("JWKS holds a private or unlabelled key")
		}
		out = append(out, k.KeyID)
	}
	return out
}

func TestKeySetRotation(t *testing.T) {
	// R-JWT: a new key signs; the old one stays published until its tokens expire.
	now := time.Unix(1_750_000_000, 0)
	a, b, c := mustKey(t, ES256), mustKey(t, EdDSA), mustKey(t, RS256)
	ks, err := NewKeySet(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := kids(ks.JWKS(now)); !slices.Equal(got, []string{a.ID}) {
		t.Fatalf("JWKS %v", got)
	}
	// Publish the next key ahead of the rotation.
	ks.Publish(b, now.Add(24*time.Hour))
	if got := kids(ks.JWKS(now)); !slices.Equal(got, []string{a.ID, b.ID}) || ks.Current() != a {
		t.Fatalf("after Publish: %v", got)
	}
	ks.Rotate(b, now.Add(8*time.Hour))
	if ks.Current() != b {
		t.Fatal("Rotate did not switch the signing key")
	}
	if got := kids(ks.JWKS(now)); !slices.Equal(got, []string{b.ID, a.ID}) {
		t.Fatalf("after Rotate: %v", got)
	}
	tok, err := ks.Sign(testClaims(now))
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := jwt.ParseSigned(tok, Algorithms)
	if parsed.Headers[0].KeyID != b.ID {
		t.Error("not signed by the new key")
	}
	ks.Rotate(c, now.Add(9*time.Hour))
	if got := kids(ks.JWKS(now.Add(8*time.Hour - time.Second))); !slices.Equal(got, []string{c.ID, a.ID, b.ID}) {
		t.Fatalf("two retired keys: %v", got)
	}
	if got := kids(ks.JWKS(now.Add(8 * time.Hour))); !slices.Equal(got, []string{c.ID, b.ID}) {
		t.Fatalf("a's time passed: %v", got)
	}
	if got := kids(ks.JWKS(now.Add(9 * time.Hour))); !slices.Equal(got, []string{c.ID}) {
		t.Fatalf("b's time passed: %v", got)
	}
	ks.Publish(c, now.Add(time.Hour)) // the current key is never demoted by Publish
	if got := kids(ks.JWKS(now.Add(10 * time.Hour))); !slices.Equal(got, []string{c.ID}) {
		t.Fatalf("Publish(current): %v", got)
	}
	if _, err := NewKeySet(nil); err == nil {
		t.Error("NewKeySet(nil): no error")
	}
}

func TestJWKSHandler(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	ks, _ := NewKeySet(mustKey(t, ES256))
	h := JWKSHandler(ks, func() time.Time { return now })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
	var set gojose.JSONWebKeySet
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/jwk-set+json" ||
		json.Unmarshal(rec.Body.Bytes(), &set) != nil || len(set.Keys) != 1 || !set.Keys[0].IsPublic() {
		t.Errorf("GET: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/.well-known/jwks.json", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestClaimsJSONAudienceArray(t *testing.T) {
	var c AccessClaims
	if err := json.Unmarshal([]byte(`{"aud":["a","b"],"scope":"x,y z","exp":1.7e9}`), &c); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Audience, []string{"a", "b"}) || !slices.Equal(c.Scopes, []string{"x", "y", "z"}) ||
		c.ExpiresAt.Unix() != 1_700_000_000 {
		t.Errorf("%+v", c)
	}
}
