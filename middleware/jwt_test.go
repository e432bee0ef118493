package middleware

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	ojose "github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/store"
)

const (
	testIssuer   = "https://auth.example.com"
	testAudience = "https://api.example.com"
)

type testKeys struct {
	key *ojose.Key
	set *ojose.KeySet
}

func newTestKeys(t testing.TB) testKeys {
	t.Helper()
	k, err := ojose.GenerateKey(ojose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	set, err := ojose.NewKeySet(k)
	if err != nil {
		t.Fatal(err)
	}
	return testKeys{key: k, set: set}
}

// claims returns valid claims issued at now.
func (k testKeys) claims(now time.Time) ojose.AccessClaims {
	return ojose.AccessClaims{
		Issuer: testIssuer, Subject: testAccount, Audience: []string{testAudience},
		ClientID: testClient, Scopes: []string{"chats--my:ro", "chats--all:rw"}, ID: "jti-1",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		AccountID: testAccount, OrganizationID: testOrg,
	}
}

func (k testKeys) sign(t testing.TB, c ojose.AccessClaims) string { return signWith(t, k.key, c) }

func signWith(t testing.TB, k *ojose.Key, c ojose.AccessClaims) string {
	t.Helper()
	s, err := ojose.SignWith(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signCustom signs c with priv under an arbitrary header.
func signCustom(t testing.TB, alg gojose.SignatureAlgorithm, priv any, kid, typ string, c any) string {
	t.Helper()
	opts := &gojose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(gojose.ContentType(typ))
	}
	s, err := gojose.NewSigner(gojose.SigningKey{Algorithm: alg, Key: gojose.JSONWebKey{Key: priv, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// testJWT returns a JWT validator trusting keys (static JWKS) or fetching jwksURL.
func testJWT(t testing.TB, keys testKeys, clock *fakeClock, jwksURL string) *JWT {
	t.Helper()
	opts := JWTOptions{Issuer: testIssuer, Audience: testAudience, Now: clock.Now, JWKSURL: jwksURL}
	if jwksURL == "" {
		b, err := keys.set.MarshalJWKS(clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		opts.JWKS = b
	}
	j, err := NewJWT(opts)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestJWTValid(t *testing.T) {
	// R-JWT, R-MW-2
	clock := newClock()
	keys := newTestKeys(t)
	j := testJWT(t, keys, clock, "")
	now := clock.Now()
	info, err := j.Validate(context.Background(), Credential{Token: keys.sign(t, keys.claims(now))})
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "jti-1" || info.Kind != store.KindAccess || info.ClientID != testClient ||
		info.AccountID != testAccount || info.OrganizationID != testOrg ||
		info.Scopes.String() != "chats--all:rw,chats--my:ro" || !info.IssuedAt.Equal(now) ||
		!info.ExpiresAt.Equal(now.Add(time.Hour+30*time.Second)) {
		t.Errorf("Info = %+v", info)
	}
}

// TestJWTRefused: tampering and every RFC 9068 §4 check (R-JWT).
func TestJWTRefused(t *testing.T) {
	clock := newClock()
	keys := newTestKeys(t)
	j := testJWT(t, keys, clock, "")
	now := clock.Now()
	good := keys.sign(t, keys.claims(now))
	parts := strings.Split(good, ".")
	with := func(f func(*ojose.AccessClaims)) string {
		c := keys.claims(now)
		f(&c)
		return keys.sign(t, c)
	}
	other := newTestKeys(t)
	rsaKey, err := ojose.GenerateKey(ojose.RS256)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(keys.key.Private.Public())

	tests := map[string]string{
		"changed payload": parts[0] + "." + b64(map[string]any{
			"iss": testIssuer, "sub": testAccount, "aud": testAudience, "client_id": testClient,
			"scope": "agents--all:rw", "jti": "jti-1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}) + "." + parts[2],
		"alg none": b64(map[string]string{"alg": "none", "typ": "at+jwt", "kid": keys.key.ID}) + "." + parts[1] + ".",
		"alg HS256 keyed with the public key": func() string {
			return signCustom(t, gojose.HS256, pubDER, keys.key.ID, "at+jwt", keys.claims(now))
		}(),
		"wrong key under the trusted kid": signCustom(t, gojose.ES256, other.key.Private, keys.key.ID, "at+jwt", keys.claims(now)),
		"unknown kid":                     other.sign(t, keys.claims(now)),
		"no kid":                          signCustom(t, gojose.ES256, keys.key.Private, "", "at+jwt", keys.claims(now)),
		"typ JWT":                         signCustom(t, gojose.ES256, keys.key.Private, keys.key.ID, "JWT", keys.claims(now)),
		"no typ":                          signCustom(t, gojose.ES256, keys.key.Private, keys.key.ID, "", keys.claims(now)),
		"RS256 key not in the JWKS":       signWith(t, rsaKey, keys.claims(now)),
		"expired beyond leeway":           with(func(c *ojose.AccessClaims) { c.ExpiresAt = now.Add(-31 * time.Second) }),
		"no exp":                          with(func(c *ojose.AccessClaims) { c.ExpiresAt = time.Time{} }),
		"not yet valid":                   with(func(c *ojose.AccessClaims) { c.NotBefore = now.Add(time.Minute) }),
		"issued in the future":            with(func(c *ojose.AccessClaims) { c.IssuedAt = now.Add(time.Minute) }),
		"no iat":                          with(func(c *ojose.AccessClaims) { c.IssuedAt = time.Time{} }),
		"wrong audience":                  with(func(c *ojose.AccessClaims) { c.Audience = []string{"https://other.example.com"} }),
		"no audience":                     with(func(c *ojose.AccessClaims) { c.Audience = nil }),
		"wrong issuer":                    with(func(c *ojose.AccessClaims) { c.Issuer = "https://evil.example.com" }),
		"no jti":                          with(func(c *ojose.AccessClaims) { c.ID = "" }),
		"no client_id":                    with(func(c *ojose.AccessClaims) { c.ClientID = "" }),
		"no sub":                          with(func(c *ojose.AccessClaims) { c.Subject = "" }),
		"refresh kind":                    with(func(c *ojose.AccessClaims) { c.Kind = "refresh" }),
		"unknown kind":                    with(func(c *ojose.AccessClaims) { c.Kind = "admin" }),
		"invalid scope":                   with(func(c *ojose.AccessClaims) { c.Scopes = []string{`a"b`} }),
		"truncated":                       good[:len(good)-10],
		"garbage":                         "not.a.jwt",
		"opaque token":                    "oak:at_abc",
	}
	for name, tok := range tests {
		t.Run("R-JWT "+name, func(t *testing.T) {
			if _, err := j.Validate(context.Background(), Credential{Token: tok}); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
	t.Run("R-JWT Basic", func(t *testing.T) {
		if _, err := j.Validate(context.Background(), Credential{Token: good, Username: "x", Basic: true}); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestJWTAccepted(t *testing.T) {
	clock := newClock()
	keys := newTestKeys(t)
	j := testJWT(t, keys, clock, "")
	now := clock.Now()
	with := func(f func(*ojose.AccessClaims)) string {
		c := keys.claims(now)
		f(&c)
		return keys.sign(t, c)
	}
	tests := map[string]struct {
		tok  string
		kind store.TokenKind
	}{
		"expired within leeway":  {with(func(c *ojose.AccessClaims) { c.ExpiresAt = now.Add(-10 * time.Second) }), store.KindAccess},
		"nbf within leeway":      {with(func(c *ojose.AccessClaims) { c.NotBefore = now.Add(10 * time.Second) }), store.KindAccess},
		"audience among several": {with(func(c *ojose.AccessClaims) { c.Audience = []string{"x", testAudience} }), store.KindAccess},
		"long typ":               {signCustom(t, gojose.ES256, keys.key.Private, keys.key.ID, "application/at+jwt", keys.claims(now)), store.KindAccess},
		"customer kind": {with(func(c *ojose.AccessClaims) {
			c.Kind, c.Subject, c.AccountID = "customer", "cust-9", ""
		}), store.KindCustomer},
	}
	for name, tt := range tests {
		t.Run("R-JWT "+name, func(t *testing.T) {
			info, err := j.Validate(context.Background(), Credential{Token: tt.tok})
			if err != nil || info.Kind != tt.kind {
				t.Errorf("got %+v, %v", info, err)
			}
			if tt.kind == store.KindCustomer && info.CustomerID != "cust-9" {
				t.Errorf("CustomerID = %q", info.CustomerID)
			}
		})
	}
}

func TestNewJWTErrors(t *testing.T) {
	for name, opts := range map[string]JWTOptions{
		"no issuer":      {Audience: "a", JWKSURL: "http://x"},
		"no audience":    {Issuer: "i", JWKSURL: "http://x"},
		"no keys":        {Issuer: "i", Audience: "a"},
		"both keys":      {Issuer: "i", Audience: "a", JWKSURL: "http://x", JWKS: []byte(`{"keys":[]}`)},
		"HS256 allowed":  {Issuer: "i", Audience: "a", JWKSURL: "http://x", Algorithms: []string{"HS256"}},
		"none allowed":   {Issuer: "i", Audience: "a", JWKSURL: "http://x", Algorithms: []string{"none"}},
		"huge leeway":    {Issuer: "i", Audience: "a", JWKSURL: "http://x", Leeway: time.Hour},
		"empty JWKS":     {Issuer: "i", Audience: "a", JWKS: []byte(`{"keys":[]}`)},
		"symmetric JWKS": {Issuer: "i", Audience: "a", JWKS: []byte(`{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}`)},
	} {
		if _, err := NewJWT(opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// jwksServer serves a key set and counts fetches; down makes it answer 503.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	down    atomic.Bool
}

func newJWKSServer(t testing.TB, ks *ojose.KeySet, clock *fakeClock) *jwksServer {
	s := &jwksServer{}
	h := ojose.JWKSHandler(ks, clock.Now)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		if s.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestJWKSRotation(t *testing.T) {
	// R-JWT: keys are fetched once and cached; a new kid triggers a (rate-limited)
	// refetch; retired keys keep verifying until they leave the JWKS.
	ctx := context.Background()
	clock := newClock()
	keys := newTestKeys(t)
	srv := newJWKSServer(t, keys.set, clock)
	j := testJWT(t, keys, clock, srv.URL)

	tokA := keys.sign(t, keys.claims(clock.Now()))
	for range 3 {
		if _, err := j.Validate(ctx, Credential{Token: tokA}); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}

	// Rotate: B signs, A stays published for an hour.
	b, err := ojose.GenerateKey(ojose.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	keys.set.Rotate(b, clock.Now().Add(time.Hour))
	tokB := signWith(t, b, keys.claims(clock.Now()))

	// Within MinRefetchInterval of the last fetch, the unknown kid is refused unfetched.
	if _, err := j.Validate(ctx, Credential{Token: tokB}); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("rate-limited unknown kid: err = %v", err)
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1 (rate limit)", n)
	}
	clock.Advance(11 * time.Second)
	if _, err := j.Validate(ctx, Credential{Token: tokB}); err != nil {
		t.Fatalf("new key after refetch: %v", err)
	}
	if _, err := j.Validate(ctx, Credential{Token: tokA}); err != nil {
		t.Fatalf("retired key still published: %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}

	// A flood of tokens with unknown kids causes at most one fetch per interval.
	stranger := newTestKeys(t)
	for range 50 {
		if _, err := j.Validate(ctx, Credential{Token: stranger.sign(t, keys.claims(clock.Now()))}); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("unknown kid: err = %v", err)
		}
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d after a flood within the interval, want 2", n)
	}

	// After A's publication time and the cache age, A is gone.
	clock.Advance(time.Hour)
	c := keys.claims(clock.Now())
	if _, err := j.Validate(ctx, Credential{Token: keys.sign(t, c)}); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("key no longer published: err = %v", err)
	}
	if _, err := j.Validate(ctx, Credential{Token: signWith(t, b, c)}); err != nil {
		t.Fatalf("current key: %v", err)
	}
}

func TestJWKSUnavailable(t *testing.T) {
	// Keys never fetched: fail closed with ErrUnavailable (503). Keys fetched once: a later
	// outage keeps the old keys in use.
	ctx := context.Background()
	clock := newClock()
	keys := newTestKeys(t)
	srv := newJWKSServer(t, keys.set, clock)
	srv.down.Store(true)
	j := testJWT(t, keys, clock, srv.URL)
	tok := keys.sign(t, keys.claims(clock.Now()))
	if _, err := j.Validate(ctx, Credential{Token: tok}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	h := Authenticate(j, Options{Now: clock.Now, Logger: discardLog})(okHandler)
	if code := serve(h, "Bearer "+tok); code != 503 {
		t.Fatalf("status %d, want 503", code)
	}
	srv.down.Store(false)
	clock.Advance(11 * time.Second)
	if _, err := j.Validate(ctx, Credential{Token: tok}); err != nil {
		t.Fatal(err)
	}
	srv.down.Store(true)
	clock.Advance(11 * time.Minute) // keys stale; refetch fails; old keys serve
	tok = keys.sign(t, keys.claims(clock.Now()))
	if _, err := j.Validate(ctx, Credential{Token: tok}); err != nil {
		t.Fatalf("stale keys during an outage: %v", err)
	}
}
