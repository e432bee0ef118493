package flows

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/internal/resourceid"
)

// Fuzz targets of the resource parameter (RFC 8707, R-RES), the one parameter a request
// may repeat. The f.Add seeds run in every plain `go test`.

// FuzzResourceParams: parseQueryResources never panics; on success its resource values
// are exactly the non-empty resource values url.ParseQuery finds, in order, and the other
// parameters are parseQuery's answer for the query without them. parseResources of the
// values never panics; on success it returns at most MaxResources distinct canonical
// identifiers, each the canonical form of a value sent, and every value sent has its
// canonical form among them.
func FuzzResourceParams(f *testing.F) {
	for _, s := range []string{
		"", "resource=https%3A%2F%2Fmcp.example.com%2Fmcp",
		"resource=https://mcp.example.com/mcp&resource=https://api.example.com&scope=a",
		"resource=&resource=https://a.example", "resource=https://a.example#f", "re%73ource=https://a.example",
		"resource=https://a.example&scope=a&scope=b", "resource=HTTPS://A.EXAMPLE:443/&resource=https://a.example",
		"resource=urn:x", "resource=%zz", "resource=https://a.example;b", "resource",
		"resource=" + strings.Repeat("https://a.example/x&resource=", 11) + "https://a.example",
		"resource=https://[::1]:8080/mcp&resource=http://127.0.0.1/%7Emcp?q=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, values, err := parseQueryResources(raw)
		vs, verr := url.ParseQuery(raw)
		if err != nil {
			if verr == nil && !anyRepeatedBut(vs, paramResource) && strings.IndexByte(raw, ';') < 0 {
				t.Fatalf("parseQueryResources(%q) = %v, but only resource repeats", raw, err)
			}
			return
		}
		if verr != nil {
			t.Fatalf("parseQueryResources(%q) accepted what url.ParseQuery refuses: %v", raw, verr)
		}
		var want []string
		for _, v := range vs[paramResource] {
			if v != "" {
				want = append(want, v)
			}
		}
		if !slices.Equal(values, want) {
			t.Fatalf("parseQueryResources(%q) resources = %q, url.ParseQuery says %q", raw, values, want)
		}
		if _, ok := p[paramResource]; ok {
			t.Fatalf("parseQueryResources(%q) left resource among the parameters", raw)
		}
		delete(vs, paramResource)
		rest, err := parseQuery(vs.Encode())
		if err != nil || len(rest) != len(p) {
			t.Fatalf("parseQueryResources(%q) = %q, parseQuery of the rest = %q, %v", raw, p, rest, err)
		}
		for k, v := range rest {
			if p[k] != v {
				t.Fatalf("parseQueryResources(%q)[%q] = %q, want %q", raw, k, p[k], v)
			}
		}

		got, e := parseResources(values)
		if e != nil {
			if e.Code != ErrInvalidTarget || e.Description == "" {
				t.Fatalf("parseResources(%q) = %+v, want invalid_target with a description", values, e)
			}
			return
		}
		if len(got) > MaxResources {
			t.Fatalf("parseResources(%q) returned %d resources", values, len(got))
		}
		for i, c := range got {
			if cc, err := resourceid.Canonical(c); err != nil || cc != c || slices.Contains(got[:i], c) {
				t.Fatalf("parseResources(%q) returned %q: not canonical or repeated", values, c)
			}
		}
		for _, v := range values {
			if c, err := resourceid.Canonical(v); err != nil || !slices.Contains(got, c) {
				t.Fatalf("parseResources(%q) accepted %q, which is not among %q", values, v, got)
			}
		}
	})
}

// anyRepeatedBut reports whether a name other than except is sent more than once.
func anyRepeatedBut(vs url.Values, except string) bool {
	for k, v := range vs {
		if k != except && len(v) > 1 {
			return true
		}
	}
	return false
}

// FuzzJSONResources: parseJSONParamsResources never panics; on success the resource values
// are the non-empty strings of the resource member (a string, null, or an array of
// strings), in order, and the other members are parseJSONParams's answer.
func FuzzJSONResources(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"resource":"https://a.example"}`, `{"resource":["https://a.example","https://b.example"]}`,
		`{"resource":[]}`, `{"resource":null}`, `{"resource":["",null]}`, `{"resource":["a",1]}`,
		`{"resource":"a","resource":"b"}`, `{"resource":["a"],"resource":["b"]}`, `{"resource":{"a":"b"}}`,
		`{"grant_type":"client_credentials","resource":["https://a.example"],"scope":"x"}`, `{"resource":[["a"]]}`,
		`{"re\u0073ource":"a"}`, `{"resource":["a"]`, `{"resource":"a"} []`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, values, err := parseJSONParamsResources(string(b))
		if err != nil {
			if err != errEncoding && err != errDuplicate {
				t.Fatalf("parseJSONParamsResources(%q) = %v", b, err)
			}
			return
		}
		var m map[string]json.RawMessage
		if uerr := json.Unmarshal(b, &m); uerr != nil {
			t.Fatalf("parseJSONParamsResources(%q) accepted what encoding/json refuses: %v", b, uerr)
		}
		var want []string
		if raw, ok := m[paramResource]; ok {
			var one *string
			var many []*string
			if json.Unmarshal(raw, &one) == nil {
				if one != nil && *one != "" {
					want = []string{*one}
				}
			} else if json.Unmarshal(raw, &many) == nil {
				for _, v := range many {
					if v == nil {
						t.Fatalf("parseJSONParamsResources(%q) accepted null in the resource array", b)
					}
					if *v != "" {
						want = append(want, *v)
					}
				}
			} else {
				t.Fatalf("parseJSONParamsResources(%q) accepted resource %s", b, raw)
			}
			delete(m, paramResource)
		}
		if !slices.Equal(values, want) {
			t.Fatalf("parseJSONParamsResources(%q) resources = %q, want %q", b, values, want)
		}
		rest, _ := json.Marshal(m)
		others, err := parseJSONParams(string(rest))
		if err != nil || len(others) != len(p) {
			t.Fatalf("parseJSONParamsResources(%q) = %q; the rest parses as %q, %v", b, p, others, err)
		}
		for k, v := range others {
			if p[k] != v {
				t.Fatalf("parseJSONParamsResources(%q)[%q] = %q, want %q", b, k, p[k], v)
			}
		}
	})
}
