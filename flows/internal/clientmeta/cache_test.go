package clientmeta_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
)

// TestCacheLifetime: a document is used as long as its caching headers say, within
// MinTTL and MaxTTL, and fetched again from then on.
func TestCacheLifetime(t *testing.T) {
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		header  map[string]string
		min     time.Duration
		max     time.Duration
		wantTTL time.Duration
	}{
		{"max-age", map[string]string{"Cache-Control": "public, max-age=600"}, time.Minute, time.Hour, 10 * time.Minute},
		{"max-age less Age", map[string]string{"Cache-Control": "max-age=600", "Age": "100"}, time.Minute, time.Hour, 500 * time.Second},
		{"max-age below MinTTL", map[string]string{"Cache-Control": "max-age=1"}, time.Minute, time.Hour, time.Minute},
		{"max-age above MaxTTL", map[string]string{"Cache-Control": "max-age=99999999999"}, time.Minute, time.Hour, time.Hour},
		{"no-store", map[string]string{"Cache-Control": "no-store, max-age=600"}, 2 * time.Minute, time.Hour, 2 * time.Minute},
		{"no-cache", map[string]string{"Cache-Control": "No-Cache"}, 2 * time.Minute, time.Hour, 2 * time.Minute},
		{"no headers", nil, 3 * time.Minute, time.Hour, 3 * time.Minute},
		{"Expires", map[string]string{"Date": date.Format(http.TimeFormat), "Expires": date.Add(20 * time.Minute).Format(http.TimeFormat)}, time.Minute, time.Hour, 20 * time.Minute},
		{"max-age beats Expires", map[string]string{"Cache-Control": "max-age=300", "Date": date.Format(http.TimeFormat), "Expires": date.Add(20 * time.Minute).Format(http.TimeFormat)}, time.Minute, time.Hour, 5 * time.Minute},
		{"Expires in the past", map[string]string{"Date": date.Format(http.TimeFormat), "Expires": date.Add(-time.Hour).Format(http.TimeFormat)}, time.Minute, time.Hour, time.Minute},
		{"Expires invalid", map[string]string{"Expires": "0"}, time.Minute, time.Hour, time.Minute},
		{"defaults", map[string]string{"Cache-Control": "max-age=1"}, 0, 0, time.Minute},
		{"default MaxTTL", map[string]string{"Cache-Control": "max-age=999999"}, 0, 0, 24 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				writeJSON(w, minimalDoc, id)
			})
			clk := newClock()
			res := resolver(t, s, clientmeta.Options{MinTTL: c.min, MaxTTL: c.max, Now: clk.Now})
			id := s.id("/c.json")
			resolve := func(wantFetches int) {
				t.Helper()
				if _, err := res.Resolve(bg, id); err != nil {
					t.Fatal(err)
				}
				if n := s.count("/c.json"); n != wantFetches {
					t.Fatalf("fetched %d times, want %d", n, wantFetches)
				}
			}
			resolve(1)
			clk.advance(c.wantTTL - time.Second)
			resolve(1)
			clk.advance(time.Second)
			resolve(2)
		})
	}
}

func TestFreshness(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"max-age", http.Header{"Cache-Control": {"max-age=60"}}, time.Minute},
		{"quoted", http.Header{"Cache-Control": {`max-age="60"`}}, time.Minute},
		{"spaces and case", http.Header{"Cache-Control": {" Private , MAX-AGE=60 "}}, time.Minute},
		{"two lines", http.Header{"Cache-Control": {"public", "max-age=60"}}, time.Minute},
		{"repeated max-age", http.Header{"Cache-Control": {"max-age=60, max-age=120"}}, 0},
		{"negative max-age", http.Header{"Cache-Control": {"max-age=-1"}}, 0},
		{"empty max-age", http.Header{"Cache-Control": {"max-age="}}, 0},
		{"fractional max-age", http.Header{"Cache-Control": {"max-age=1.5"}}, 0},
		{"overflow", http.Header{"Cache-Control": {"max-age=99999999999999999999999"}}, 2147483647 * time.Second},
		{"no-store wins", http.Header{"Cache-Control": {"max-age=60", "no-store"}}, 0},
		{"Age above max-age", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"90"}}, 0},
		{"bad Age ignored", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"x"}}, time.Minute},
		{"Expires without Date", http.Header{"Expires": {now.Add(time.Hour).Format(http.TimeFormat)}}, time.Hour},
		{"two Expires", http.Header{"Expires": {now.Add(time.Hour).Format(http.TimeFormat), now.Add(2 * time.Hour).Format(http.TimeFormat)}}, 0},
		{"s-maxage ignored", http.Header{"Cache-Control": {"s-maxage=60"}}, 0},
		{"nothing", http.Header{}, 0},
	} {
		if got := clientmeta.Freshness(c.h, now); got != c.want {
			t.Errorf("%s: freshness = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestSingleFlight: concurrent Resolves of one URL share one fetch, and each gets its
// own copy of the document.
func TestSingleFlight(t *testing.T) {
	const n = 10
	events := make(chan struct{}, n)
	release := make(chan struct{})
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		events <- struct{}{}
		<-release
		writeJSON(w, minimalDoc, id)
	})
	res := resolver(t, s, clientmeta.Options{})
	clientmeta.OnJoin(res, func() { events <- struct{}{} })
	id := s.id("/c.json")
	docs := make([]clientmeta.Document, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { docs[i], errs[i] = res.Resolve(bg, id) })
		// Each caller has either joined the fetch or (if single flight were broken)
		// started its own before the next one starts.
		<-events
	}
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || docs[i].ID != id {
			t.Fatalf("caller %d: %+v, %v", i, docs[i], errs[i])
		}
	}
	if got := s.count("/c.json"); got != 1 {
		t.Errorf("fetched %d times, want 1", got)
	}
	docs[0].RedirectURIs[0] = "https://evil.example/cb"
	if docs[1].RedirectURIs[0] != "https://app.example.com/cb" {
		t.Error("two callers share one RedirectURIs slice")
	}
}

// TestCacheDoesNotAlias: changing a returned Document does not change the cached one.
func TestCacheDoesNotAlias(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		writeJSON(w, `{"client_id":"$ID","redirect_uris":["https://app.example.com/cb"],"scope":"a b","grant_types":["authorization_code"]}`, id)
	})
	res := resolver(t, s, clientmeta.Options{})
	id := s.id("/c.json")
	d, err := res.Resolve(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	d.RedirectURIs[0], d.Scopes[0], d.GrantTypes[0] = "x", "x", "x"
	c := d.Client()
	c.RedirectURIs[0] = "y"
	again, err := res.Resolve(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	if again.RedirectURIs[0] != "https://app.example.com/cb" || again.Scopes[0] != "a" || again.GrantTypes[0] != "authorization_code" {
		t.Errorf("the cached document changed: %+v", again)
	}
	if d.RedirectURIs[0] != "x" {
		t.Error("Client() aliases the Document")
	}
}

// TestFailureMemory: a failure is answered again for FailureTTL without a fetch; then
// the URL is tried again, and a success replaces it.
func TestFailureMemory(t *testing.T) {
	var mu sync.Mutex
	status := http.StatusInternalServerError
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		mu.Lock()
		st := status
		mu.Unlock()
		if st != http.StatusOK {
			http.Error(w, "down", st)
			return
		}
		writeJSON(w, minimalDoc, id)
	})
	clk := newClock()
	res := resolver(t, s, clientmeta.Options{FailureTTL: 10 * time.Second, Now: clk.Now})
	id := s.id("/c.json")
	for range 3 {
		_, err := res.Resolve(bg, id)
		wantErr(t, "failing server", err, clientmeta.ErrFetch, "HTTP status 500")
	}
	if n := s.count("/c.json"); n != 1 {
		t.Fatalf("fetched %d times within FailureTTL, want 1", n)
	}
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	clk.advance(9 * time.Second)
	if _, err := res.Resolve(bg, id); err == nil {
		t.Fatal("the failure was forgotten before FailureTTL")
	}
	clk.advance(time.Second)
	if _, err := res.Resolve(bg, id); err != nil {
		t.Fatalf("after FailureTTL: %v", err)
	}
	if n := s.count("/c.json"); n != 2 {
		t.Errorf("fetched %d times, want 2", n)
	}
}

// TestFailureMemoryInvalidDocument: an invalid document is a failure like any other,
// and is not kept as a document.
func TestFailureMemoryInvalidDocument(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		writeJSON(w, `{"client_id":"$ID"}`, id)
	})
	clk := newClock()
	res := resolver(t, s, clientmeta.Options{Now: clk.Now})
	id := s.id("/c.json")
	for range 2 {
		_, err := res.Resolve(bg, id)
		wantErr(t, "invalid document", err, clientmeta.ErrInvalidDocument, "redirect_uris")
	}
	clk.advance(5 * time.Second) // the default FailureTTL
	_, err := res.Resolve(bg, id)
	wantErr(t, "invalid document", err, clientmeta.ErrInvalidDocument, "redirect_uris")
	if n := s.count("/c.json"); n != 2 {
		t.Errorf("fetched %d times, want 2", n)
	}
}

// TestFailureMemoryOff: with a negative FailureTTL every Resolve of a failing URL fetches.
func TestFailureMemoryOff(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) { http.NotFound(w, r) })
	res := resolver(t, s, clientmeta.Options{FailureTTL: -1})
	for range 3 {
		_, err := res.Resolve(bg, s.id("/c.json"))
		wantErr(t, "404", err, clientmeta.ErrFetch, "HTTP status 404")
	}
	if n := s.count("/c.json"); n != 3 {
		t.Errorf("fetched %d times, want 3", n)
	}
}

// TestCacheSize: the cache holds CacheSize documents; the least recently used goes.
func TestCacheSize(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) { writeJSON(w, minimalDoc, id) })
	res := resolver(t, s, clientmeta.Options{CacheSize: 2})
	for _, p := range []string{"/a.json", "/b.json", "/a.json", "/c.json", "/a.json", "/b.json"} {
		if _, err := res.Resolve(bg, s.id(p)); err != nil {
			t.Fatal(err)
		}
	}
	// a stays (recently used), b is evicted by c and fetched again.
	for p, want := range map[string]int{"/a.json": 1, "/b.json": 2, "/c.json": 1} {
		if n := s.count(p); n != want {
			t.Errorf("%s fetched %d times, want %d", p, n, want)
		}
	}
}
