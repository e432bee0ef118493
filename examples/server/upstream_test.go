//go:build unix

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"github.com/oauthkit/oauthkit/internal/testenv"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/flows/federation"
)

// sourceDir is the package's directory, read before TestMain moves the tests to a
// temporary working directory.
var sourceDir, _ = os.Getwd()

// TestUpstreamFlags: the -upstream-* flags make a federation.Config, and mistakes in them
// stop the server before it starts.
func TestUpstreamFlags(t *testing.T) {
	parse := func(args ...string) (*federation.Config, error) {
		var u upstreamFlags
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		u.register(fs)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return u.federation()
	}
	if f, err := parse(); f != nil || err != nil {
		t.Fatalf("no flags: %v, %v; want no federation", f, err)
	}
	t.Setenv(upstreamSecretEnv, "from-env")
	f, err := parse("-upstream-issuer", "https://up.example", "-upstream-client-id", "c",
		"-upstream-scopes", "openid,email,org", "-upstream-org-map", "u1=org-demo, u2=org-b",
		"-upstream-signin-roles", "agent,supervisor", "-upstream-admin-roles", "admin", "-upstream-org-claim", "tenant")
	if err != nil {
		t.Fatal(err)
	}
	want := &federation.Config{
		Issuer: "https://up.example", ClientID: "c", ClientSecret: "from-env",
		Scopes: []string{"openid", "email", "org"}, OrganizationClaim: "tenant", RolesClaim: "roles", EmailClaim: "email",
		Organizations: map[string]string{"u1": "org-demo", "u2": "org-b"},
		SignInRoles:   []string{"agent", "supervisor"}, AdminRoles: []string{"admin"},
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Fatalf("federation (-want +got):\n%s", diff)
	}
	for name, args := range map[string][]string{
		"no org map":   {"-upstream-issuer", "https://up.example", "-upstream-client-id", "c"},
		"bad org pair": {"-upstream-issuer", "https://up.example", "-upstream-client-id", "c", "-upstream-org-map", "u1"},
		"no client id": {"-upstream-issuer", "https://up.example", "-upstream-org-map", "u1=o"},
	} {
		if _, err := parse(args...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// signin.New checks the rest.
	err = run(context.Background(), []string{"-db", "memory", "-addr", "127.0.0.1:0", "-demo-client", "",
		"-upstream-issuer", "http://up.example", "-upstream-client-id", "c", "-upstream-org-map", "u=org-demo"}, strings.NewReader(""), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "federation") {
		t.Fatalf("run with an http non-loopback upstream: %v", err)
	}
}

// TestUpstreamWalkthrough is the README's federated sign-in walk-through as a test: the
// example server starts with -upstream-* flags while the upstream is not running yet
// (discovery is lazy), then the second local provider (flows/testdata/oidc/provider.mjs)
// starts, and the demo agent signs in through it, which links the password account and
// disables its password sign-in.
func TestUpstreamWalkthrough(t *testing.T) {
	node, err := exec.LookPath("node")
	oidcDir := filepath.Join(sourceDir, "..", "..", "flows", "testdata", "oidc")
	if _, statErr := os.Stat(filepath.Join(oidcDir, "node_modules", "oidc-provider")); err != nil || statErr != nil {
		msg := "the walk-through needs node and the provider's packages: cd flows/testdata/oidc && npm ci --no-audit --no-fund"
		testenv.Skip(t, "Node.js with oidc-provider", msg)
	}
	// A free port for the provider, which starts after the server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	upPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	upIssuer := fmt.Sprintf("http://127.0.0.1:%d", upPort)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", "memory", "-demo-client", "",
			"-upstream-issuer", upIssuer, "-upstream-client-id", "oauthkit", "-upstream-client-secret", "oauthkit-secret",
			"-upstream-scopes", "openid,email,org,roles", "-upstream-org-map", "up-org-1=org-demo", "-upstream-admin-roles", "admin",
		}, strings.NewReader(""), pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	lines := bufio.NewScanner(pr)
	var issuer string
	for lines.Scan() {
		if l, ok := strings.CutPrefix(lines.Text(), "oauthkit authorization server listening on "); ok {
			issuer = l
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if issuer == "" {
		t.Fatal("the server did not start")
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	// The upstream is not running yet: the configuration page, not a crash.
	if p := fetch(t, c, http.MethodGet, issuer+"/login", nil, ""); !strings.Contains(p, "Something is wrong with the OAuth configuration") {
		t.Fatalf("/login with the upstream down:\n%s", p)
	}

	cmd := exec.Command(node, "provider.mjs", "--port", fmt.Sprint(upPort), "--redirect-uri", issuer+"/login/callback")
	cmd.Dir = oidcDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			ready <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l := <-ready:
		if l != "issuer "+upIssuer {
			t.Fatalf("provider said %q", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the provider did not start")
	}

	// The server retries discovery after a short back-off: the next sign-in reaches the
	// upstream's page.
	var form string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if form = fetch(t, c, http.MethodGet, issuer+"/login", nil, ""); strings.Contains(form, "Upstream provider: sign in") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/login did not lead to the upstream:\n%s", form)
		}
	}
	p := submit(t, c, upIssuer, form, url.Values{"login": {"agent@example.com"}, "password": {"upstream-pass-6"}})
	if !strings.Contains(p, "You are signed in as <strong>agent@example.com</strong>") {
		t.Fatalf("after the upstream sign-in:\n%s", p)
	}
	jar2, _ := cookiejar.New(nil)
	c2 := &http.Client{Jar: jar2, Timeout: 20 * time.Second}
	login := fetch(t, c2, http.MethodGet, issuer+"/old-login", nil, "")
	if p := submit(t, c2, issuer, login, url.Values{"email": {"agent@example.com"}, "password": {"agent-pass-123"}}); !strings.Contains(p, "credentials_login_disabled") {
		t.Fatalf("password sign-in after the migration:\n%s", p)
	}
}
