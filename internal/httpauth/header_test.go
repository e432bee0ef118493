package httpauth

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestValidToken(t *testing.T) {
	long := strings.Repeat("a", MaxTokenLength)
	for s, want := range map[string]bool{
		"abc": true, "oak:at_x-y.z~+/==": true, "a=": true, long: true,
		"": false, "=": false, "==": false, "a=b": false, "a b": false, `a"b`: false, "a,b": false,
		"a\x00": false, "é": false, long + "a": false, "a\t": false,
	} {
		if got := ValidToken(s); got != want {
			t.Errorf("ValidToken(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestBearer(t *testing.T) {
	for _, tt := range []struct {
		h       string
		tok     string
		claimed bool
		err     Malformed
	}{
		{"", "", false, ""},
		{"Bearer abc", "abc", true, ""},
		{"bearer abc", "abc", true, ""},
		{"BEARER abc", "abc", true, ""},
		{"Bearer   abc", "abc", true, ""},
		{"Bearer oak:at_x-y.z~+/==", "oak:at_x-y.z~+/==", true, ""},
		{"Bearer", "", true, errNoCredential},
		{"Bearer ", "", true, errNoCredential},
		{"Bearer    ", "", true, errNoCredential},
		{"Bearer\tabc", "", true, errSeparator},
		{"Bearer a b", "", true, errBearer},
		{"Bearer abc ", "", true, errBearer},
		{`Bearer a"b`, "", true, errBearer},
		{"Bearer a=b", "", true, errBearer},
		{"Bearer " + strings.Repeat("a", MaxTokenLength+1), "", true, errBearer},
		{"Bearerish abc", "", false, ""},
		{"Basic abc", "", false, ""},
		{"Digest username=x", "", false, ""},
		{" Bearer abc", "", false, ""},
		{"Bear", "", false, ""},
	} {
		tok, claimed, err := Bearer(tt.h)
		var m Malformed
		if err != nil && !errors.As(err, &m) {
			t.Errorf("Bearer(%q): error %v is not Malformed", tt.h, err)
		}
		if tok != tt.tok || claimed != tt.claimed || m != tt.err {
			t.Errorf("Bearer(%q) = %q, %v, %q; want %q, %v, %q", tt.h, tok, claimed, m, tt.tok, tt.claimed, tt.err)
		}
	}
}

func TestBasic(t *testing.T) {
	for _, tt := range []struct {
		h              string
		user, password string
		claimed        bool
		err            Malformed
	}{
		{"Basic " + b64("acc:pat"), "acc", "pat", true, ""},
		{"basic   " + b64("acc:p:a:t"), "acc", "p:a:t", true, ""},
		{"Basic " + b64(":"), "", "", true, ""},
		{"Basic " + b64("a%20b:c%2B"), "a%20b", "c%2B", true, ""}, // not form-urldecoded
		{"Basic", "", "", true, errNoCredential},
		{"Basic\t" + b64("a:b"), "", "", true, errSeparator},
		{"Basic %%%", "", "", true, errBasicBase64},
		{"Basic " + b64("a:b") + " x", "", "", true, errBasicBase64},
		{"Basic " + b64("nocolon"), "", "", true, errBasicColon},
		{"Basic " + strings.Repeat("A", maxBasicLength+4), "", "", true, errBasicLong},
		{"Bearer abc", "", "", false, ""},
		{"Basically " + b64("a:b"), "", "", false, ""},
		{"", "", "", false, ""},
	} {
		user, password, claimed, err := Basic(tt.h)
		var m Malformed
		if err != nil && !errors.As(err, &m) {
			t.Errorf("Basic(%q): error %v is not Malformed", tt.h, err)
		}
		if user != tt.user || password != tt.password || claimed != tt.claimed || m != tt.err {
			t.Errorf("Basic(%q) = %q, %q, %v, %q; want %q, %q, %v, %q", tt.h, user, password, claimed, m,
				tt.user, tt.password, tt.claimed, tt.err)
		}
	}
}

func TestHeader(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if h, err := Header(r); h != "" || err != nil {
		t.Errorf("no header: %q, %v", h, err)
	}
	r.Header.Add("Authorization", "Bearer a")
	if h, err := Header(r); h != "Bearer a" || err != nil {
		t.Errorf("one header: %q, %v", h, err)
	}
	r.Header.Add("Authorization", "Bearer b")
	if _, err := Header(r); err != errSeveral {
		t.Errorf("two headers: %v", err)
	}
}

// FuzzBearer: Bearer never returns a token together with an error; a token it accepts is
// a ValidToken, exactly what follows the scheme name and its spaces, and round-trips
// through the canonical header; it claims exactly the headers that name the Bearer scheme.
// The seeds run in every plain `go test`.
func FuzzBearer(f *testing.F) {
	for _, s := range []string{
		"", "Bearer", "Bearer ", "Bearer  ", "Bearer x", "bearer x", "BEARER x", "Bearer  x", "Bearer\tx",
		"Bearer x y", "Bearer x\t", "Bearer x\x00", "Bearer x\x7f", "Bearer \xffx", "Bearer é", "Bearerx",
		"BearerToken x", "Basic eDp5", "Bear", "Bearer oak:at_abc-DEF_123.~+/=", "Bearer " + strings.Repeat("a", 4096),
		"Bearer " + strings.Repeat("a", 4097), "Bearer x\r\n", " Bearer x", "Bearer ,x", "Bearer x,", "Bearer\x00x",
		"Bearer a=b", "Bearer ==", `Bearer a"b`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, claimed, err := Bearer(h)
		names := len(h) >= 6 && strings.EqualFold(h[:6], "bearer") && (len(h) == 6 || h[6] == ' ' || h[6] == '\t')
		switch {
		case claimed != names:
			t.Fatalf("Bearer(%q) claimed = %v, want %v", h, claimed, names)
		case err != nil && tok != "":
			t.Fatalf("Bearer(%q) = %q with error %v", h, tok, err)
		case err != nil:
			if m, ok := err.(Malformed); !ok || m == "" || strings.ContainsAny(string(m), "\"\\") {
				t.Fatalf("Bearer(%q) error %#v", h, err)
			}
			return
		case !claimed:
			if tok != "" {
				t.Fatalf("Bearer(%q) = %q without claiming the scheme", h, tok)
			}
			return
		}
		if !ValidToken(tok) || strings.ContainsAny(tok, " \t\r\n\"\\,") {
			t.Fatalf("Bearer(%q) accepted %q", h, tok)
		}
		if h[6] != ' ' || strings.TrimLeft(h[6:], " ") != tok {
			t.Fatalf("Bearer(%q) = %q, want what follows \"Bearer \" and its spaces", h, tok)
		}
		if again, claimed, err := Bearer("Bearer " + tok); again != tok || !claimed || err != nil {
			t.Fatalf("Bearer(\"Bearer %s\") = %q, %v, %v: no round trip", tok, again, claimed, err)
		}
	})
}

// FuzzBasic: Basic never returns credentials together with an error; what it accepts
// re-encodes to the base64 it read; it claims exactly the headers that name the Basic
// scheme. The seeds run in every plain `go test`.
func FuzzBasic(f *testing.F) {
	for _, s := range []string{
		"", "Basic", "Basic ", "Basic " + b64("acc:pat"), "basic " + b64("a:b:c"), "Basic  " + b64(":"),
		"Basic !!", "Basic Og==", "Basic Og", "Basic " + b64("nocolon"), "Basic\t" + b64("a:b"),
		"Basic " + strings.Repeat("A", 9000), "Basicx", "Bearer abc", "Basic " + b64("a:b") + "\n",
		"Basic " + b64("\x00:\xff"), "Basic Oh==", "Basic " + b64(strings.Repeat("u", 100)+":"+strings.Repeat("p", 100)),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		user, password, claimed, err := Basic(h)
		names := len(h) >= 5 && strings.EqualFold(h[:5], "basic") && (len(h) == 5 || h[5] == ' ' || h[5] == '\t')
		switch {
		case claimed != names:
			t.Fatalf("Basic(%q) claimed = %v, want %v", h, claimed, names)
		case (err != nil || !claimed) && (user != "" || password != ""):
			t.Fatalf("Basic(%q) = %q, %q with claimed %v, error %v", h, user, password, claimed, err)
		case err != nil:
			if m, ok := err.(Malformed); !ok || m == "" || strings.ContainsAny(string(m), "\"\\") {
				t.Fatalf("Basic(%q) error %#v", h, err)
			}
			return
		case !claimed:
			return
		}
		rest := strings.TrimLeft(h[5:], " ")
		if got := b64(user + ":" + password); got != rest {
			t.Fatalf("Basic(%q) = %q, %q, which encode to %q", h, user, password, got)
		}
		if len(rest) > maxBasicLength {
			t.Fatalf("Basic(%q) accepted %d bytes of base64", h, len(rest))
		}
	})
}
