package middleware

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

const (
	rsClientID     = "resource:server%1" // needs form-urlencoding inside Basic (RFC 6749 §2.3.1)
	rsClientSecret = "s3cret+/="
)

// fakeIntrospection is an RFC 7662 endpoint that checks the request like a real server and
// answers from a table of token → JSON.
func fakeIntrospection(t *testing.T, answers map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		u, _ := url.QueryUnescape(user)
		p, _ := url.QueryUnescape(pass)
		if !ok || u != rsClientID || p != rsClientSecret {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("request %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("token_type_hint") != "access_token" {
			t.Errorf("form %v (%v)", r.PostForm, err)
		}
		body, ok := answers[r.PostForm.Get("token")]
		if !ok {
			body = `{"active":false}`
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newIntrospection(t *testing.T, endpoint string, clock *fakeClock, opts IntrospectionOptions) *Introspection {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID, opts.ClientSecret = rsClientID, rsClientSecret
	}
	opts.Now = clock.Now
	in, err := NewIntrospection(endpoint, opts)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestIntrospection(t *testing.T) {
	// R-MW-2 remote validator against an RFC 7662 fake (R-INFO-2).
	clock := newClock()
	exp := clock.Now().Add(time.Hour).Unix()
	iat := clock.Now().Unix()
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	srv := fakeIntrospection(t, map[string]string{
		"at": `{"active":true,"scope":"chats--my:ro chats--all:rw","client_id":"c1","sub":"acc-1","exp":` + num(exp) +
			`,"iat":` + num(iat) + `,"token_type":"Bearer","account_id":"acc-1","organization_id":"org-1","jti":"at-1"}`,
		"comma":    `{"active":true,"scope":"a:ro,b:ro","client_id":"c1","sub":"acc-1","exp":` + num(exp) + `}`,
		"pat":      `{"active":true,"kind":"personal","scope":"a:ro","client_id":"c1","sub":"acc-1","username":"Agent@Example.com","exp":` + num(exp) + `,"jti":"p-1"}`,
		"cust":     `{"active":true,"token_type":"customer","client_id":"c1","sub":"cust-1","organization_id":"org-1","exp":` + num(exp) + `}`,
		"cust2":    `{"active":true,"token_type":"Bearer","customer_id":"cust-2","client_id":"c1","exp":` + num(exp) + `}`,
		"refresh":  `{"active":true,"token_type":"refresh_token","client_id":"c1","exp":` + num(exp) + `}`,
		"weird":    `{"active":true,"token_type":"mac","client_id":"c1","exp":` + num(exp) + `}`,
		"expired":  `{"active":true,"client_id":"c1","exp":` + num(clock.Now().Add(-time.Second).Unix()) + `}`,
		"floatexp": `{"active":true,"client_id":"c1","sub":"acc-1","exp":` + num(exp) + `.5}`,
		"noexp":    `{"active":true,"client_id":"c1","sub":"acc-1"}`,
		"inactive": `{"active":false,"scope":"a:ro"}`,
		"noactive": `{"scope":"a:ro"}`,
		"notjson":  `<html>`,
		"badscope": `{"active":true,"scope":"a\"b"}`,
		"badexp":   `{"active":true,"exp":"tomorrow"}`,
	})
	in := newIntrospection(t, srv.URL, clock, IntrospectionOptions{})
	ctx := context.Background()

	info, err := in.Validate(ctx, Credential{Token: "at"})
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "at-1" || info.Kind != store.KindAccess || info.ClientID != "c1" || info.AccountID != "acc-1" ||
		info.OrganizationID != "org-1" || info.Scopes.String() != "chats--all:rw,chats--my:ro" ||
		info.ExpiresAt.Unix() != exp || info.IssuedAt.Unix() != iat {
		t.Errorf("Info = %+v", info)
	}

	tests := []struct {
		name     string
		cred     Credential
		wantErr  error
		wantKind store.TokenKind
	}{
		{"comma-separated scope", Credential{Token: "comma"}, nil, store.KindAccess},
		{"R-PAT-2 PAT bearer", Credential{Token: "pat"}, nil, store.KindPersonal},
		{"R-PAT-2 Basic account ID", Credential{Token: "pat", Username: "acc-1", Basic: true}, nil, store.KindPersonal},
		{"R-PAT-2 Basic login", Credential{Token: "pat", Username: "agent@example.com", Basic: true}, nil, store.KindPersonal},
		{"R-PAT-2 Basic wrong user", Credential{Token: "pat", Username: "acc-2", Basic: true}, ErrInvalidToken, ""},
		{"R-PAT-2 Basic access token", Credential{Token: "at", Username: "acc-1", Basic: true}, ErrInvalidToken, ""},
		{"R-CUST-2 customer by token_type", Credential{Token: "cust"}, nil, store.KindCustomer},
		{"R-CUST-2 customer by customer_id", Credential{Token: "cust2"}, nil, store.KindCustomer},
		{"refresh refused", Credential{Token: "refresh"}, ErrInvalidToken, ""},
		{"unknown token_type refused", Credential{Token: "weird"}, ErrInvalidToken, ""},
		{"expired", Credential{Token: "expired"}, ErrInvalidToken, ""},
		{"fractional exp", Credential{Token: "floatexp"}, nil, store.KindAccess},
		{"no exp", Credential{Token: "noexp"}, nil, store.KindAccess},
		{"active false", Credential{Token: "inactive"}, ErrInvalidToken, ""},
		{"unknown token", Credential{Token: "nope"}, ErrInvalidToken, ""},
		{"no active member", Credential{Token: "noactive"}, ErrUnavailable, ""},
		{"not JSON", Credential{Token: "notjson"}, ErrUnavailable, ""},
		{"malformed scope", Credential{Token: "badscope"}, ErrUnavailable, ""},
		{"malformed exp", Credential{Token: "badexp"}, ErrUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := in.Validate(ctx, tt.cred)
			if !errors.Is(err, tt.wantErr) || (err == nil && info.Kind != tt.wantKind) {
				t.Errorf("got %+v, %v; want kind %q, err %v", info, err, tt.wantKind, tt.wantErr)
			}
		})
	}
	if info, _ := in.Validate(ctx, Credential{Token: "cust"}); info.CustomerID != "cust-1" || info.AccountID != "" {
		t.Errorf("customer Info = %+v", info)
	}
}

// TestIntrospectionFailsClosed: an endpoint that is down, slow, refuses our credentials or
// answers too much makes requests fail with 503, never pass (R-MW-2).
func TestIntrospectionFailsClosed(t *testing.T) {
	clock := newClock()
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(block) }) // runs before slow.Close
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"active":true,"x":"` + strings.Repeat("a", 70<<10) + `"}`))
	}))
	t.Cleanup(huge.Close)
	errors500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(errors500.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	good := fakeIntrospection(t, map[string]string{"at": `{"active":true,"client_id":"c"}`})

	cases := map[string]*Introspection{
		"server down":         newIntrospection(t, down.URL, clock, IntrospectionOptions{}),
		"timeout":             newIntrospection(t, slow.URL, clock, IntrospectionOptions{Timeout: 50 * time.Millisecond}),
		"response too large":  newIntrospection(t, huge.URL, clock, IntrospectionOptions{}),
		"500":                 newIntrospection(t, errors500.URL, clock, IntrospectionOptions{}),
		"wrong client secret": newIntrospection(t, good.URL, clock, IntrospectionOptions{ClientID: rsClientID, ClientSecret: "wrong"}),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := in.Validate(context.Background(), Credential{Token: "at"}); !errors.Is(err, ErrUnavailable) {
				t.Errorf("err = %v, want ErrUnavailable", err)
			}
			h := Authenticate(Cached(in, CacheOptions{Now: clock.Now}), Options{Logger: discardLog, Now: clock.Now})(okHandler)
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", "Bearer at")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "temporarily_unavailable") {
				t.Errorf("status %d body %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestNewIntrospectionErrors(t *testing.T) {
	for name, fn := range map[string]func() error{
		"relative URL": func() error {
			_, err := NewIntrospection("/introspect", IntrospectionOptions{ClientID: "a", ClientSecret: "b"})
			return err
		},
		"ftp URL": func() error {
			_, err := NewIntrospection("ftp://x/introspect", IntrospectionOptions{ClientID: "a", ClientSecret: "b"})
			return err
		},
		"no credentials": func() error { _, err := NewIntrospection("https://x/introspect", IntrospectionOptions{}); return err },
	} {
		if fn() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
