package clientmeta_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
)

// docServer is a TLS server on loopback that serves client metadata documents and
// counts the requests it receives, per path.
type docServer struct {
	*httptest.Server
	mu      sync.Mutex
	fetches map[string]int
	total   atomic.Int64
}

// serve starts a docServer whose handler h is given the client ID URL of the request
// (https://<host the client used><path>).
func serve(t *testing.T, h func(w http.ResponseWriter, r *http.Request, id string)) *docServer {
	t.Helper()
	s := &docServer{fetches: map[string]int{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.fetches[r.URL.Path]++
		s.mu.Unlock()
		s.total.Add(1)
		h(w, r, "https://"+r.Host+r.URL.Path)
	}))
	t.Cleanup(s.Close)
	return s
}

// id is the client ID URL of path on s.
func (s *docServer) id(path string) string { return s.URL + path }

// count is how many requests path received.
func (s *docServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches[path]
}

// writeJSON answers body, with $ID replaced by id, as application/json.
func writeJSON(w http.ResponseWriter, body, id string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(strings.ReplaceAll(body, "$ID", id)))
}

// minimalDoc is the smallest valid document.
const minimalDoc = `{"client_id":"$ID","redirect_uris":["https://app.example.com/cb"]}`

// resolver returns a Resolver that trusts s's certificate and may reach loopback, with
// opts' other fields.
func resolver(t *testing.T, s *docServer, opts clientmeta.Options) *clientmeta.Resolver {
	t.Helper()
	opts.HTTPClient = s.Client()
	opts.AllowPrivate = true
	r, err := clientmeta.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// descriptionSafe reports whether s may be an RFC 6749 error_description: printable
// ASCII without '"' and '\'.
func descriptionSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}

var bg = context.Background()
