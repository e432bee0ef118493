package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPublic(t *testing.T) {
	for s, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "::ffff:8.8.8.8": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fd00:ec2::254": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "224.0.0.1": false, "ff02::1": false, "255.255.255.255": false,
		"240.0.0.1": false, "192.0.2.1": false, "198.18.0.1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "2002:a00:1::": false, "2001:db8::1": false,
		"fec0::1": false,
	} {
		if got := Public(netip.MustParseAddr(s)); got != want {
			t.Errorf("Public(%s) = %v, want %v", s, got, want)
		}
	}
	if Public(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

func jsonServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestNewClientRefusesLoopback: the default client does not connect to this host, by
// address or by a name that resolves to it; AllowPrivate does.
func TestNewClientRefusesLoopback(t *testing.T) {
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	ctx := context.Background()
	var v struct{ OK bool }
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{srv.URL, byName} {
		err := GetJSON(ctx, NewClient(ClientOptions{}), u, GetOptions{}, &v)
		if !errors.Is(err, ErrNotPublic) {
			t.Errorf("GET %s: err = %v, want ErrNotPublic", u, err)
		}
	}
	if err := GetJSON(ctx, NewClient(ClientOptions{AllowPrivate: true}), srv.URL, GetOptions{}, &v); err != nil || !v.OK {
		t.Fatalf("AllowPrivate: %v, %+v", err, v)
	}
}

func TestGetJSON(t *testing.T) {
	ctx := context.Background()
	client := NewClient(ClientOptions{AllowPrivate: true})
	var seen http.Header
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "application/jwk-set+json; charset=utf-8")
			_, _ = w.Write([]byte(`{"keys":[]}`))
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`{"keys":[]}`))
		case "/big":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"keys":"` + strings.Repeat("a", 100) + `"}`))
		case "/bad":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"keys":`))
		case "/slow":
			<-r.Context().Done()
		default:
			http.Error(w, "nope", http.StatusNotFound)
		}
	})
	var doc struct {
		Keys []any `json:"keys"`
	}
	if err := GetJSON(ctx, client, srv.URL+"/ok", GetOptions{Accept: "application/jwk-set+json", Bearer: "tok"}, &doc); err != nil {
		t.Fatal(err)
	}
	if seen.Get("Accept") != "application/jwk-set+json" || seen.Get("Authorization") != "Bearer tok" {
		t.Errorf("request headers %v", seen)
	}
	if err := GetJSON(ctx, client, srv.URL+"/ok", GetOptions{}, &doc); err != nil || seen.Get("Accept") != "application/json" || seen.Get("Authorization") != "" {
		t.Errorf("defaults: %v, %v", err, seen)
	}
	for path, want := range map[string]string{
		"/html": "content type", "/big": "larger than 50 bytes", "/bad": "unexpected end", "/missing": "status 404",
		"/slow": "deadline exceeded",
	} {
		err := GetJSON(ctx, client, srv.URL+path, GetOptions{MaxBytes: 50, Timeout: 200 * time.Millisecond}, &doc)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("GET %s: err = %v, want %q", path, err, want)
		}
	}
}

func TestRedirectLimit(t *testing.T) {
	var srv *httptest.Server
	srv = jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/again", http.StatusFound)
	})
	var v any
	err := GetJSON(context.Background(), NewClient(ClientOptions{AllowPrivate: true}), srv.URL, GetOptions{}, &v)
	if err == nil || !strings.Contains(err.Error(), "stopped after 5 redirects") {
		t.Fatalf("err = %v", err)
	}
}
