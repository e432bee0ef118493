package jose

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/oauthkit/oauthkit/internal/fetch"
)

// testClock is an injectable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// jwksServer serves a key set (or, with body set, that document) and counts fetches;
// down makes it answer 503.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	down    atomic.Bool
	body    atomic.Pointer[string]
}

func newJWKSServer(t *testing.T, ks *KeySet, clock *testClock) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	h := JWKSHandler(ks, clock.Now)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		switch b := s.body.Load(); {
		case s.down.Load():
			http.Error(w, "down", http.StatusServiceUnavailable)
		case b != nil:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(*b))
		default:
			h.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func newCache(srv *jwksServer, clock *testClock) *JWKSCache {
	return NewJWKSCache(srv.URL, JWKSOptions{Client: srv.Client(), Now: clock.Now})
}

func kidsOf(keys []gojose.JSONWebKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.KeyID)
	}
	return out
}

func TestJWKSCacheFetchesOnceAndOnUnknownKid(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Unix(1_750_000_000, 0)}
	a := mustKey(t, ES256)
	ks, _ := NewKeySet(a)
	srv := newJWKSServer(t, ks, clock)
	c := newCache(srv, clock)

	for range 3 {
		keys, err := c.Keys(ctx, a.ID, ES256)
		if err != nil || len(keys) != 1 || keys[0].KeyID != a.ID || !keys[0].IsPublic() {
			t.Fatalf("Keys = %v, %v", kidsOf(keys), err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
	// A stated alg must match.
	if _, err := c.Keys(ctx, a.ID, gojose.RS256); !errors.Is(err, ErrKeyNotFound) || srv.fetches.Load() != 1 {
		t.Fatalf("wrong alg: %v after %d fetches", err, srv.fetches.Load())
	}

	// The signer rotates to b. Within MinRefetch of the first fetch, b is unknown and
	// not fetched; a flood of unknown kids causes no request either.
	b := mustKey(t, EdDSA)
	ks.Rotate(b, clock.Now().Add(time.Hour))
	for range 20 {
		if _, err := c.Keys(ctx, b.ID, EdDSA); !errors.Is(err, ErrKeyNotFound) {
			t.Fatalf("rate-limited unknown kid: %v", err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1 (rate limit)", n)
	}
	clock.Advance(11 * time.Second)
	if keys, err := c.Keys(ctx, b.ID, EdDSA); err != nil || len(keys) != 1 {
		t.Fatalf("new kid after the interval: %v, %v", kidsOf(keys), err)
	}
	if keys, err := c.Keys(ctx, "", ES256); err != nil || len(keys) != 1 || keys[0].KeyID != a.ID {
		t.Fatalf("no kid, ES256: %v, %v (want the retired key, the only ES256 one)", kidsOf(keys), err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}

	// Past MaxAge the set is fetched again: a has left it.
	clock.Advance(time.Hour)
	if _, err := c.Keys(ctx, a.ID, ES256); !errors.Is(err, ErrKeyNotFound) || srv.fetches.Load() != 3 {
		t.Fatalf("retired key after MaxAge: %v after %d fetches", err, srv.fetches.Load())
	}
}

func TestJWKSCacheOutage(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Unix(1_750_000_000, 0)}
	a := mustKey(t, ES256)
	ks, _ := NewKeySet(a)
	srv := newJWKSServer(t, ks, clock)
	srv.down.Store(true)
	c := newCache(srv, clock)
	if _, err := c.Keys(ctx, a.ID, ES256); !errors.Is(err, ErrJWKSUnavailable) {
		t.Fatalf("never fetched: err = %v", err)
	}
	// Rate-limited too: the second lookup does not reach the server.
	if _, err := c.Keys(ctx, a.ID, ES256); !errors.Is(err, ErrJWKSUnavailable) || srv.fetches.Load() != 1 {
		t.Fatalf("second lookup: %v after %d fetches", err, srv.fetches.Load())
	}
	srv.down.Store(false)
	clock.Advance(11 * time.Second)
	if _, err := c.Keys(ctx, a.ID, ES256); err != nil {
		t.Fatal(err)
	}
	// Stale keys during an outage, or after a document without usable keys, stay in use.
	for _, fail := range []func(){
		func() { srv.down.Store(true) },
		func() { srv.down.Store(false); s := `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`; srv.body.Store(&s) },
		func() { s := `<html>`; srv.body.Store(&s) },
	} {
		fail()
		before := srv.fetches.Load()
		clock.Advance(11 * time.Minute)
		if keys, err := c.Keys(ctx, a.ID, ES256); err != nil || len(keys) != 1 || srv.fetches.Load() != before+1 {
			t.Fatalf("stale keys: %v, %v after %d fetches", kidsOf(keys), err, srv.fetches.Load()-before)
		}
	}
}

func TestJWKSCacheSetURL(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Unix(1_750_000_000, 0)}
	a, b := mustKey(t, ES256), mustKey(t, ES256)
	ksA, _ := NewKeySet(a)
	ksB, _ := NewKeySet(b)
	srvA, srvB := newJWKSServer(t, ksA, clock), newJWKSServer(t, ksB, clock)
	c := NewJWKSCache("", JWKSOptions{Client: srvA.Client(), Now: clock.Now})
	if _, err := c.Keys(ctx, a.ID, ES256); !errors.Is(err, ErrJWKSUnavailable) {
		t.Fatalf("no URL: %v", err)
	}
	c.SetURL(srvA.URL)
	if _, err := c.Keys(ctx, a.ID, ES256); err != nil {
		t.Fatal(err)
	}
	c.SetURL(srvA.URL) // the same URL keeps the keys
	c.SetURL(srvB.URL) // another drops them, and the refetch limit, at once
	if _, err := c.Keys(ctx, a.ID, ES256); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("old URL's key: %v", err)
	}
	if _, err := c.Keys(ctx, b.ID, ES256); err != nil {
		t.Fatal(err)
	}
	if srvA.fetches.Load() != 1 || srvB.fetches.Load() != 1 {
		t.Fatalf("fetches %d and %d, want 1 and 1", srvA.fetches.Load(), srvB.fetches.Load())
	}
}

// TestJWKSCacheDefaultClientIsPublicOnly: without a client of its own, the cache does not
// fetch from this host (the JWKS URL of an upstream's discovery document could point
// anywhere).
func TestJWKSCacheDefaultClientIsPublicOnly(t *testing.T) {
	clock := &testClock{t: time.Unix(1_750_000_000, 0)}
	a := mustKey(t, ES256)
	ks, _ := NewKeySet(a)
	srv := newJWKSServer(t, ks, clock)
	c := NewJWKSCache(srv.URL, JWKSOptions{Now: clock.Now})
	_, err := c.Keys(context.Background(), a.ID, ES256)
	if !errors.Is(err, ErrJWKSUnavailable) || !errors.Is(err, fetch.ErrNotPublic) || srv.fetches.Load() != 0 {
		t.Fatalf("err = %v after %d fetches", err, srv.fetches.Load())
	}
}

// TestJWKSCacheConcurrent: many lookups of an unknown set share one fetch.
func TestJWKSCacheConcurrent(t *testing.T) {
	clock := &testClock{t: time.Unix(1_750_000_000, 0)}
	a := mustKey(t, ES256)
	ks, _ := NewKeySet(a)
	srv := newJWKSServer(t, ks, clock)
	c := newCache(srv, clock)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if _, err := c.Keys(context.Background(), a.ID, ES256); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
}

func TestStaticJWKS(t *testing.T) {
	a := mustKey(t, ES256)
	r := mustKey(t, RS256)
	pub := func(k *Key, mod func(*gojose.JSONWebKey)) json.RawMessage {
		j := k.Public()
		if mod != nil {
			mod(&j)
		}
		b, err := j.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	priv, err := r.MarshalPrivateJWK()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string][]json.RawMessage{"keys": {
		pub(a, nil),
		pub(a, func(j *gojose.JSONWebKey) { j.KeyID = "" }), // no kid: found by kid-less lookups
		pub(a, func(j *gojose.JSONWebKey) { j.KeyID, j.Use = "enc", "enc" }),
		json.RawMessage(`{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}`),
		json.RawMessage(`{"kty":"EC","kid":"broken"}`),
		priv, // a private key: only its public part is kept
	}})
	c, err := StaticJWKS(doc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		kid  string
		alg  gojose.SignatureAlgorithm
		want int
	}{
		{a.ID, ES256, 1}, {"", ES256, 2}, {"enc", ES256, 0}, {"hmac", gojose.HS256, 0}, {"broken", ES256, 0},
		{r.ID, RS256, 1}, {"", RS256, 1},
	} {
		keys, err := c.Keys(ctx, tt.kid, tt.alg)
		if len(keys) != tt.want || (tt.want == 0) != errors.Is(err, ErrKeyNotFound) {
			t.Errorf("Keys(%q, %s) = %v, %v; want %d keys", tt.kid, tt.alg, kidsOf(keys), err, tt.want)
		}
		for _, k := range keys {
			if !k.IsPublic() {
				t.Errorf("Keys(%q, %s) returned a private key", tt.kid, tt.alg)
			}
		}
	}
	for _, bad := range []string{`{"keys":[]}`, `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, `[]`, `{`} {
		if _, err := StaticJWKS([]byte(bad)); err == nil {
			t.Errorf("StaticJWKS(%s): no error", bad)
		}
	}
}

func TestAsymmetricAlgorithms(t *testing.T) {
	if len(AsymmetricAlgorithms()) != 10 {
		t.Fatalf("AsymmetricAlgorithms = %v", AsymmetricAlgorithms())
	}
	AsymmetricAlgorithms()[0] = "none" // the caller's copy
	for alg, want := range map[string]bool{"ES256": true, "EdDSA": true, "PS512": true, "HS256": false, "none": false, "": false, "es256": false} {
		if IsAsymmetric(alg) != want {
			t.Errorf("IsAsymmetric(%q) = %v", alg, !want)
		}
	}
	got := AsymmetricAmong([]string{"HS256", "RS256", "none", "ES256", "RS256"})
	if len(got) != 2 || got[0] != RS256 || got[1] != ES256 {
		t.Errorf("AsymmetricAmong = %v", got)
	}
	if AsymmetricAmong([]string{"HS512"}) != nil {
		t.Error("AsymmetricAmong of no asymmetric algorithm is not nil")
	}
}

// FuzzParseJWKS: a JWK Set from an untrusted source never yields a symmetric key, a
// private part, a key for another use or an invalid key, and every key is found by its
// kid. The seeds run in every plain `go test`.
func FuzzParseJWKS(f *testing.F) {
	k := mustKey(f, ES256)
	doc, _ := k.Public().MarshalJSON()
	priv, _ := k.MarshalPrivateJWK()
	for _, s := range []string{
		`{"keys":[` + string(doc) + `]}`, `{"keys":[` + string(priv) + `]}`,
		`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`, `{"keys":[{"kty":"EC","kid":"e"}]}`,
		`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","use":"enc"}]}`, `{"keys":null}`, `{}`, `[]`,
		`{"keys":[` + string(doc) + `,` + string(doc) + `]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := parseJWKS(b)
		if err != nil {
			return
		}
		if len(idx.all) == 0 {
			t.Fatal("no key and no error")
		}
		for _, k := range idx.all {
			if _, symmetric := k.Key.([]byte); symmetric || !k.IsPublic() || !k.Valid() || (k.Use != "" && k.Use != "sig") {
				t.Fatalf("kept %+v", k)
			}
			if k.KeyID != "" {
				if keys, known := idx.match(k.KeyID, gojose.SignatureAlgorithm(k.Algorithm)); !known || len(keys) == 0 {
					t.Fatalf("kid %q not found", k.KeyID)
				}
			}
		}
	})
}
