//go:build unix

package flows_test

import (
	"bufio"
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/internal/testenv"
	"github.com/oauthkit/oauthkit/store"
)

// The end-to-end test of federated sign-in (R-LOGIN-2, R-LOGIN-3) against a real,
// independent OpenID Connect provider: panva's oidc-provider (OpenID Certified), run by
// node from testdata/oidc/provider.mjs on loopback, with the accounts of
// testdata/oidc/accounts.json. A headless cookie-jar browser signs in on its HTML form.

const (
	e2eClientID     = "oauthkit"
	e2eClientSecret = "oauthkit-e2e-secret"
	oidcDir         = "testdata/oidc"
	installHint     = "install Node.js 18+ with npm (e.g. apt-get install nodejs npm), then run: cd flows/testdata/oidc && npm ci --no-audit --no-fund"
)

// requireNode returns the node binary, or skips the test saying what to install (fails it
// under CI=true, where the provider must run); the test binary's TestMain sums up the
// skipped tests at the end.
func requireNode(t *testing.T) string {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		t.Logf("federated end-to-end test: %s", what)
		testenv.Skip(t, "Node.js with oidc-provider", installHint)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(oidcDir, "node_modules", "oidc-provider", "package.json")); err != nil {
		missing("flows/testdata/oidc/node_modules is not installed")
	}
	return node
}

// oidcProvider is a running provider.mjs.
type oidcProvider struct {
	issuer string
	stop   func()
}

// startOIDCProvider runs provider.mjs with one client whose secret is e2eClientSecret and
// whose redirect URIs are redirects. It stops the provider (its whole process group) when
// the test ends.
func startOIDCProvider(t *testing.T, redirects ...string) *oidcProvider {
	t.Helper()
	node := requireNode(t)
	args := []string{"provider.mjs", "--port", "0", "--client-id", e2eClientID, "--client-secret", e2eClientSecret}
	for _, r := range redirects {
		args = append(args, "--redirect-uri", r)
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = oidcDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "NODE_ENV=test")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the provider: %v (%s)", err, installHint)
	}
	var once sync.Once
	done := make(chan struct{})
	stop := func() {
		once.Do(func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		})
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("provider stderr:\n%s", stderr.String())
		}
	})
	select {
	case line := <-lines:
		issuer, ok := strings.CutPrefix(line, "issuer ")
		if !ok || !strings.HasPrefix(issuer, "http://127.0.0.1:") {
			t.Fatalf("provider said %q, want \"issuer http://127.0.0.1:PORT\"", line)
		}
		return &oidcProvider{issuer: issuer, stop: stop}
	case <-done:
		t.Fatalf("the provider exited at start:\n%s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the provider did not start within 30 s:\n%s", stderr.String())
	}
	return nil
}

// e2eEnv is the test server federated with a running provider.
type e2eEnv struct {
	*env
	op   *oidcProvider
	logs *syncBuffer
}

// newE2EEnv starts the test server and a provider that knows its callback; mutate adjusts
// the federation.
func newE2EEnv(t *testing.T, mutate ...func(*federation.Config)) *e2eEnv {
	t.Helper()
	requireNode(t)
	ee := &e2eEnv{logs: &syncBuffer{}}
	ee.env = newEnv(t, func(c *flows.Config) {
		ee.op = startOIDCProvider(t, c.Issuer+"/login/callback")
		c.Logger = slog.New(slog.NewTextHandler(ee.logs, nil))
		// The provider signs ID tokens with the real time.
		c.Now = time.Now
	}, func(c *signin.Config) {
		c.Federation = &federation.Config{
			Issuer:        ee.op.issuer,
			Name:          "Upstream",
			ClientID:      e2eClientID,
			ClientSecret:  e2eClientSecret,
			Scopes:        []string{"openid", "email", "org", "roles"},
			Organizations: map[string]string{"up-org-1": orgA},
			SignInRoles:   []string{"agent"},
			AdminRoles:    []string{"admin"},
			// No HTTPClient: the default one, which reaches the provider on loopback
			// because the issuer is there.
		}
		for _, m := range mutate {
			m(c.Federation)
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", ee.logs)
		}
	})
	return ee
}

// e2eBrowser follows redirects between the two loopback servers and stops at any other
// host (the OAuth client's redirect URI).
func (ee *e2eEnv) e2eBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Hostname() != "127.0.0.1" || len(via) > 20 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var upstreamFormRe = regexp.MustCompile(`<form method="post" action="([^"]+)">`)

// fetch does req with c and reads the answer.
func fetch(t *testing.T, c *http.Client, req *http.Request) page {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp, string(body)}
}

// upstreamSignIn starts at path on the test server, signs in at the upstream's form as
// email/password, and returns where the browser ends: the client's redirect, or a page.
func (ee *e2eEnv) upstreamSignIn(t *testing.T, c *http.Client, path, email, password string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ee.srv.URL+path, nil)
	form := fetch(t, c, req)
	if !strings.HasPrefix(form.Request.URL.String(), ee.op.issuer+"/interaction/") {
		t.Fatalf("GET %s ended at %s (status %d), want the upstream's sign-in page\n%s", path, form.Request.URL, form.StatusCode, form.body)
	}
	m := upstreamFormRe.FindStringSubmatch(form.body)
	if m == nil {
		t.Fatalf("no form on the upstream page:\n%s", form.body)
	}
	body := url.Values{"login": {email}, "password": {password}}.Encode()
	req, _ = http.NewRequest(http.MethodPost, ee.op.issuer+html.UnescapeString(m[1]), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return fetch(t, c, req)
}

// TestFederatedE2E (R-LOGIN-2, R-LOGIN-3): every outcome of federated sign-in against
// oidc-provider.
func TestFederatedE2E(t *testing.T) {
	ee := newE2EEnv(t)
	ctx := context.Background()
	// A private client of org-a: its accounts are not asked for consent, so a successful
	// sign-in ends at the client's redirect URI with a code.
	authorize := "/?" + authzQuery(url.Values{"client_id": {privID}}).Encode()

	t.Run("mapped organization and role: account created", func(t *testing.T) {
		c := ee.e2eBrowser()
		p := ee.upstreamSignIn(t, c, authorize, "agent@upstream.test", "upstream-pass-1")
		code := clientRedirect(t, p, http.StatusFound, confRedirect).Get("code")
		tok := ee.mustToken(privID, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {confRedirect}})
		acct, err := ee.store.AccountByLogin(ctx, "agent@upstream.test")
		if err != nil {
			t.Fatal(err)
		}
		if tok.body["account_id"] != acct.ID || tok.body["organization_id"] != orgA {
			t.Fatalf("token %v for account %+v", tok.body, acct)
		}
		if !slices.Equal(acct.Roles, []string{"agent"}) || !acct.PasswordLoginDisabled || acct.PasswordHash != "" {
			t.Fatalf("provisioned account %+v", acct)
		}
		// The session works for the next request without the upstream.
		req, _ := http.NewRequest(http.MethodGet, ee.srv.URL+authorize, nil)
		clientRedirect(t, fetch(t, c, req), http.StatusFound, confRedirect)
	})

	t.Run("administrator role", func(t *testing.T) {
		p := ee.upstreamSignIn(t, ee.e2eBrowser(), authorize, "boss@upstream.test", "upstream-pass-2")
		clientRedirect(t, p, http.StatusFound, confRedirect)
		acct, err := ee.store.AccountByLogin(ctx, "boss@upstream.test")
		if err != nil || !acct.HasRole("administrator") || !acct.HasRole("agent") {
			t.Fatalf("account %+v, %v", acct, err)
		}
	})

	t.Run("organization not mapped", func(t *testing.T) {
		p := ee.upstreamSignIn(t, ee.e2eBrowser(), authorize, "stranger@upstream.test", "upstream-pass-3")
		wantFedPage(t, p, http.StatusForbidden, flows.DetailOrganizationNotFound, "The user organization <code>up-org-unmapped</code> was not found in the system.")
	})

	t.Run("no role that may sign in", func(t *testing.T) {
		p := ee.upstreamSignIn(t, ee.e2eBrowser(), authorize, "viewer@upstream.test", "upstream-pass-4")
		wantFedPage(t, p, http.StatusForbidden, flows.DetailNotAuthorised, textNotAuthorised)
	})

	t.Run("email not verified", func(t *testing.T) {
		p := ee.upstreamSignIn(t, ee.e2eBrowser(), authorize, "unverified@upstream.test", "upstream-pass-7")
		wantFedPage(t, p, http.StatusForbidden, flows.DetailNotAuthorised, textNotAuthorised)
	})

	t.Run("password account linked, then password sign-in disabled", func(t *testing.T) {
		b := ee.browser()
		b.signedInAs("alice@example.com", alicePW) // before the migration
		p := ee.upstreamSignIn(t, ee.e2eBrowser(), authorize, "alice@example.com", "upstream-pass-5")
		q := clientRedirect(t, p, http.StatusFound, confRedirect)
		tok := ee.mustToken(privID, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {confRedirect}})
		if tok.body["account_id"] != aliceID {
			t.Fatalf("federated alice got account %v, want the password account %s", tok.body["account_id"], aliceID)
		}
		r := ee.browser().signIn("alice@example.com", alicePW)
		if !strings.Contains(r.Request.URL.RawQuery, "identity_exception="+flows.IdentityCredentialsLoginDisabled) {
			t.Fatalf("password sign-in after migration landed on %s", r.Request.URL)
		}
		ee.browser().signedInAs("bob@example.com", bobPW) // never migrated
	})

	t.Run("cancelled at the upstream", func(t *testing.T) {
		c := ee.e2eBrowser()
		req, _ := http.NewRequest(http.MethodGet, ee.srv.URL+authorize, nil)
		form := fetch(t, c, req)
		abort := regexp.MustCompile(`href="(/interaction/[^"]+/abort)"`).FindStringSubmatch(form.body)
		if abort == nil {
			t.Fatalf("no cancel link:\n%s", form.body)
		}
		req, _ = http.NewRequest(http.MethodGet, ee.op.issuer+abort[1], nil)
		p := fetch(t, c, req)
		if p.Request.URL.Path != "/login" || p.Request.URL.Query().Get("identity_exception") != flows.IdentityAccessDenied {
			t.Fatalf("cancelling ended at %s", p.Request.URL)
		}
		if !strings.Contains(p.body, "Sign in with Upstream") {
			t.Fatalf("sign-in page after cancelling:\n%s", p.body)
		}
	})

	t.Run("wrong password at the upstream", func(t *testing.T) {
		p := ee.upstreamSignIn(t, ee.e2eBrowser(), authorize, "agent@upstream.test", "wrong")
		if !strings.HasPrefix(p.Request.URL.String(), ee.op.issuer) || !strings.Contains(p.body, "Wrong email or password") {
			t.Fatalf("a wrong upstream password ended at %s\n%s", p.Request.URL, p.body)
		}
	})
}

// TestFederatedE2EConfiguration: a wrong client secret (the provider answers
// invalid_client) and a provider that has gone away both give the configuration page.
func TestFederatedE2EConfiguration(t *testing.T) {
	t.Run("wrong client secret", func(t *testing.T) {
		ee := newE2EEnv(t, func(f *federation.Config) { f.ClientSecret = "not-the-secret" })
		p := ee.upstreamSignIn(t, ee.e2eBrowser(), "/login", "agent@upstream.test", "upstream-pass-1")
		wantFedPage(t, p, http.StatusBadGateway, flows.DetailOAuthConfiguration, textOAuthConfig)
		if !strings.Contains(ee.logs.String(), "invalid_client") {
			t.Errorf("log lacks invalid_client:\n%s", ee.logs)
		}
		if _, err := ee.store.AccountByLogin(context.Background(), "agent@upstream.test"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an account was created: %v", err)
		}
	})
	t.Run("provider stopped", func(t *testing.T) {
		ee := newE2EEnv(t)
		ee.op.stop()
		req, _ := http.NewRequest(http.MethodGet, ee.srv.URL+"/login", nil)
		wantFedPage(t, fetch(t, ee.e2eBrowser(), req), http.StatusBadGateway, flows.DetailOAuthConfiguration, textOAuthConfig)
	})
}
