package federation

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oauthkit/oauthkit/flows"
	ijose "github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Fuzz targets for the parsers of untrusted input of federated sign-in: the sealed sign-in
// state cookie and the upstream's ID token. The f.Add seeds run in every plain `go test`.

// testUpstream is an Upstream bound to a server whose hash key is key (the upstream is
// never contacted: the state cookie is opened without it), its clock at fuzzFedNow.
func testUpstream(t testing.TB, key string) (*Upstream, *server) {
	t.Helper()
	up, err := New(Config{
		Issuer: "https://upstream.example", ClientID: "oauthkit", ClientSecret: "s",
		Organizations: map[string]string{"up-1": "org-a"}, SignInRoles: []string{"agent"},
		Storage: memstore.New(), SignInPage: "/signin",
		SignedIn: func(http.ResponseWriter, *http.Request, store.Account) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro", Description: "Read your chats"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := credentials.NewHasher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	_, err = flows.New(flows.Config{
		Issuer: "https://as.example", Storage: memstore.New(), Hasher: hasher, Scopes: cat,
		Now: func() time.Time { return fuzzFedNow }, Logger: slog.New(slog.DiscardHandler),
		Authenticator: appSessions{up},
	})
	if err != nil {
		t.Fatal(err)
	}
	return up, up.bound.Load()
}

// appSessions is an application's own Authenticator (nobody is signed in) that signs
// people in through up.
type appSessions struct{ up *Upstream }

func (appSessions) Account(*http.Request) (store.Account, bool, error) {
	return store.Account{}, false, nil
}
func (a appSessions) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	a.up.Start(w, r, returnTo)
}
func (a appSessions) Routes(s *flows.Server) ([]flows.Route, error) { return a.up.Routes(s) }

const testKey = "0123456789abcdef0123456789abcdef"

var fuzzFedNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// sealedFedCookie returns the value of the state cookie that b sets for st.
func sealedFedCookie(t testing.TB, b *server, st fedState) string {
	t.Helper()
	rec := httptest.NewRecorder()
	b.setFedStateCookie(rec, st)
	for _, c := range rec.Result().Cookies() {
		if c.Name == b.fedCookieName(st.State) {
			return c.Value
		}
	}
	t.Fatal("setFedStateCookie set no cookie")
	return ""
}

// FuzzFedStateCookie: RFC 9700 §4.7, a federated sign-in state cookie with any
// value, presented under the cookie name of any state, never opens: takeFedState refuses it
// as fedInvalidRequest, yields no state, and only ever clears the cookie. Only this server
// can seal one: the seeds include real cookies sealed for another state, under another key,
// and expired. Meanwhile a cookie that the server did seal, with any return_to, opens
// exactly once, its return_to passed through flows.SafeReturnTo.
func FuzzFedStateCookie(f *testing.F) {
	up, s := testUpstream(f, testKey)
	_, other := testUpstream(f, "another key, another key, another")
	st := fedState{State: "state-1", Nonce: "n", Verifier: "v", ReturnTo: "/authorize?x=1", Expires: fuzzFedNow.Add(time.Minute).Unix()}
	forOther := st
	forOther.State = "state-2"
	expired := st
	expired.Expires = fuzzFedNow.Unix()
	for _, seed := range []struct{ state, value string }{
		{"state-1", sealedFedCookie(f, s, forOther)},
		{"state-1", sealedFedCookie(f, other, st)},
		{"state-1", sealedFedCookie(f, s, expired)},
		{"state-2", sealedFedCookie(f, s, forOther)[:20]},
		{"state-1", ""}, {"state-1", "x"}, {"state-1", "AAAA"}, {"", "x"}, {strings.Repeat("s", 257), "x"},
		{"state-1", strings.Repeat("A", 200)}, {"state-1", "%zz"}, {"state-1", "a b"}, {"state-1", "\"quoted\""},
		{"state-1", base64.RawURLEncoding.EncodeToString(make([]byte, 12+16))},
		{"state-1", base64.RawURLEncoding.EncodeToString([]byte(`{"n":"n","v":"v","e":9999999999}`))},
		{"0", "/\xfe"}, // a return_to that is not UTF-8
	} {
		f.Add(seed.state, seed.value)
	}
	f.Fuzz(func(t *testing.T, state, value string) {
		r := httptest.NewRequest(http.MethodGet, "/login/callback", nil)
		r.Header["Cookie"] = []string{s.fedCookieName(state) + "=" + value}
		rec := httptest.NewRecorder()
		got, err := up.takeFedState(rec, r, s, state)
		if err == nil || got != (fedState{}) {
			t.Fatalf("takeFedState(%q) with cookie %q = %+v, %v: a state the server never sealed", state, value, got, err)
		}
		if fe := asFedError(err); fe.outcome != fedInvalidRequest {
			t.Fatalf("takeFedState(%q) with cookie %q: outcome %d, want fedInvalidRequest (%v)", state, value, fe.outcome, err)
		}
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge >= 0 || c.Value != "" {
				t.Fatalf("a refused callback sets cookie %v", c)
			}
		}

		// The round trip, with value as return_to.
		fresh := s.newFedState(value)
		r = httptest.NewRequest(http.MethodGet, "/login/callback", nil)
		r.AddCookie(&http.Cookie{Name: s.fedCookieName(fresh.State), Value: sealedFedCookie(t, s, fresh)})
		opened, err := up.takeFedState(httptest.NewRecorder(), r, s, fresh.State)
		want := fresh
		want.ReturnTo = flows.SafeReturnTo(value)
		if err != nil || opened != want {
			t.Fatalf("a sealed state with return_to %q opens as %+v, %v; want %+v", value, opened, err, want)
		}
		if _, err := up.takeFedState(httptest.NewRecorder(), r, s, fresh.State); err == nil {
			t.Fatal("a sealed state opened twice")
		}
	})
}

// Fixtures of FuzzVerifyIDToken: the upstream's one Ed25519 signing key (fixed, so that
// seeds and crashers reproduce) and an attacker's key.
const (
	fuzzUpIssuer = "https://upstream.example"
	fuzzUpClient = "oauthkit"
	fuzzUpNonce  = "nonce-0123456789"
	fuzzUpJWKS   = "https://upstream.example/jwks"
)

var (
	fuzzUpKey       = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	fuzzAttackerKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
)

// fuzzIDToken signs claims with key under kid, with alg EdDSA.
func fuzzIDToken(t testing.TB, key ed25519.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func fuzzIDClaims() map[string]any {
	return map[string]any{
		"iss": fuzzUpIssuer, "aud": fuzzUpClient, "sub": "up-person-1", "nonce": fuzzUpNonce,
		"iat": fuzzFedNow.Add(-time.Minute).Unix(), "exp": fuzzFedNow.Add(time.Hour).Unix(),
		"email": "alice@example.com", "org_id": "up-1", "roles": []string{"agent"},
	}
}

// FuzzVerifyIDToken: OIDC Core §3.1.3.7, against an upstream whose JWKS holds
// one Ed25519 key, verifyIDToken never panics and accepts only a token whose header and
// payload that key signed (checked with crypto/ed25519 directly, over the canonical
// encoding of the decoded parts) and whose claims name the upstream, this client, the nonce
// and a subject, unexpired. Seeds: a valid token (which must be accepted), the same claims
// signed by another key under the same kid, alg none, HS256 keyed with the public key,
// a swapped payload, a JWS JSON serialization, and claims that fail each check.
func FuzzVerifyIDToken(f *testing.F) {
	pub := fuzzUpKey.Public().(ed25519.PublicKey)
	doc, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "k1", Use: "sig"}}})
	if err != nil {
		f.Fatal(err)
	}
	keys, err := ijose.StaticJWKS(doc)
	if err != nil {
		f.Fatal(err)
	}
	fd := &Upstream{cfg: Config{ClientID: fuzzUpClient}, keys: keys}
	d := &oidcProvider{Issuer: fuzzUpIssuer, JWKSURI: fuzzUpJWKS, algs: ijose.AsymmetricAlgorithms()}
	verify := func(raw string) (map[string]any, error) {
		return fd.verifyIDToken(context.Background(), d, raw, fuzzUpNonce, fuzzFedNow)
	}

	valid := fuzzIDToken(f, fuzzUpKey, "k1", fuzzIDClaims())
	if _, err := verify(valid); err != nil {
		f.Fatalf("the valid seed token is refused: %v", err)
	}
	f.Add(valid)
	f.Add(fuzzIDToken(f, fuzzUpKey, "", fuzzIDClaims()))
	f.Add(fuzzIDToken(f, fuzzAttackerKey, "k1", fuzzIDClaims()))
	f.Add(fuzzIDToken(f, fuzzAttackerKey, "", fuzzIDClaims()))
	for _, edit := range []func(c map[string]any){
		func(c map[string]any) { c["nonce"] = "another" },
		func(c map[string]any) { c["aud"] = []string{fuzzUpClient, "other"} },
		func(c map[string]any) { c["aud"] = []string{fuzzUpClient, "other"}; c["azp"] = fuzzUpClient },
		func(c map[string]any) { c["iss"] = "https://evil.example" },
		func(c map[string]any) { c["exp"] = fuzzFedNow.Add(-2 * time.Minute).Unix() },
		func(c map[string]any) { delete(c, "sub") },
		func(c map[string]any) { delete(c, "iat") },
	} {
		c := fuzzIDClaims()
		edit(c)
		f.Add(fuzzIDToken(f, fuzzUpKey, "k1", c))
	}
	parts := strings.Split(valid, ".")
	enc := base64.RawURLEncoding.EncodeToString
	forged, _ := json.Marshal(map[string]any{"iss": fuzzUpIssuer, "aud": fuzzUpClient, "sub": "admin", "nonce": fuzzUpNonce,
		"iat": fuzzFedNow.Unix(), "exp": fuzzFedNow.Add(time.Hour).Unix()})
	f.Add(parts[0] + "." + enc(forged) + "." + parts[2])
	f.Add(enc([]byte(`{"alg":"none","kid":"k1"}`)) + "." + parts[1] + ".")
	f.Add(enc([]byte(`{"alg":"EdDSA"}`)) + "." + parts[1] + "." + parts[2])
	if hs, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(pub)}, nil); err == nil {
		if raw, err := jwt.Signed(hs).Claims(fuzzIDClaims()).Serialize(); err == nil {
			f.Add(raw)
		}
	}
	f.Add(`{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`)
	f.Add(valid + "." + parts[2])
	f.Add(parts[0] + "\n." + parts[1] + "." + parts[2])
	f.Add("")
	f.Add("..")

	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := verify(raw)
		if err != nil {
			if claims != nil {
				t.Fatalf("refused with claims %v: %v", claims, err)
			}
			return
		}
		p := strings.Split(raw, ".")
		if len(p) != 3 {
			t.Fatalf("accepted %q, which is no compact JWS", raw)
		}
		hdr, err1 := base64.RawURLEncoding.DecodeString(p[0])
		payload, err2 := base64.RawURLEncoding.DecodeString(p[1])
		sig, err3 := base64.RawURLEncoding.DecodeString(p[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("accepted %q, whose parts do not decode: %v", raw, err)
		}
		if !ed25519.Verify(pub, []byte(enc(hdr)+"."+enc(payload)), sig) {
			t.Fatalf("accepted %q, which the upstream's key did not sign", raw)
		}
		var want map[string]any
		if err := json.Unmarshal(payload, &want); err != nil {
			t.Fatalf("accepted %q, whose payload is no JSON object: %v", raw, err)
		}
		sub, _ := claims["sub"].(string)
		exp, _ := claims["exp"].(float64)
		if claims["iss"] != fuzzUpIssuer || claims["nonce"] != fuzzUpNonce || sub == "" ||
			!time.Unix(int64(exp), 0).After(fuzzFedNow.Add(-idTokenLeeway)) {
			t.Fatalf("accepted %q with claims %v", raw, claims)
		}
		if got, _ := json.Marshal(claims); !bytes.Equal(got, mustMarshal(t, want)) {
			t.Fatalf("claims %s, the signed payload says %s", got, payload)
		}
	})
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
