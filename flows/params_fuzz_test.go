package flows

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Fuzz targets for the token endpoint's parameter parsing and the endpoint itself
// (R-TOKEN-1, R-TOKEN-4, R-ERR-1, R-SEC-5). The f.Add seeds run in every plain `go test`.

// FuzzParseQuery: R-TOKEN-1, parseQuery never panics, and on success every name was sent
// exactly once, as url.ParseQuery confirms; empty values are absent. A refusal is always
// explained by a bad encoding or a repeated name.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "a=1&a=2", "a=1;b=2", "%zz", "a=%zz", "a=&a=1", "a", "a&a", "=x", "a=%20&b=+",
		"grant_type=authorization_code&code=oak%3Aac_x&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
		"code=1&co%64e=2", "a=1&&b=2", "&", "a=1&b", "%E2%82%AC=%E2%82%AC", "a=\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := parseQuery(raw)
		vs, verr := url.ParseQuery(raw)
		if err != nil {
			switch {
			case verr != nil && !errors.Is(err, errEncoding):
				t.Fatalf("parseQuery(%q) = %v, want errEncoding (url.ParseQuery: %v)", raw, err, verr)
			case verr == nil && !errors.Is(err, errDuplicate):
				t.Fatalf("parseQuery(%q) = %v, want errDuplicate", raw, err)
			case verr == nil && !anyRepeated(vs):
				t.Fatalf("parseQuery(%q) refused a query without a repeated name", raw)
			}
			return
		}
		if verr != nil {
			t.Fatalf("parseQuery(%q) accepted what url.ParseQuery refuses: %v", raw, verr)
		}
		for k, v := range vs {
			if len(v) != 1 {
				t.Fatalf("parseQuery(%q) accepted %q sent %d times", raw, k, len(v))
			}
			if got, ok := p[k]; v[0] == "" && ok || v[0] != "" && got != v[0] {
				t.Fatalf("parseQuery(%q)[%q] = %q, %v; url.ParseQuery says %q", raw, k, got, ok, v[0])
			}
		}
		for k, v := range p {
			if v == "" || len(vs[k]) != 1 {
				t.Fatalf("parseQuery(%q) invented %q=%q", raw, k, v)
			}
		}
	})
}

func anyRepeated(vs url.Values) bool {
	for _, v := range vs {
		if len(v) > 1 {
			return true
		}
	}
	return false
}

// FuzzParseJSONParams: R-TOKEN-1, parseJSONParams never panics; on success every value is a
// non-empty string and json.Unmarshal into map[string]string agrees (null and "" being
// absent). Whatever json.Unmarshal accepts as a flat object of strings is refused only for
// a repeated key.
func FuzzParseJSONParams(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":"b"}`, `{"a":"b","a":"c"}`, `{"a":null}`, `{"a":""}`, `{"a":1}`, `{"a":true}`,
		`{"a":{"b":"c"}}`, `{"a":["b"]}`, `[]`, `null`, `""`, ``, `{"a":"b"} x`, `{"a":"b"}{}`,
		`{"a":"b",}`, `{"a" "b"}`, `{"a":"\u0000"}`, `{"a\u0062":"x","ab":"y"}`, "{\"a\":\"\xff\"}",
		` {"grant_type" : "authorization_code", "code":"oak:ac_x", "redirect_uri":"https://app.example/cb"} `,
		`{"a":"b"`, `{"a":"\ud800"}`, `{"":"x"}`, `{"a":null,"a":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseJSONParams(string(b))
		var m map[string]string
		uerr := json.Unmarshal(b, &m)
		if err != nil {
			if !errors.Is(err, errEncoding) && !errors.Is(err, errDuplicate) {
				t.Fatalf("parseJSONParams(%q) = %v, want errEncoding or errDuplicate", b, err)
			}
			if uerr == nil && m != nil && !errors.Is(err, errDuplicate) {
				t.Fatalf("parseJSONParams(%q) refused a flat object of strings: %v", b, err)
			}
			return
		}
		if uerr != nil || !json.Valid(b) {
			t.Fatalf("parseJSONParams(%q) accepted what encoding/json refuses: %v", b, uerr)
		}
		for k, v := range p {
			if v == "" || m[k] != v {
				t.Fatalf("parseJSONParams(%q)[%q] = %q; json.Unmarshal says %q", b, k, v, m[k])
			}
		}
		for k, v := range m {
			if got, ok := p[k]; v == "" && ok || v != "" && got != v {
				t.Fatalf("parseJSONParams(%q)[%q] = %q, %v; json.Unmarshal says %q", b, k, got, ok, v)
			}
		}
	})
}

// Fixtures of the fuzzed token endpoint: a valid code of each kind and a refresh token, so
// that mutations of good requests reach deep into the grants.
const (
	fzConf, fzSecret = "conf-app", "conf-secret"
	fzPub            = "pub-app"
	fzRedirect       = "https://app.example/cb"
	fzCode           = "oak:ac_fuzz-confidential"
	fzPKCECode       = "oak:ac_fuzz-public"
	fzRefresh        = "oak:rt_fuzz-refresh"
	fzVerifier       = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 Appendix B
	fzChallenge      = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	fzResource       = "https://mcp.example/mcp"
)

var fzNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// fuzzTokenHandler builds a fresh token endpoint over a memstore holding the fixtures.
func fuzzTokenHandler(t *testing.T) http.Handler {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "chats--my:ro", Description: "Read your chats"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Issuer: "https://as.example", Storage: st, Hasher: mustHasher(t), Authenticator: nobody{},
		Scopes: cat, Now: func() time.Time { return fzNow }, Logger: slog.New(slog.DiscardHandler),
		Resources: []string{fzResource}, Policy: Policy{ClientCredentials: true}})
	if err != nil {
		t.Fatal(err)
	}
	sc := []string{"chats--my:ro"}
	code := store.AuthorizationCode{Hash: s.hasher.Hash(fzCode), ClientID: fzConf, AccountID: "acct", OrganizationID: "org",
		RedirectURI: fzRedirect, Scopes: sc, Resources: []string{fzResource}, FamilyID: "fam-1", IssuedAt: fzNow, ExpiresAt: fzNow.Add(5 * time.Minute)}
	pkce := code
	pkce.Hash, pkce.ClientID, pkce.FamilyID = s.hasher.Hash(fzPKCECode), fzPub, "fam-2"
	pkce.CodeChallenge, pkce.CodeChallengeMethod = fzChallenge, PKCEMethodS256
	rt := store.Token{Hash: s.hasher.Hash(fzRefresh), ID: "rt-1", Kind: store.KindRefresh, ClientID: fzConf, AccountID: "acct",
		OrganizationID: "org", Scopes: sc, FamilyID: "fam-3", IssuedAt: fzNow, ExpiresAt: fzNow.Add(time.Hour)}
	for _, err := range []error{
		st.PutClient(ctx, store.Client{ID: fzConf, SecretHash: s.hasher.Hash(fzSecret), RedirectURIs: []string{fzRedirect}, Scopes: sc}),
		st.PutClient(ctx, store.Client{ID: fzPub, Public: true, RedirectURIs: []string{fzRedirect}, Scopes: sc}),
		st.CreateCode(ctx, code),
		st.CreateCode(ctx, pkce),
		st.IssueTokens(ctx, fzNow, store.Issue{Tokens: []store.Token{rt}}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return s.TokenHandler()
}

// FuzzTokenEndpoint: R-TOKEN-1 / R-TOKEN-4 / R-ERR-1 / R-SEC-5, whatever the method,
// query, Content-Type, Authorization and body, the endpoint never fails with 5xx (storage
// works here), always answers JSON with Cache-Control: no-store, and the JSON is either a
// 200 token answer or an error with a non-empty code.
func FuzzTokenEndpoint(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	basic := "Basic " + b64(fzConf+":"+fzSecret)
	codeBody := "grant_type=authorization_code&code=" + url.QueryEscape(fzCode) + "&redirect_uri=" + url.QueryEscape(fzRedirect)
	for _, s := range []struct{ method, query, ctype, auth, body string }{
		{"POST", "", form, basic, codeBody},
		{"POST", "", form, "", codeBody + "&client_id=" + fzConf + "&client_secret=" + fzSecret},
		{"POST", "", "application/json", basic, `{"grant_type":"authorization_code","code":"` + fzCode + `","redirect_uri":"` + fzRedirect + `"}`},
		{"POST", "", form, "", "grant_type=authorization_code&client_id=pub-app&code=" + url.QueryEscape(fzPKCECode) + "&redirect_uri=" + url.QueryEscape(fzRedirect) + "&code_verifier=" + fzVerifier},
		{"POST", "", form, basic, "grant_type=refresh_token&refresh_token=" + url.QueryEscape(fzRefresh) + "&scope=chats--my%3Aro"},
		{"POST", "", form, basic, codeBody + "&code_verifier=" + fzVerifier},
		{"POST", "", form, basic, codeBody + "&code=x"},
		{"POST", "", form, basic, "grant_type=client_credentials"},
		{"POST", "", form, basic, codeBody + "&resource=" + url.QueryEscape(fzResource)},
		{"POST", "", form, basic, codeBody + "&resource=" + url.QueryEscape(fzResource) + "&resource=https%3A%2F%2Fevil.example"},
		{"POST", "", form, basic, "grant_type=refresh_token&refresh_token=" + url.QueryEscape(fzRefresh) + "&resource=" + url.QueryEscape(fzResource)},
		{"POST", "", form, basic, "grant_type=client_credentials&resource=" + url.QueryEscape(fzResource) + "&resource=%zz"},
		{"POST", "", "application/json", basic, `{"grant_type":"client_credentials","resource":["` + fzResource + `","urn:x"]}`},
		{"POST", "client_secret=x", form, basic, codeBody},
		{"POST", "", form, "Basic !!", codeBody},
		{"POST", "", form, "Basic " + b64("conf-app:%zz"), codeBody},
		{"POST", "", form, "Bearer x", codeBody},
		{"POST", "", "text/plain", basic, codeBody},
		{"POST", "", "multipart/form-data; boundary=x", basic, "--x\r\n\r\n--x--"},
		{"POST", "", form, basic, "a=1;b=2"},
		{"POST", "", form, basic, "grant_type=refresh_token&refresh_token=" + strings.Repeat("a", 70<<10)},
		{"POST", "", "application/json", basic, `{"grant_type":"refresh_token","refresh_token":{"a":1}}`},
		{"GET", "", "", "", ""},
		{"PUT", "", form, basic, codeBody},
		{"", "", "", "", ""},
		{"post", "", form, basic, codeBody},
	} {
		f.Add(s.method, s.query, s.ctype, s.auth, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, query, ctype, auth string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "https://as.example/v2/token", bytes.NewReader(body))
		req.Method, req.URL.RawQuery = method, query
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		fuzzTokenHandler(t).ServeHTTP(rec, req)

		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		h := rec.Header()
		if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("status %d with headers %v", rec.Code, h)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d, body not a JSON object: %q", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK {
			if at, _ := out["access_token"].(string); at == "" || out["token_type"] != "Bearer" {
				t.Fatalf("200 without a Bearer token: %s", rec.Body)
			}
			return
		}
		if code, _ := out["error"].(string); code == "" {
			t.Fatalf("status %d without an error code: %s", rec.Code, rec.Body)
		}
		if _, ok := out["access_token"]; ok {
			t.Fatalf("status %d carries a token: %s", rec.Code, rec.Body)
		}
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// mustHasher is a Hasher of a fixed test key.
func mustHasher(t testing.TB) *credentials.Hasher {
	t.Helper()
	h, err := credentials.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// nobody is an Authenticator with whom nobody is ever signed in.
type nobody struct{}

func (nobody) Account(*http.Request) (store.Account, bool, error) { return store.Account{}, false, nil }

func (nobody) SignIn(w http.ResponseWriter, r *http.Request, _ string) {
	http.Error(w, "sign in elsewhere", http.StatusUnauthorized)
}
