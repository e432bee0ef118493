package middleware

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeValidator knows a fixed set of tokens; its clock is the test's.
func fakeValidator(clock *fakeClock) Validator {
	return ValidatorFunc(func(_ context.Context, c Credential) (Info, error) {
		now := clock.Now()
		base := Info{ID: "id-" + c.Token, Kind: store.KindAccess, ClientID: testClient,
			AccountID: testAccount, OrganizationID: testOrg,
			Scopes: scopes.New("chats--all:rw"), IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
		switch c.Token {
		case "good":
			return base, nil
		case "pat":
			if !c.Basic || c.Username != testAccount {
				return Info{}, ErrInvalidToken
			}
			base.Kind = store.KindPersonal
			return base, nil
		case "cust":
			base.Kind, base.AccountID, base.CustomerID = store.KindCustomer, "", "cust-1"
			return base, nil
		case "expired":
			base.ExpiresAt = now.Add(-time.Second)
			return base, nil
		case "refresh":
			base.Kind = store.KindRefresh
			return base, nil
		case "down":
			return Info{}, fmt.Errorf("%w: storage: connection refused", ErrUnavailable)
		case "boom":
			return Info{}, errors.New("SELECT secret FROM tokens: driver exploded")
		}
		return Info{}, ErrInvalidToken
	})
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Scope       string `json:"scope"`
}

const (
	chMissing = `Bearer realm="test"`
	chInvalid = `Bearer realm="test", error="invalid_token", error_description="the access token is invalid, expired or revoked"`
	chKind    = `Bearer realm="test", error="invalid_token", error_description="this kind of token is not accepted here"`
)

func chBad(desc string) string {
	return `Bearer realm="test", error="invalid_request", error_description="` + desc + `"`
}

// TestAuthenticateResponses covers every answer of Authenticate (R-MW-1, RFC 6750 §3,
// R-PAT-2, R-CUST-2).
func TestAuthenticateResponses(t *testing.T) {
	clock := newClock()
	tests := []struct {
		name      string
		opts      Options
		method    string
		target    string
		headers   []string // Authorization values
		body      string
		wantCode  int
		wantError string // body "error"
		wantChal  string // WWW-Authenticate, "" = absent
		wantKind  store.TokenKind
	}{
		{name: "R-MW-1 missing", wantCode: 401, wantError: "unauthorized", wantChal: chMissing},
		{name: "R-MW-1 bearer", headers: []string{"Bearer good"}, wantCode: 200, wantKind: store.KindAccess},
		{name: "R-MW-1 scheme is case-insensitive", headers: []string{"bEaReR good"}, wantCode: 200, wantKind: store.KindAccess},
		{name: "R-MW-1 several spaces", headers: []string{"Bearer   good"}, wantCode: 200, wantKind: store.KindAccess},
		{name: "R-MW-1 no token", headers: []string{"Bearer"}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the Authorization header has no credentials")},
		{name: "R-MW-1 empty token", headers: []string{"Bearer    "}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the Authorization header has no credentials")},
		{name: "R-MW-1 space in token", headers: []string{"Bearer go od"}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the bearer token is malformed")},
		{name: "R-MW-1 quote in token", headers: []string{`Bearer go"od`}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the bearer token is malformed")},
		{name: "R-MW-1 padding inside token", headers: []string{"Bearer go=od"}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the bearer token is malformed")},
		{name: "R-MW-1 token too long", headers: []string{"Bearer " + strings.Repeat("a", MaxTokenLength+1)}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the bearer token is malformed")},
		{name: "R-MW-1 two Authorization headers", headers: []string{"Bearer good", "Bearer good"}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("send one Authorization header")},
		{name: "R-MW-1 other scheme is no credential", headers: []string{"Digest username=x"}, wantCode: 401, wantError: "unauthorized", wantChal: chMissing},
		{name: "R-MW-1 unknown token", headers: []string{"Bearer nope"}, wantCode: 401, wantError: "invalid_token", wantChal: chInvalid},
		{name: "R-MW-1 expired token", headers: []string{"Bearer expired"}, wantCode: 401, wantError: "invalid_token", wantChal: chInvalid},
		{name: "R-MW-1 refresh token", headers: []string{"Bearer refresh"}, wantCode: 401, wantError: "invalid_token", wantChal: chInvalid},
		{name: "R-CUST-2 customer token on agent API", headers: []string{"Bearer cust"}, wantCode: 401, wantError: "invalid_token", wantChal: chKind},
		{name: "R-CUST-2 customer token on customer API", opts: Options{Kinds: []store.TokenKind{store.KindCustomer}}, headers: []string{"Bearer cust"}, wantCode: 200, wantKind: store.KindCustomer},
		{name: "R-CUST-2 agent token on customer API", opts: Options{Kinds: []store.TokenKind{store.KindCustomer}}, headers: []string{"Bearer good"}, wantCode: 401, wantError: "invalid_token", wantChal: chKind},
		{name: "R-MW-1 validator unavailable fails closed", headers: []string{"Bearer down"}, wantCode: 503, wantError: "temporarily_unavailable"},
		{name: "R-MW-1 unknown validator error fails closed", headers: []string{"Bearer boom"}, wantCode: 503, wantError: "temporarily_unavailable"},
		{name: "R-PAT-2 Basic PAT", headers: []string{basic(testAccount, "pat")}, wantCode: 200, wantKind: store.KindPersonal},
		{name: "R-PAT-2 Basic scheme case-insensitive", headers: []string{"basic " + strings.TrimPrefix(basic(testAccount, "pat"), "Basic ")}, wantCode: 200, wantKind: store.KindPersonal},
		{name: "R-PAT-2 Basic wrong user", headers: []string{basic("someone", "pat")}, wantCode: 401, wantError: "invalid_token", wantChal: chInvalid},
		{name: "R-PAT-2 Basic with an access token", headers: []string{basic(testAccount, "good")}, wantCode: 401, wantError: "invalid_token", wantChal: chInvalid},
		{name: "R-PAT-2 Basic not base64", headers: []string{"Basic %%%"}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the Basic credentials are not valid base64")},
		{name: "R-PAT-2 Basic without colon", headers: []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon"))}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the Basic credentials have no valid user name")},
		{name: "R-PAT-2 Basic empty user", headers: []string{basic("", "pat")}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the Basic credentials have no valid user name")},
		{name: "R-PAT-2 Basic empty password", headers: []string{basic(testAccount, "")}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("the Basic password is not a well-formed token")},
		{name: "R-PAT-2 Basic disabled", opts: Options{DisableBasic: true}, headers: []string{basic(testAccount, "pat")}, wantCode: 401, wantError: "unauthorized", wantChal: chMissing},
		{name: "R-MW-1 query token refused by default", target: "/r?access_token=good", wantCode: 400, wantError: "invalid_request", wantChal: chBad("access tokens are not accepted in the query string")},
		{name: "R-MW-1 query token when allowed", opts: Options{AllowQueryToken: true}, target: "/r?access_token=good", wantCode: 200, wantKind: store.KindAccess},
		{name: "R-MW-1 query token twice", opts: Options{AllowQueryToken: true}, target: "/r?access_token=good&access_token=good", wantCode: 400, wantError: "invalid_request", wantChal: chBad("send one access_token")},
		{name: "R-MW-1 query and header", opts: Options{AllowQueryToken: true}, target: "/r?access_token=good", headers: []string{"Bearer good"}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("send the access token one way only")},
		{name: "R-MW-1 unrelated query", target: "/r?q=access_tokens", headers: []string{"Bearer good"}, wantCode: 200, wantKind: store.KindAccess},
		{name: "R-MW-1 form token ignored by default", method: "POST", body: "access_token=good", wantCode: 401, wantError: "unauthorized", wantChal: chMissing},
		{name: "R-MW-1 form token when allowed", opts: Options{AllowFormToken: true}, method: "POST", body: "access_token=good&x=1", wantCode: 200, wantKind: store.KindAccess},
		{name: "R-MW-1 form and header", opts: Options{AllowFormToken: true}, method: "POST", body: "access_token=good", headers: []string{"Bearer good"}, wantCode: 400, wantError: "invalid_request", wantChal: chBad("send the access token one way only")},
		{name: "R-MW-1 form token malformed", opts: Options{AllowFormToken: true}, method: "POST", body: "access_token=a%20b", wantCode: 400, wantError: "invalid_request", wantChal: chBad("the access token is malformed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Realm, opts.Now, opts.Logger = "test", clock.Now, discardLog
			var seen Info
			var reached bool
			h := Authenticate(fakeValidator(clock), opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				seen, _ = TokenFromContext(r.Context())
				if tt.body != "" && r.PostForm.Get("x") != "1" && strings.Contains(tt.body, "x=1") {
					t.Error("the handler cannot read the parsed form")
				}
				w.WriteHeader(http.StatusOK)
			}))
			method, target := tt.method, tt.target
			if method == "" {
				method = "GET"
			}
			if target == "" {
				target = "/r"
			}
			req := httptest.NewRequest(method, target, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for _, v := range tt.headers {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tt.wantCode, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.wantChal {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantChal)
			}
			if tt.wantCode == 200 {
				if !reached || seen.Kind != tt.wantKind || seen.ID == "" {
					t.Errorf("handler reached=%v with %+v, want kind %q", reached, seen, tt.wantKind)
				}
				return
			}
			if reached {
				t.Fatal("a refused request reached the handler")
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if body.Error != tt.wantError || body.Description == "" {
				t.Errorf("body = %+v, want error %q with a description", body, tt.wantError)
			}
			if strings.Contains(rec.Body.String(), "SELECT") || strings.Contains(rec.Body.String(), "refused") {
				t.Errorf("internal detail leaked: %s", rec.Body)
			}
			if rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("headers = %v", rec.Header())
			}
			if tt.wantCode == 503 && rec.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
}

func TestAuthenticateQueryTokenIsPrivate(t *testing.T) {
	// RFC 6750 §2.3: a response to a URI-carried token carries Cache-Control: private.
	clock := newClock()
	h := Authenticate(fakeValidator(clock), Options{AllowQueryToken: true, Now: clock.Now})(okHandler)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/r?access_token=good", nil))
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "private" {
		t.Errorf("status %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
}

func TestAuthenticateFormTooLarge(t *testing.T) {
	clock := newClock()
	h := Authenticate(fakeValidator(clock), Options{AllowFormToken: true, Now: clock.Now})(okHandler)
	req := httptest.NewRequest("POST", "/r", strings.NewReader("x="+strings.Repeat("a", maxFormBytes)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.Code)
	}
}

func TestAuthenticateExpiryByClock(t *testing.T) {
	// Defence in depth: a validator's Info past its expiry never passes.
	clock := newClock()
	now := clock.Now()
	v := ValidatorFunc(func(context.Context, Credential) (Info, error) {
		return Info{ID: "x", Kind: store.KindAccess, ExpiresAt: now.Add(time.Minute)}, nil
	})
	h := Authenticate(v, Options{Now: clock.Now})(okHandler)
	if code := serve(h, "Bearer t"); code != 200 {
		t.Fatalf("status %d", code)
	}
	clock.Advance(time.Minute)
	if code := serve(h, "Bearer t"); code != 401 {
		t.Fatalf("status %d after expiry, want 401", code)
	}
}

func TestAuthenticatePanicsOnBadConfig(t *testing.T) {
	for name, f := range map[string]func(){
		"nil validator": func() { Authenticate(nil, Options{}) },
		"bad realm":     func() { Authenticate(fakeValidator(newClock()), Options{Realm: `a"b`}) },
		"refresh kind":  func() { Authenticate(fakeValidator(newClock()), Options{Kinds: []store.TokenKind{store.KindRefresh}}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestTokenFromContextAbsent(t *testing.T) {
	info, ok := TokenFromContext(context.Background())
	if ok || info.ID != "" || info.Kind != "" {
		t.Errorf("got %+v, %v", info, ok)
	}
}

func TestTokenContextKeepsParent(t *testing.T) {
	// The token context must not hide the parent's values or cancellation.
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	ctx := newOwnedTokenCtx(parent, Info{ID: "x"}, &challenge{realm: "r"})
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	if ctx.Value(key{}) != "v" {
		t.Error("parent value hidden")
	}
	if info, ok := TokenFromContext(child); !ok || info.ID != "x" {
		t.Error("token not found through a derived context")
	}
	cancel()
	<-child.Done()
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

func serve(h http.Handler, authorization string) int {
	req := httptest.NewRequest("GET", "/r", nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}
