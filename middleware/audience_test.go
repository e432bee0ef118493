package middleware

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// R-RES: audience-bound tokens (RFC 8707) are refused by a resource server they are not
// for, whatever the validator.

const (
	testResource = "https://mcp.example.com/mcp"
	chAudience   = `Bearer realm="test", error="invalid_token", error_description="the access token is not meant for this resource"`
)

// rsResponse is what a client of the resource server sees.
type rsResponse struct {
	code      int
	challenge string
	err       string
	audience  []string // what the handler found in TokenFromContext
}

// resourceServer serves, over real HTTP, an API behind Authenticate(v, opts) whose handler
// reports the token's audience. The clock is the tests' (newClock).
func resourceServer(t *testing.T, v Validator, opts Options) func(authorization string) rsResponse {
	t.Helper()
	opts.Realm, opts.Logger, opts.Now = "test", discardLog, newClock().Now
	h := Authenticate(v, opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := TokenFromContext(r.Context())
		_ = json.NewEncoder(w).Encode(info.Audience)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return func(authorization string) rsResponse {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/mcp", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		out := rsResponse{code: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate")}
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(body, &out.audience); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
		} else {
			var e errorBody
			_ = json.Unmarshal(body, &e)
			out.err = e.Error
		}
		return out
	}
}

// audienceCase is a token with an audience, and whether a resource server for
// testResource accepts it.
type audienceCase struct {
	name     string
	audience []string
	ok       bool
}

var audienceCases = []audienceCase{
	{"exact", []string{testResource}, true},
	{"among several", []string{"https://other.example.com", testResource}, true},
	{"other case and default port", []string{"HTTPS://MCP.Example.com:443/mcp"}, true},
	{"percent-encoded unreserved", []string{"https://mcp.example.com/%6Dcp"}, true},
	{"another resource", []string{"https://other.example.com/mcp"}, false},
	{"same host, root", []string{"https://mcp.example.com"}, false},
	{"trailing slash is another path", []string{"https://mcp.example.com/mcp/"}, false},
	{"path is case-sensitive", []string{"https://mcp.example.com/MCP"}, false},
	{"http is another resource", []string{"http://mcp.example.com/mcp"}, false},
	{"prefix is no match", []string{"https://mcp.example.com/mcp/tools"}, false},
	{"query is no match", []string{"https://mcp.example.com/mcp?x=1"}, false},
	{"dot segment refused", []string{"https://mcp.example.com/x/../mcp"}, false},
	{"not a URI", []string{"mcp"}, false},
	{"no audience", nil, false},
}

// checkAudiences runs audienceCases against a resource server for testResource and one
// without Options.Resource, presenting each case's token as tokenFor builds it, with the
// audience the validator reports.
func checkAudiences(t *testing.T, v Validator, tokenFor func(t *testing.T, c audienceCase) (string, []string)) {
	t.Helper()
	bound := resourceServer(t, v, Options{Resource: testResource})
	open := resourceServer(t, v, Options{})
	for _, c := range audienceCases {
		t.Run(c.name, func(t *testing.T) {
			tok, want := tokenFor(t, c)
			tok = "Bearer " + tok
			got := bound(tok)
			if c.ok {
				if got.code != 200 || !slices.Equal(got.audience, want) {
					t.Fatalf("bound: %+v, want 200 with audience %q", got, want)
				}
			} else if got.code != 401 || got.err != "invalid_token" || got.challenge != chAudience {
				t.Fatalf("bound: %+v, want 401 invalid_token with %s", got, chAudience)
			}
			if got := open(tok); got.code != 200 || !slices.Equal(got.audience, want) {
				t.Fatalf("without Options.Resource: %+v, want 200 with audience %q", got, want)
			}
		})
	}
}

func TestAudienceLocal(t *testing.T) {
	f := newFixture(t)
	l := f.local(t, LocalOptions{})
	checkAudiences(t, l, func(t *testing.T, c audienceCase) (string, []string) {
		return f.issue(t, store.Token{Kind: store.KindAccess, Scopes: []string{"chats--my:ro"},
			Audience: slices.Clone(c.audience)}), c.audience
	})
}

// TestAudienceCached: a Cache keeps the audience, and the check applies to every hit.
func TestAudienceCached(t *testing.T) {
	f := newFixture(t)
	c := Cached(f.local(t, LocalOptions{}), CacheOptions{Now: f.clock.Now})
	t.Cleanup(func() { _ = c.Close() })
	checkAudiences(t, c, func(t *testing.T, ac audienceCase) (string, []string) {
		return f.issue(t, store.Token{Kind: store.KindAccess, Audience: slices.Clone(ac.audience)}), ac.audience
	})
	// Twice more, now from the cache.
	tok := "Bearer " + f.issue(t, store.Token{Kind: store.KindAccess, Audience: []string{"https://other.example.com"}})
	good := "Bearer " + f.issue(t, store.Token{Kind: store.KindAccess, Audience: []string{testResource}})
	rs := resourceServer(t, c, Options{Resource: testResource})
	for range 2 {
		if got := rs(tok); got.code != 401 || got.challenge != chAudience {
			t.Fatalf("cached token of another resource: %+v", got)
		}
		if got := rs(good); got.code != 200 || !slices.Equal(got.audience, []string{testResource}) {
			t.Fatalf("cached token of this resource: %+v", got)
		}
	}
}

// TestAudienceCachedCopy: what Cache.Validate returns is the caller's own; writing into
// its Audience does not change what the next hit sees.
func TestAudienceCachedCopy(t *testing.T) {
	f := newFixture(t)
	c := Cached(f.local(t, LocalOptions{}), CacheOptions{Now: f.clock.Now})
	t.Cleanup(func() { _ = c.Close() })
	tok := f.issue(t, store.Token{Kind: store.KindAccess, Audience: []string{testResource}})
	for i := range 3 {
		info, err := c.Validate(context.Background(), Credential{Token: tok})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(info.Audience, []string{testResource}) {
			t.Fatalf("validation %d: audience %q", i, info.Audience)
		}
		info.Audience[0] = "https://attacker.example"
	}
}

func TestAudienceIntrospection(t *testing.T) {
	clock := newClock()
	exp := strconv.FormatInt(clock.Now().Add(time.Hour).Unix(), 10)
	answers := map[string]string{}
	tokens := map[string]string{}
	for i, c := range audienceCases {
		tok := "at-" + strconv.Itoa(i)
		tokens[c.name] = tok
		member := ""
		switch len(c.audience) {
		case 0:
		case 1: // a single audience as a string, RFC 7519 §4.1.3
			b, _ := json.Marshal(c.audience[0])
			member = `,"aud":` + string(b)
		default:
			b, _ := json.Marshal(c.audience)
			member = `,"aud":` + string(b)
		}
		answers[tok] = `{"active":true,"client_id":"c1","sub":"acc-1","exp":` + exp + member + `}`
	}
	answers["array-of-one"] = `{"active":true,"client_id":"c1","sub":"acc-1","exp":` + exp + `,"aud":["` + testResource + `"]}`
	answers["empty-string"] = `{"active":true,"client_id":"c1","sub":"acc-1","exp":` + exp + `,"aud":""}`
	answers["null"] = `{"active":true,"client_id":"c1","sub":"acc-1","exp":` + exp + `,"aud":null}`
	answers["number"] = `{"active":true,"client_id":"c1","sub":"acc-1","exp":` + exp + `,"aud":42}`
	answers["mixed"] = `{"active":true,"client_id":"c1","sub":"acc-1","exp":` + exp + `,"aud":["` + testResource + `",1]}`
	srv := fakeIntrospection(t, answers)
	in := newIntrospection(t, srv.URL, clock, IntrospectionOptions{})
	checkAudiences(t, in, func(t *testing.T, c audienceCase) (string, []string) { return tokens[c.name], c.audience })

	rs := resourceServer(t, in, Options{Resource: testResource})
	if got := rs("Bearer array-of-one"); got.code != 200 || !slices.Equal(got.audience, []string{testResource}) {
		t.Errorf("aud as an array of one: %+v", got)
	}
	for _, tok := range []string{"empty-string", "null"} {
		if got := rs("Bearer " + tok); got.code != 401 || got.challenge != chAudience {
			t.Errorf("aud %s is no audience: %+v", tok, got)
		}
	}
	// An aud of the wrong type is a malformed answer: the question stays open.
	for _, tok := range []string{"number", "mixed"} {
		if got := rs("Bearer " + tok); got.code != 503 {
			t.Errorf("aud %s: %+v, want 503", tok, got)
		}
	}
}

func TestAudienceJWT(t *testing.T) {
	clock := newClock()
	keys := newTestKeys(t)
	b, err := keys.set.MarshalJWKS(clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The JWT validator's own audience is the host; the resource server is one path of
	// it, so that both checks are seen.
	j, err := NewJWT(JWTOptions{Issuer: testIssuer, Audience: "https://mcp.example.com", JWKS: b, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(aud ...string) string {
		c := keys.claims(clock.Now())
		c.Audience = aud
		return keys.sign(t, c)
	}
	bound := resourceServer(t, j, Options{Resource: testResource})
	for _, tt := range []struct {
		name string
		aud  []string
		code int
		ch   string
	}{
		{"both audiences", []string{"https://mcp.example.com", testResource}, 200, ""},
		{"JWTOptions.Audience compared canonically", []string{"HTTPS://mcp.example.com:443/", testResource}, 200, ""},
		{"only the validator's audience", []string{"https://mcp.example.com"}, 401, chAudience},
		{"only the resource", []string{testResource}, 401, chInvalid},
		{"neither", []string{"https://other.example.com"}, 401, chInvalid},
	} {
		got := bound("Bearer " + sign(tt.aud...))
		if got.code != tt.code || got.challenge != tt.ch || (tt.code == 200 && !slices.Equal(got.audience, tt.aud)) {
			t.Errorf("%s: %+v, want %d %s", tt.name, got, tt.code, tt.ch)
		}
	}

	// A JWTOptions.Audience that is not a resource identifier is compared exactly.
	plain, err := NewJWT(JWTOptions{Issuer: testIssuer, Audience: "Chat-API", JWKS: b, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rs := resourceServer(t, plain, Options{})
	if got := rs("Bearer " + sign("Chat-API")); got.code != 200 {
		t.Errorf("plain audience: %+v", got)
	}
	if got := rs("Bearer " + sign("chat-api")); got.code != 401 {
		t.Errorf("plain audience in another case: %+v", got)
	}

	// The table, with a validator whose own audience every token also names.
	other, err := NewJWT(JWTOptions{Issuer: testIssuer, Audience: "urn:example:gateway", JWKS: b, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	checkAudiences(t, other, func(t *testing.T, c audienceCase) (string, []string) {
		aud := append(slices.Clone(c.audience), "urn:example:gateway")
		return sign(aud...), aud
	})
}

// TestAudienceLocalJWT: with LocalOptions.JWT, the audience is the record's, as for every
// token of Local: the JWT's aud passed the JWT validator's own check.
func TestAudienceLocalJWT(t *testing.T) {
	f := newFixture(t)
	keys := newTestKeys(t)
	f.issue(t, store.Token{ID: "jti-bound", Kind: store.KindAccess, Audience: []string{testResource}})
	f.issue(t, store.Token{ID: "jti-open", Kind: store.KindAccess})
	l := f.local(t, LocalOptions{JWT: testJWT(t, keys, f.clock, ""), TokenAdmin: f.st})
	rs := resourceServer(t, l, Options{Resource: testResource})
	sign := func(id string) string {
		c := keys.claims(f.clock.Now())
		c.ID = id
		return "Bearer " + keys.sign(t, c)
	}
	if got := rs(sign("jti-bound")); got.code != 200 || !slices.Equal(got.audience, []string{testResource}) {
		t.Errorf("bound record: %+v", got)
	}
	if got := rs(sign("jti-open")); got.code != 401 || got.challenge != chAudience {
		t.Errorf("record without audience: %+v", got)
	}
}
