package main

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestMinimalEmbedding drives the authorization code flow with PKCE through the minimal
// embedding with golang.org/x/oauth2 — sign in, consent, code, token — then calls the
// protected route with the token (200), without it (401) and with a forged one (401).
func TestMinimalEmbedding(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	const redirect = "http://127.0.0.1:9999/callback" // never reached: the browser stops there
	h, app := wire(issuer, []byte(strings.Repeat("k", 32)), redirect, "ann-password-1")
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	conf := &oauth2.Config{ClientID: app.ID, ClientSecret: app.Secret, RedirectURL: redirect, Scopes: []string{"notes:ro"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/", TokenURL: issuer + "/v2/token"}}
	verifier := oauth2.GenerateVerifier()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "127.0.0.1:9999" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	p := get(t, browser, conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)))
	p = post(t, browser, issuer, p, url.Values{"email": {"ann@example.com"}, "password": {"ann-password-1"}})
	resp := postResp(t, browser, issuer, p, url.Values{"decision": {"allow"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" {
		t.Fatalf("no code at the redirect URI: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, auth string
		want       int
	}{
		{"the token", "Bearer " + tok.AccessToken, http.StatusOK},
		{"no token", "", http.StatusUnauthorized},
		{"a forged token", "Bearer oak:at_forged", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodGet, issuer+"/api/notes", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, r.StatusCode, body, c.want)
		}
		if c.want == http.StatusOK && !strings.Contains(string(body), "buy milk") {
			t.Errorf("%s: %s", c.name, body)
		}
	}
}

// TestWiringIsShort keeps the package doc's count of the wiring true.
func TestWiringIsShort(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(src), "// --- the wiring ---\n")
	wiring, _, ok := strings.Cut(rest, "\t// --- end of the wiring ---")
	n := strings.Count(wiring, "\n")
	if !ok || n > 30 || !strings.Contains(string(src), "is "+strconv.Itoa(n)+" lines") {
		t.Fatalf("the wiring is %d lines; the package doc must say so, and it must stay within 30", n)
	}
}

var (
	formRe   = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// post submits the first form of page from origin, with its hidden fields and fields.
func post(t *testing.T, c *http.Client, origin, page string, fields url.Values) string {
	t.Helper()
	resp := postResp(t, c, origin, page, fields)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func postResp(t *testing.T, c *http.Client, origin, page string, fields url.Values) *http.Response {
	t.Helper()
	m := formRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form on the page:\n%s", page)
	}
	form := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	action := html.UnescapeString(m[1])
	if strings.HasPrefix(action, "/") {
		action = origin + action
	}
	req, _ := http.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
