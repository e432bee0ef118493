package flows

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Fuzz targets for the parsers of untrusted input outside the token endpoint (whose own are
// in params_fuzz_test.go): the Bearer header (RFC 6750 §2.1), return_to (the open-redirect
// guard of the sign-in pages), the personal access token request body (R-PAT-1), the sealed
// federated sign-in state cookie and the upstream's ID token (R-LOGIN-2). The f.Add seeds
// run in every plain `go test`.

// FuzzBearerToken: bearerToken never returns ok and malformed together; a token it accepts
// is 1 to 4096 visible ASCII characters (no space, no control character), is exactly what
// follows "Bearer" and its spaces, and round-trips through a canonical header; and it
// ignores exactly the headers that do not claim the Bearer scheme.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{
		"", "Bearer", "Bearer ", "Bearer  ", "Bearer x", "bearer x", "BEARER x", "Bearer  x", "Bearer\tx",
		"Bearer x y", "Bearer x\t", "Bearer x\x00", "Bearer x\x7f", "Bearer \xffx", "Bearer é", "Bearerx",
		"BearerToken x", "Basic eDp5", "Bear", "Bearer oak:at_abc-DEF_123.~+/=", "Bearer " + strings.Repeat("a", 4096),
		"Bearer " + strings.Repeat("a", 4097), "Bearer x\r\n", " Bearer x", "Bearer ,x", "Bearer x,", "Bearer\x00x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest(http.MethodGet, "/v2/info", nil)
		if h != "" {
			r.Header["Authorization"] = []string{h}
		}
		tok, ok, malformed := bearerToken(r)
		claims := len(h) >= 6 && strings.EqualFold(h[:6], "bearer") && (len(h) == 6 || h[6] == ' ' || h[6] == '\t')
		switch {
		case ok && malformed:
			t.Fatalf("bearerToken(%q) = ok and malformed", h)
		case !ok && tok != "":
			t.Fatalf("bearerToken(%q) returned %q without ok", h, tok)
		case !ok && !malformed && claims:
			t.Fatalf("bearerToken(%q) ignored a header that claims the Bearer scheme", h)
		case (ok || malformed) && !claims:
			t.Fatalf("bearerToken(%q) = ok %v, malformed %v for a header of another scheme", h, ok, malformed)
		case !ok:
			return
		}
		if tok == "" || len(tok) > 4096 {
			t.Fatalf("bearerToken(%q) accepted a token of %d bytes", h, len(tok))
		}
		for i := 0; i < len(tok); i++ {
			if c := tok[i]; c <= ' ' || c >= 0x7f {
				t.Fatalf("bearerToken(%q) accepted %q with byte %#x", h, tok, c)
			}
		}
		if rest := strings.TrimLeft(h[6:], " "); rest != tok || h[6] != ' ' {
			t.Fatalf("bearerToken(%q) = %q, want what follows \"Bearer \" and its spaces", h, tok)
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		if again, ok, _ := bearerToken(r); !ok || again != tok {
			t.Fatalf("bearerToken(\"Bearer %s\") = %q, %v: the token does not round-trip", tok, again, ok)
		}
	})
}

// FuzzSafeReturnTo: whatever safeReturnTo keeps is its input unchanged, a path on this
// server ("/..." but neither "//..." nor "/\..."), which url.Parse reads without scheme,
// host or userinfo; and used as http.Redirect's target, its Location, resolved against the
// server as a browser would (backslashes read as slashes, tabs and newlines dropped), stays
// on the server. Plain paths are kept.
func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{
		"", "/", "/?a=b", "/authorize?client_id=x&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", "//evil.example",
		"/\\evil.example", "/\t/evil.example", "/\n/evil.example", "https://evil.example", "http:/evil.example",
		"/%2F%2Fevil.example", "/%5Cevil.example", "/..//evil.example", "/./evil.example", "/a/../../evil.example",
		"/.//evil.example", "/a/..//evil.example", "///evil.example", "/@evil.example", "/user@evil.example",
		"/a#frag", "/a?x=//evil.example", "/\x7f", "/é", "/" + strings.Repeat("a", 4096), "/a b", "javascript:alert(1)",
		"/%0a/evil.example", "/ /evil.example", "/;//evil.example", "/.%2e/evil.example", "/..\\evil.example",
	} {
		f.Add(s)
	}
	server, _ := url.Parse("https://as.example/old-login?return_to=x")
	f.Fuzz(func(t *testing.T, s string) {
		got := safeReturnTo(s)
		plain := len(s) <= 4096 && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") &&
			strings.Trim(s, "/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
		if plain && got != s {
			t.Fatalf("safeReturnTo(%q) = %q, want the plain path kept", s, got)
		}
		if got == "" {
			return
		}
		if got != s {
			t.Fatalf("safeReturnTo(%q) = %q, want its input or \"\"", s, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("safeReturnTo(%q) = %q, not a path on this server", s, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
			t.Fatalf("safeReturnTo(%q) = %q, which url.Parse reads as %#v (%v)", s, got, u, err)
		}

		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest(http.MethodPost, server.String(), nil), got, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		for _, l := range []string{loc, browserLocation(loc)} {
			if strings.HasPrefix(l, "//") {
				t.Fatalf("safeReturnTo(%q) = %q: Location %q is protocol-relative", s, got, loc)
			}
			ref, err := url.Parse(l)
			if err != nil {
				t.Fatalf("safeReturnTo(%q) = %q: Location %q does not parse: %v", s, got, loc, err)
			}
			if to := server.ResolveReference(ref); to.Scheme != "https" || to.Host != "as.example" || to.User != nil {
				t.Fatalf("safeReturnTo(%q) = %q: Location %q leads to %q, off the server", s, got, loc, to)
			}
		}
	})
}

// browserLocation is loc as the WHATWG URL parser of browsers reads it in an http(s)
// context: leading and trailing C0 controls and spaces trimmed, tabs and newlines removed,
// backslashes taken for slashes.
func browserLocation(loc string) string {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	return strings.ReplaceAll(loc, "\\", "/")
}

// FuzzReadPersonalTokenRequest: R-PAT-1, readPersonalTokenRequest never panics; every
// refusal is an *Error with a 4xx status, a code and a description; what it accepts came
// with Content-Type application/json as one JSON object within the 64 KiB limit, with the
// name and scopes that encoding/json reads from it.
func FuzzReadPersonalTokenRequest(f *testing.F) {
	const ct = "application/json"
	for _, s := range []struct{ ctype, body string }{
		{ct, `{"name":"ci","scopes":["chats--all:ro"]}`},
		{ct, `{"name":"ci","scopes":"chats--all:ro,chats--my:ro"}`},
		{ct + "; charset=utf-8", `{"name":"ci","scopes":[]}`},
		{ct, `{"name":"ci","scopes":null}`},
		{ct, `{"name":"ci"}`},
		{ct, `{"name":"ci","scopes":[1]}`},
		{ct, `{"name":"ci","scopes":{"a":"b"}}`},
		{ct, `{"name":"ci","scopes":"a","extra":1}`},
		{ct, `{"name":"ci","scopes":"a"} {}`},
		{ct, `{"name":"ci","scopes":"a"} x`},
		{ct, `{"NAME":"ci","Scopes":"a"}`},
		{ct, `{"name":"a","name":"b","scopes":"a"}`},
		{ct, `{"name":1,"scopes":"a"}`},
		{ct, `[]`}, {ct, `null`}, {ct, ``}, {ct, `{`}, {ct, "{\"name\":\"\xff\",\"scopes\":\"a\"}"},
		{ct, `{"name":"ci","scopes":"a"` + strings.Repeat(" ", maxBodyBytes) + `}`},
		{ct, `{"name":"ci","scopes":"a"}` + strings.Repeat(" ", maxBodyBytes)},
		{"text/plain", `{"name":"ci","scopes":"a"}`},
		{"", `{"name":"ci","scopes":"a"}`},
		{"application/json; charset=\"x", `{"name":"ci","scopes":"a"}`},
		{"application/x-www-form-urlencoded", "name=ci&scopes=a"},
	} {
		f.Add(s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/v2/personal_access_tokens", bytes.NewReader(body))
		if ctype != "" {
			r.Header["Content-Type"] = []string{ctype}
		}
		req, e := readPersonalTokenRequest(httptest.NewRecorder(), r)
		if e != nil {
			if e.Status < 400 || e.Status > 499 || e.Code == "" || e.Description == "" {
				t.Fatalf("refusal %#v, want a 4xx *Error with code and description", e)
			}
			return
		}
		if mt, _, err := mime.ParseMediaType(ctype); err != nil || mt != "application/json" {
			t.Fatalf("accepted Content-Type %q", ctype)
		}
		if len(body) > maxBodyBytes {
			t.Fatalf("accepted a body of %d bytes", len(body))
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
			t.Fatalf("accepted %q, which is no JSON object: %v", body, err)
		}
		var want struct {
			Name   string
			Scopes json.RawMessage
		}
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
		}
		if req.Name != want.Name {
			t.Fatalf("name %q, encoding/json reads %q from %q", req.Name, want.Name, body)
		}
		var list []string
		var one string
		switch {
		case json.Unmarshal(want.Scopes, &list) == nil:
		case json.Unmarshal(want.Scopes, &one) == nil:
			list = []string{one}
		default:
			t.Fatalf("accepted scopes %s, neither a list of strings nor a string", want.Scopes)
		}
		if len(req.Scopes) != len(list) || strings.Join(req.Scopes, "\x00") != strings.Join(list, "\x00") {
			t.Fatalf("scopes %q, encoding/json reads %q from %q", req.Scopes, list, body)
		}
	})
}

// fuzzFedServer is a Server with federated sign-in configured (never contacted: the state
// cookie is opened without the upstream), its clock at fuzzFedNow.
func fuzzFedServer(t testing.TB) *Server {
	t.Helper()
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro", Description: "Read your chats"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{
		Issuer: "https://as.example", Storage: memstore.New(), Hasher: mustHasher(t),
		Scopes: cat, Now: func() time.Time { return fuzzFedNow }, Logger: slog.New(slog.DiscardHandler),
		Federation: &Federation{
			Issuer: "https://upstream.example", ClientID: "oauthkit", ClientSecret: "s",
			Organizations: map[string]string{"up-1": "org-a"}, SignInRoles: []string{"agent"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var fuzzFedNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// sealedFedCookie returns the value of the state cookie that s sets for st.
func sealedFedCookie(t testing.TB, s *Server, st fedState) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.setFedStateCookie(rec, st)
	for _, c := range rec.Result().Cookies() {
		if c.Name == s.fedCookieName(st.State) {
			return c.Value
		}
	}
	t.Fatal("setFedStateCookie set no cookie")
	return ""
}

// FuzzFedStateCookie: R-LOGIN-2 / RFC 9700 §4.7, a federated sign-in state cookie with any
// value, presented under the cookie name of any state, never opens: takeFedState refuses it
// as fedInvalidRequest, yields no state, and only ever clears the cookie. Only this server
// can seal one: the seeds include real cookies sealed for another state, under another key,
// and expired. Meanwhile a cookie that the server did seal, with any return_to, opens
// exactly once, its return_to passed through safeReturnTo.
func FuzzFedStateCookie(f *testing.F) {
	s := fuzzFedServer(f)
	other := fuzzFedServer(f)
	var err error
	if other.hasher, err = credentials.NewHasher([]byte("another key, another key, another")); err != nil {
		f.Fatal(err)
	}
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
		got, err := s.takeFedState(rec, r, state)
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
		opened, err := s.takeFedState(httptest.NewRecorder(), r, fresh.State)
		want := fresh
		want.ReturnTo = safeReturnTo(value)
		if err != nil || opened != want {
			t.Fatalf("a sealed state with return_to %q opens as %+v, %v; want %+v", value, opened, err, want)
		}
		if _, err := s.takeFedState(httptest.NewRecorder(), r, fresh.State); err == nil {
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

// noUpstream fails every request: FuzzVerifyIDToken's key cache must never go out.
type noUpstream struct{}

func (noUpstream) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("FuzzVerifyIDToken: no network")
}

// FuzzVerifyIDToken: R-LOGIN-2 / OIDC Core §3.1.3.7, against an upstream whose JWKS holds
// one Ed25519 key, verifyIDToken never panics and accepts only a token whose header and
// payload that key signed (checked with crypto/ed25519 directly, over the canonical
// encoding of the decoded parts) and whose claims name the upstream, this client, the nonce
// and a subject, unexpired. Seeds: a valid token (which must be accepted), the same claims
// signed by another key under the same kid, alg none, HS256 keyed with the public key,
// a swapped payload, a JWS JSON serialization, and claims that fail each check.
func FuzzVerifyIDToken(f *testing.F) {
	pub := fuzzUpKey.Public().(ed25519.PublicKey)
	fd := &federator{
		cfg: Federation{ClientID: fuzzUpClient},
		keys: &jwksCache{
			client: &http.Client{Transport: noUpstream{}},
			uri:    fuzzUpJWKS, keys: []jose.JSONWebKey{{Key: pub, KeyID: "k1", Use: "sig"}},
			fetchedAt: fuzzFedNow, attemptedAt: fuzzFedNow,
		},
	}
	d := &oidcProvider{Issuer: fuzzUpIssuer, JWKSURI: fuzzUpJWKS, algs: safeIDTokenAlgs}
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
