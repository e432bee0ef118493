package flows_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// The benchmarks serve the token and introspection endpoints of Server.Handler over
// memstore, each beside a baseline driven identically: an http.HandlerFunc that writes 60
// bytes of JSON. The real sub-benchmark reports vs-baseline, its requests per second as a
// fraction of the baseline's in the same run (1 would be free), and cpu-vs-baseline, the
// same by CPU time (below):
//
//	go test -run='^$' -bench=. -benchmem -count=5 ./flows
//
// Each also reports cpu-ns/op, the CPU time of the whole process (GC included) per request:
// on a machine shared with other work it moves less than the wall time.
//
// The servers cap a client's client_credentials tokens at 25 (Limits.ClientTokens), so that
// the store keeps its size however long a benchmark runs, except client_credentials_uncapped,
// which has the default limits.
//
// BenchmarkEndpoints serves each request in process, with one reusable request whose body
// is rewound and one reusable ResponseWriter, so that what is measured is the handler's
// own work and allocations. BenchmarkHTTP sends the client_credentials and introspection
// requests through net/http, client and server, over an in-memory connection (no kernel
// socket).

// baselineBody is 60 bytes of JSON.
const baselineBody = `{"access_token":"0123456789abcdefghijklmnopqrstuvwxyz0123"}` + "\n"

var baseline = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, baselineBody)
})

// benchServer is a flows.Server over memstore with one confidential client and one
// account.
type benchServer struct {
	flows *flows.Server
	store *memstore.Store
}

func newBenchServer(b *testing.B) *benchServer {
	return newBenchServerLimits(b, flows.Limits{ClientTokens: 25})
}

// newBenchServerLimits is newBenchServer with other limits.
func newBenchServerLimits(b *testing.B, lim flows.Limits) *benchServer {
	b.Helper()
	ctx := context.Background()
	st := memstore.New()
	cat, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro"}, {Name: "chats--all:ro"}, {Name: "chats--all:rw"}, {Name: "customers:own"},
		{Name: "agents--all:rw", AdminOnly: true},
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, err := range []error{
		st.PutOrganization(ctx, store.Organization{ID: orgA, Name: "A"}),
		st.PutAccount(ctx, store.Account{ID: aliceID, Login: "alice@example.com", OrganizationID: orgA, Roles: []string{"agent"}}),
		st.PutClient(ctx, store.Client{ID: confID, Name: "Conf App", SecretHash: testHasher.Hash(confSecret), RedirectURIs: []string{confRedirect}, Scopes: allScopes}),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	srv, err := flows.New(flows.Config{
		Issuer: "https://auth.example", Storage: st, Hasher: testHasher, Scopes: cat,
		Authenticator: nobody{}, Logger: discardLogger(),
		Policy: flows.Policy{ClientCredentials: true},
		Limits: lim,
	})
	if err != nil {
		b.Fatal(err)
	}
	return &benchServer{flows: srv, store: st}
}

// benchRequest is one request served again and again: its body is rewound each time.
type benchRequest struct {
	r    *http.Request
	raw  string
	body rewindBody
}

type rewindBody struct{ strings.Reader }

func (*rewindBody) Close() error { return nil }

// newBenchRequest is a form POST to path with Basic client authentication.
func newBenchRequest(path string, form url.Values) *benchRequest {
	q := &benchRequest{raw: form.Encode()}
	q.r, _ = http.NewRequest(http.MethodPost, "https://auth.example"+path, nil)
	q.r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	q.r.SetBasicAuth(confID, confSecret)
	q.r.RemoteAddr = "192.0.2.1:1234"
	q.r.Body = &q.body
	return q
}

func (q *benchRequest) next() *http.Request {
	q.body.Reset(q.raw)
	q.r.ContentLength = int64(len(q.raw))
	return q.r
}

// benchWriter is a ResponseWriter reused across requests.
type benchWriter struct {
	h    http.Header
	code int
	buf  []byte
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *benchWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.buf = append(w.buf, p...)
	return len(p), nil
}
func (w *benchWriter) reset() {
	clear(w.h)
	w.code, w.buf = 0, w.buf[:0]
}

// servePair runs the baseline and then h as sub-benchmarks named "baseline" and name,
// both serving q, and reports h's requests per second as a fraction of the baseline's.
// check, when set, inspects the last answer of h.
func servePair(b *testing.B, name string, h http.Handler, q *benchRequest, check func(b *testing.B, body []byte)) {
	var base, baseCPU float64
	b.Run("baseline", func(b *testing.B) {
		_, baseCPU = serveLoop(b, baseline, q)
		base = float64(b.Elapsed()) / float64(b.N)
	})
	b.Run(name, func(b *testing.B) {
		w, cpu := serveLoop(b, h, q)
		if check != nil {
			check(b, w.buf)
		}
		reportRatios(b, base, baseCPU, cpu)
	})
}

// reportRatios reports b's requests per second as a fraction of the baseline's, by wall
// time (vs-baseline) and by CPU time (cpu-vs-baseline, when known): base and baseCPU are
// the baseline's nanoseconds per request, cpu b's CPU nanoseconds per request.
func reportRatios(b *testing.B, base, baseCPU, cpu float64) {
	if own := float64(b.Elapsed()) / float64(b.N); base > 0 && own > 0 {
		b.ReportMetric(base/own, "vs-baseline")
	}
	if baseCPU > 0 && cpu > 0 {
		b.ReportMetric(baseCPU/cpu, "cpu-vs-baseline")
	}
}

// serveLoop serves q with h b.N times and returns the writer of the last answer and the
// CPU nanoseconds per request (0 when unknown).
func serveLoop(b *testing.B, h http.Handler, q *benchRequest) (*benchWriter, float64) {
	b.Helper()
	b.ReportAllocs()
	w := &benchWriter{h: http.Header{}}
	cpu := processCPU()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, q.next())
		if w.code != http.StatusOK {
			b.Fatalf("status %d: %s", w.code, w.buf)
		}
	}
	return w, reportCPU(b, cpu)
}

// reportCPU reports and returns the process's CPU time per iteration since start
// (processCPU), when it is known.
func reportCPU(b *testing.B, start int64) float64 {
	if start <= 0 {
		return 0
	}
	perOp := float64(processCPU()-start) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	return perOp
}

// wantJSONField fails b unless body holds "field":.
func wantJSONField(field string) func(b *testing.B, body []byte) {
	return func(b *testing.B, body []byte) {
		if !strings.Contains(string(body), `"`+field+`":`) {
			b.Fatalf("the answer has no %s: %s", field, body)
		}
	}
}

func BenchmarkEndpoints(b *testing.B) {
	s := newBenchServer(b)
	h := s.flows.Handler()
	ctx := context.Background()

	b.Run("client_credentials", func(b *testing.B) {
		q := newBenchRequest("/v2/token", url.Values{"grant_type": {"client_credentials"}})
		servePair(b, "issue", h, q, wantJSONField("access_token"))
	})
	b.Run("client_credentials_uncapped", func(b *testing.B) {
		// The default limits: every token stays, so the store grows as the benchmark runs.
		h := newBenchServerLimits(b, flows.Limits{}).flows.Handler()
		q := newBenchRequest("/v2/token", url.Values{"grant_type": {"client_credentials"}})
		servePair(b, "issue", h, q, wantJSONField("access_token"))
	})
	b.Run("refresh_token", func(b *testing.B) {
		c, err := s.store.Client(ctx, confID)
		if err != nil {
			b.Fatal(err)
		}
		tok, err := s.flows.Issue(ctx, flows.IssueRequest{Client: c, AccountID: aliceID, Scopes: scopes.New("chats--my:ro", "chats--all:ro"), Refresh: true})
		if err != nil {
			b.Fatal(err)
		}
		q := newBenchRequest("/v2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
		servePair(b, "refresh", h, q, wantJSONField("refresh_token"))
	})
	b.Run("introspection", func(b *testing.B) {
		c, err := s.store.Client(ctx, confID)
		if err != nil {
			b.Fatal(err)
		}
		tok, err := s.flows.Issue(ctx, flows.IssueRequest{Client: c, Scopes: scopes.New("chats--my:ro")})
		if err != nil {
			b.Fatal(err)
		}
		q := newBenchRequest("/introspect", url.Values{"token": {tok.AccessToken}})
		servePair(b, "introspect", h, q, func(b *testing.B, body []byte) {
			if !strings.HasPrefix(string(body), `{"active":true`) {
				b.Fatalf("the token is not active: %s", body)
			}
		})
	})
}

// BenchmarkHTTP sends the client_credentials and the introspection requests through
// net/http's client and server, over one kept-alive in-memory connection, each beside the
// baseline sent the same request.
func BenchmarkHTTP(b *testing.B) {
	s := newBenchServer(b)
	ctx := context.Background()
	introspection := func(b *testing.B) string {
		// Issued here, after the client_credentials runs, whose tokens would evict it.
		c, err := s.store.Client(ctx, confID)
		if err != nil {
			b.Fatal(err)
		}
		tok, err := s.flows.Issue(ctx, flows.IssueRequest{Client: c, Scopes: scopes.New("chats--my:ro")})
		if err != nil {
			b.Fatal(err)
		}
		return url.Values{"token": {tok.AccessToken}}.Encode()
	}
	for _, tc := range []struct {
		name, path string
		form       func(b *testing.B) string
		want       string // the answer of the server starts with it
	}{
		{"client_credentials", "/v2/token", func(*testing.B) string { return "grant_type=client_credentials" }, `{"access_token":`},
		{"introspection", "/introspect", introspection, `{"active":true`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			form := tc.form(b)
			run := func(b *testing.B, h http.Handler) (wall, cpu float64, last []byte) {
				c := pipeClient(b, h)
				b.ReportAllocs()
				start := processCPU()
				for b.Loop() {
					req, _ := http.NewRequest(http.MethodPost, "http://auth.example"+tc.path, strings.NewReader(form))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.SetBasicAuth(confID, confSecret)
					resp, err := c.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					last, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
				return float64(b.Elapsed()) / float64(b.N), reportCPU(b, start), last
			}
			var base, baseCPU float64
			b.Run("baseline", func(b *testing.B) { base, baseCPU, _ = run(b, baseline) })
			b.Run("server", func(b *testing.B) {
				_, cpu, last := run(b, s.flows.Handler())
				if !strings.HasPrefix(string(last), tc.want) {
					b.Fatalf("the answer is %s, want %s...", last, tc.want)
				}
				reportRatios(b, base, baseCPU, cpu)
			})
		})
	}
}

// pipeClient serves h with an http.Server on in-memory connections and returns a client
// that dials them.
func pipeClient(b *testing.B, h http.Handler) *http.Client {
	l := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	tr := &http.Transport{DialContext: l.dial, MaxIdleConnsPerHost: 1}
	b.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = srv.Close()
		<-served
	})
	return &http.Client{Transport: tr}
}

// pipeListener is a net.Listener whose connections are net.Pipe halves.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "192.0.2.1:1234" }
