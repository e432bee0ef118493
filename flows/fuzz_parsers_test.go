package flows

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows/internal/form"
)

// Fuzz targets for the parsers of untrusted input outside the token endpoint (whose own are
// in params_fuzz_test.go): the Bearer header (RFC 6750 §2.1), return_to (the open-redirect
// guard of the sign-in pages) and the personal access token request body (R-PAT-1). Those
// of federated sign-in are in package federation. The f.Add seeds run in every plain
// `go test`.

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
		got := SafeReturnTo(s)
		plain := len(s) <= 4096 && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") &&
			strings.Trim(s, "/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
		if plain && got != s {
			t.Fatalf("SafeReturnTo(%q) = %q, want the plain path kept", s, got)
		}
		if got == "" {
			return
		}
		if got != s {
			t.Fatalf("SafeReturnTo(%q) = %q, want its input or \"\"", s, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("SafeReturnTo(%q) = %q, not a path on this server", s, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
			t.Fatalf("SafeReturnTo(%q) = %q, which url.Parse reads as %#v (%v)", s, got, u, err)
		}

		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest(http.MethodPost, server.String(), nil), got, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		for _, l := range []string{loc, browserLocation(loc)} {
			if strings.HasPrefix(l, "//") {
				t.Fatalf("SafeReturnTo(%q) = %q: Location %q is protocol-relative", s, got, loc)
			}
			ref, err := url.Parse(l)
			if err != nil {
				t.Fatalf("SafeReturnTo(%q) = %q: Location %q does not parse: %v", s, got, loc, err)
			}
			if to := server.ResolveReference(ref); to.Scheme != "https" || to.Host != "as.example" || to.User != nil {
				t.Fatalf("SafeReturnTo(%q) = %q: Location %q leads to %q, off the server", s, got, loc, to)
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
		{ct, `{"name":"ci","scopes":"a"` + strings.Repeat(" ", form.MaxBody) + `}`},
		{ct, `{"name":"ci","scopes":"a"}` + strings.Repeat(" ", form.MaxBody)},
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
		if len(body) > form.MaxBody {
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
