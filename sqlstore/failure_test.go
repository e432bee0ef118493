package sqlstore_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// R-STORE-4, R-ERR-5: when the database fails, the server answers temporarily_unavailable
// (503 with Retry-After at the token endpoint), never shows SQL or driver text, and never
// leaves a half-issued token behind.

// leaks are fragments of SQL, table names and driver messages that must never reach a
// response.
var leaks = []string{"sql", "select", "insert", "update", "oauthkit_", "database", "sqlite", "pgx",
	"postgres", "dial", "connect", "refused", "closed", "sqlstate", "trigger", "injected"}

func wantNoLeak(t *testing.T, what, s string) {
	t.Helper()
	for _, l := range leaks {
		if strings.Contains(strings.ToLower(s), l) {
			t.Errorf("%s leaks %q: %s", what, l, s)
		}
	}
}

// wantUnavailable checks a token endpoint answer given while the database is down.
func wantUnavailable(t *testing.T, r tokenResponse) {
	t.Helper()
	if r.status != http.StatusServiceUnavailable || r.str("error") != "temporarily_unavailable" {
		t.Errorf("token endpoint with the database down: %d %s, want 503 temporarily_unavailable", r.status, r.body)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("503 from the token endpoint without Retry-After")
	}
	if r.str("access_token") != "" || r.str("refresh_token") != "" {
		t.Errorf("a failed token response carries a token: %s", r.body)
	}
	wantNoLeak(t, "token endpoint response", r.body)
	for k, vs := range r.header {
		wantNoLeak(t, "response header "+k, strings.Join(vs, " "))
	}
}

// wantAuthorizeUnavailable checks an authorization request made while the database is
// down: an error for the person (error page or redirect), temporarily_unavailable, no leak.
func wantAuthorizeUnavailable(t *testing.T, a *authServer) {
	t.Helper()
	q := a.authorize(confID)
	if q.Get("code") != "" || (q.Get("error") != "temporarily_unavailable" && q.Get("oauth_exception") != "temporarily_unavailable") {
		t.Errorf("authorization request with the database down answered %v, want temporarily_unavailable", q)
	}
	wantNoLeak(t, "authorization error", q.Encode())
}

// wantNothingIssued checks, on a healthy store over the same database, that the failed
// exchange of code neither issued a token nor (when consumed is false) consumed the code.
func wantNothingIssued(t *testing.T, st store.Storage, code string, consumed bool) {
	t.Helper()
	ctx := context.Background()
	c, err := st.Code(ctx, testHasher(t).Hash(code), t0)
	if err != nil {
		t.Fatalf("Code after the failure: %v", err)
	}
	if !consumed && !c.ConsumedAt.IsZero() {
		t.Error("the code was consumed by a request that failed before its exchange")
	}
	toks, err := st.AccountTokens(ctx, aliceID, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 0 {
		t.Errorf("%d tokens stored by a failed exchange, want none: %+v", len(toks), toks)
	}
}

// closedPool: the store's pools are closed under a running server.
func closedPool(t *testing.T, b backend) {
	dsn := b.dsn(t)
	st := open(t, dsn)
	seedFlows(t, st)
	a := newAuthServer(t, st)
	code := a.code(confID)
	st.Close()

	wantUnavailable(t, a.exchange(confID, code))
	wantAuthorizeUnavailable(t, a)
	if !strings.Contains(a.log.String(), "closed") {
		t.Errorf("the cause is not in the server log:\n%s", a.log)
	}
	wantNothingIssued(t, open(t, dsn), code, false)
}

// failingIssue: the database refuses the refresh token's row inside IssueTokens, after the
// access token's row went in. The transaction rolls back: no access token without its
// refresh token, no token at all.
func failingIssue(t *testing.T, b backend) {
	dsn := b.dsn(t)
	st := open(t, dsn)
	seedFlows(t, st)
	db, d := rawDB(t, dsn)
	trigger := []string{`CREATE TRIGGER oauthkit_test_fail BEFORE INSERT ON oauthkit_tokens
		WHEN NEW.kind = 'refresh' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`}
	if d == "postgres" {
		trigger = []string{
			`CREATE FUNCTION oauthkit_test_fail() RETURNS trigger LANGUAGE plpgsql AS
			 $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
			`CREATE TRIGGER oauthkit_test_fail BEFORE INSERT ON oauthkit_tokens
			 FOR EACH ROW WHEN (NEW.kind = 'refresh') EXECUTE FUNCTION oauthkit_test_fail()`,
		}
	}
	for _, q := range trigger {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	a := newAuthServer(t, st)
	code := a.code(confID)
	wantUnavailable(t, a.exchange(confID, code))
	wantNothingIssued(t, st, code, true)
}

func TestSQLiteFailure(t *testing.T) {
	t.Run("ClosedPool", func(t *testing.T) { closedPool(t, sqliteBackend) })
	t.Run("FailureInsideIssue", func(t *testing.T) { failingIssue(t, sqliteBackend) })
}

func TestPostgresFailure(t *testing.T) {
	postgresBase(t)
	t.Run("ClosedPool", func(t *testing.T) { closedPool(t, postgresBackend) })
	t.Run("FailureInsideIssue", func(t *testing.T) { failingIssue(t, postgresBackend) })
	t.Run("ClosedPort", closedPort)
}

// closedPort: the server reaches PostgreSQL through a TCP proxy, which is shut down
// mid-test, so every connection breaks and new ones are refused, as when the database
// host goes away.
func closedPort(t *testing.T) {
	dsn := postgresDSN(t)
	u, _ := url.Parse(dsn)
	p := newProxy(t, u.Host)
	u.Host = p.addr()
	st := open(t, u.String())
	seedFlows(t, st)
	a := newAuthServer(t, st)
	code := a.code(confID)
	p.close()

	wantUnavailable(t, a.exchange(confID, code))
	wantAuthorizeUnavailable(t, a)
	if !strings.Contains(a.log.String(), "sqlstore:") {
		t.Errorf("the cause is not in the server log:\n%s", a.log)
	}
	wantNothingIssued(t, open(t, dsn), code, false)
}

// proxy forwards TCP connections to a target until closed.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(p.close)
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}
