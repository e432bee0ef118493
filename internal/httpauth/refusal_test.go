package httpauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestChallenge(t *testing.T) {
	for _, tt := range []struct {
		name     string
		r        Refusal
		describe bool
		want     string
	}{
		{"no credential", Refusal{Status: 401, Code: "unauthorized", Description: "x", NoCredential: true}, true,
			`Bearer realm="api"`},
		{"invalid token", Refusal{Status: 401, Code: "invalid_token", Description: "the token is bad"}, false,
			`Bearer realm="api", error="invalid_token"`},
		{"described", Refusal{Status: 401, Code: "invalid_token", Description: "the token is bad"}, true,
			`Bearer realm="api", error="invalid_token", error_description="the token is bad"`},
		{"malformed", Refusal{Status: 400, Code: "invalid_request"}, true,
			`Bearer realm="api", error="invalid_request"`},
		{"insufficient scope", Refusal{Status: 403, Code: "insufficient_scope", Description: "more", Scope: "a:ro b:rw"}, true,
			`Bearer realm="api", error="insufficient_scope", error_description="more", scope="a:ro b:rw"`},
		{"scope without description", Refusal{Status: 403, Code: "insufficient_scope", Scope: "a:ro"}, false,
			`Bearer realm="api", error="insufficient_scope", scope="a:ro"`},
		{"no credential, metadata", Refusal{Status: 401, Code: "unauthorized", NoCredential: true,
			ResourceMetadata: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"}, true,
			`Bearer realm="api", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`},
		{"scope and metadata", Refusal{Status: 403, Code: "insufficient_scope", Scope: "a:ro",
			ResourceMetadata: "https://x/.well-known/oauth-protected-resource"}, false,
			`Bearer realm="api", error="insufficient_scope", scope="a:ro", resource_metadata="https://x/.well-known/oauth-protected-resource"`},
		{"hostile metadata", Refusal{Status: 400, Code: "invalid_request", ResourceMetadata: "https://x/\"a\\b\r\n"}, false,
			`Bearer realm="api", error="invalid_request", resource_metadata="https://x/\"a\\b??"`},
		{"unavailable", Refusal{Status: 503, Code: "temporarily_unavailable", ResourceMetadata: "https://x"}, true, ""},
		{"server error", Refusal{Status: 500, Code: "server_error"}, true, ""},
		{"hostile values", Refusal{Status: 401, Code: "x\"y", Description: "a\\b\r\nWWW-Authenticate: z\x00é"}, true,
			`Bearer realm="api", error="x\"y", error_description="a\\b??WWW-Authenticate: z???"`},
	} {
		if got := tt.r.Challenge("api", tt.describe); got != tt.want {
			t.Errorf("%s: Challenge = %s, want %s", tt.name, got, tt.want)
		}
	}
	if got, want := BasicChallenge("oauthkit"), `Basic realm="oauthkit", charset="UTF-8"`; got != want {
		t.Errorf("BasicChallenge = %s, want %s", got, want)
	}
}

func TestRefusalWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	Refusal{Status: 403, Code: "insufficient_scope", Description: "more", Scope: "a:ro"}.Write(rec, "api")
	if rec.Code != 403 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="api", error="insufficient_scope", error_description="more", scope="a:ro"` ||
		rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Retry-After") != "" {
		t.Fatalf("403: %d %v", rec.Code, rec.Header())
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body) != 3 ||
		body["error"] != "insufficient_scope" || body["error_description"] != "more" || body["scope"] != "a:ro" {
		t.Fatalf("body %s (%v)", rec.Body, err)
	}

	rec = httptest.NewRecorder()
	Refusal{Status: 503, Code: "temporarily_unavailable", Description: "later", RetryAfter: 4500 * time.Millisecond}.Write(rec, "api")
	if rec.Code != 503 || rec.Header().Get("WWW-Authenticate") != "" || rec.Header().Get("Retry-After") != "5" {
		t.Fatalf("503: %d %v", rec.Code, rec.Header())
	}
	if got := rec.Body.String(); got != `{"error":"temporarily_unavailable","error_description":"later"}`+"\n" {
		t.Fatalf("503 body %q", got)
	}
}

// FuzzChallenge: whatever the values, the challenge is one header line of printable ASCII
// whose quoted-strings read back as the values (with '?' for what is not printable ASCII).
// The seeds run in every plain `go test`.
func FuzzChallenge(f *testing.F) {
	f.Add("api", "invalid_token", "the token is bad", "a:ro b:rw", "https://x/.well-known/oauth-protected-resource")
	f.Add(`re"alm`, `c\`, "\r\nSet-Cookie: x", "é\x00", `"\`)
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, realm, code, desc, scope, meta string) {
		c := Refusal{Status: http.StatusForbidden, Code: code, Description: desc, Scope: scope,
			ResourceMetadata: meta}.Challenge(realm, true)
		for i := 0; i < len(c); i++ {
			if c[i] < ' ' || c[i] >= 0x7f {
				t.Fatalf("byte %#x in %q", c[i], c)
			}
		}
		got := parseChallenge(t, c)
		want := map[string]string{"realm": byteClean(realm)}
		for name, v := range map[string]string{"error": code, "error_description": desc, "scope": scope,
			"resource_metadata": meta} {
			if v != "" {
				want[name] = byteClean(v)
			}
		}
		for name, v := range want {
			if got[name] != v {
				t.Fatalf("%s = %q in %s, want %q", name, got[name], c, v)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("attributes %v, want %v", got, want)
		}
	})
}

// byteClean replaces every byte outside printable ASCII by '?'.
func byteClean(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

// parseChallenge reads `Bearer name="value", …` with RFC 9110 quoted-pairs.
func parseChallenge(t *testing.T, c string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(c, "Bearer ")
	if !ok {
		t.Fatalf("challenge %q", c)
	}
	out := map[string]string{}
	for rest != "" {
		name, after, ok := strings.Cut(rest, `="`)
		if !ok {
			t.Fatalf("attribute in %q", c)
		}
		var v strings.Builder
		i := 0
		for ; i < len(after) && after[i] != '"'; i++ {
			if after[i] == '\\' {
				if i++; i == len(after) {
					break
				}
			}
			v.WriteByte(after[i])
		}
		if i == len(after) {
			t.Fatalf("unterminated value in %q", c)
		}
		out[name] = v.String()
		rest = after[i+1:]
		if rest != "" {
			if rest, ok = strings.CutPrefix(rest, ", "); !ok {
				t.Fatalf("separator in %q", c)
			}
		}
	}
	return out
}
