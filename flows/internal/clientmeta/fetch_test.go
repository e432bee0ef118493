package clientmeta_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/internal/fetch"
)

// wantErr checks that err is an *Error of kind whose description contains want.
func wantErr(t *testing.T, what string, err, kind error, want string) {
	t.Helper()
	var e *clientmeta.Error
	if !errors.As(err, &e) || !errors.Is(err, kind) {
		t.Errorf("%s: err = %v, want an *Error of %v", what, err, kind)
		return
	}
	if !strings.Contains(e.Description, want) || !descriptionSafe(e.Description) {
		t.Errorf("%s: description %q, want it to contain %q (and be error_description-safe)", what, e.Description, want)
	}
}

// TestResolveRefusesNonPublic: without AllowPrivate, the default client reaches neither
// a loopback IP address in the URL (refused before any connection) nor a name that
// resolves to loopback (refused at the dial); nothing reaches the server.
func TestResolveRefusesNonPublic(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) { writeJSON(w, minimalDoc, id) })
	r, err := clientmeta.New(clientmeta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Resolve(bg, s.id("/client.json"))
	wantErr(t, "loopback literal", err, clientmeta.ErrInvalidURL, "host is not a public address")
	for _, id := range []string{"https://10.1.2.3/c", "https://[::1]/c", "https://169.254.169.254/latest/meta-data", "https://[fd00:ec2::254]/c", "https://0.0.0.0/c"} {
		_, err = r.Resolve(bg, id)
		wantErr(t, id, err, clientmeta.ErrInvalidURL, "host is not a public address")
	}

	byName := strings.Replace(s.id("/client.json"), "127.0.0.1", "localhost", 1)
	_, err = r.Resolve(bg, byName)
	wantErr(t, "localhost", err, clientmeta.ErrFetch, "host is not a public address")
	if !errors.Is(err, fetch.ErrNotPublic) {
		t.Errorf("localhost: err = %v, want it to wrap fetch.ErrNotPublic", err)
	}
	// The same guarded client, trusting the server's certificate, is refused just the same:
	// the refusal is the address rule, not TLS.
	guarded := fetch.NewClient(fetch.ClientOptions{})
	guarded.Transport.(*http.Transport).TLSClientConfig = s.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	r, err = clientmeta.New(clientmeta.Options{HTTPClient: guarded})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Resolve(bg, byName)
	wantErr(t, "localhost, trusted certificate", err, clientmeta.ErrFetch, "host is not a public address")
	if n := s.total.Load(); n != 0 {
		t.Errorf("the server was reached %d times", n)
	}
	// With AllowPrivate the server is reached.
	if _, err := resolver(t, s, clientmeta.Options{}).Resolve(bg, s.id("/client.json")); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
}

// TestResolveDoesNotFollowRedirects: the draft forbids following them.
func TestResolveDoesNotFollowRedirects(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		if r.URL.Path == "/old.json" {
			http.Redirect(w, r, "/new.json", http.StatusFound)
			return
		}
		writeJSON(w, minimalDoc, id)
	})
	for _, r := range []*clientmeta.Resolver{
		resolver(t, s, clientmeta.Options{}),
		func() *clientmeta.Resolver { // an HTTPClient that would follow redirects
			c := s.Client()
			c.CheckRedirect = nil
			r, err := clientmeta.New(clientmeta.Options{HTTPClient: c, AllowPrivate: true})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}(),
	} {
		_, err := r.Resolve(bg, s.id("/old.json"))
		wantErr(t, "redirect", err, clientmeta.ErrFetch, "redirects (HTTP status 302), and redirects are not followed")
	}
	if n := s.count("/new.json"); n != 0 {
		t.Errorf("the redirect target was fetched %d times", n)
	}
}

func TestResolveRefusesAnswers(t *testing.T) {
	big := `{"client_id":"$ID","redirect_uris":["https://app.example.com/cb"],"x":"` + strings.Repeat("a", 100) + `"}`
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		switch r.URL.Path {
		case "/404.json":
			http.NotFound(w, r)
		case "/500.json":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			writeJSON(w, minimalDoc, id)
		case "/204.json":
			w.WriteHeader(http.StatusNoContent)
		case "/html.json":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(strings.ReplaceAll(minimalDoc, "$ID", id)))
		case "/untyped.json":
			w.Header()["Content-Type"] = nil
			_, _ = w.Write([]byte(strings.ReplaceAll(minimalDoc, "$ID", id)))
		case "/big.json":
			writeJSON(w, big, id)
		case "/big-chunked.json":
			w.Header().Set("Content-Type", "application/json")
			body := strings.ReplaceAll(big, "$ID", id)
			for i := 0; i < len(body); i += 10 {
				_, _ = w.Write([]byte(body[i:min(i+10, len(body))]))
				w.(http.Flusher).Flush()
			}
		case "/exact.json": // exactly 150 bytes
			pad := strings.Repeat(" ", 150-len(strings.ReplaceAll(minimalDoc, "$ID", id)))
			writeJSON(w, "{"+pad+minimalDoc[1:], id)
		}
	})
	res := resolver(t, s, clientmeta.Options{MaxBytes: 150})
	for path, want := range map[string]string{
		"/404.json":         "HTTP status 404",
		"/500.json":         "HTTP status 500",
		"/204.json":         "HTTP status 204",
		"/html.json":        "not served as JSON",
		"/untyped.json":     "not served as JSON",
		"/big.json":         "larger than 150 bytes",
		"/big-chunked.json": "larger than 150 bytes",
	} {
		_, err := res.Resolve(bg, s.id(path))
		wantErr(t, path, err, clientmeta.ErrFetch, want)
	}
	if _, err := res.Resolve(bg, s.id("/exact.json")); err != nil {
		t.Errorf("a document of MaxBytes: %v", err)
	}
}

// TestResolveTimeout: a server that never answers costs Options.Timeout, and the error
// says so.
func TestResolveTimeout(t *testing.T) {
	release := make(chan struct{})
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	_, err := resolver(t, s, clientmeta.Options{Timeout: 50 * time.Millisecond}).Resolve(bg, s.id("/slow.json"))
	wantErr(t, "slow server", err, clientmeta.ErrFetch, "timed out")
}

// TestResolveSlowBody: the timeout covers the body too.
func TestResolveSlowBody(t *testing.T) {
	release := make(chan struct{})
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"client_id":`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	_, err := resolver(t, s, clientmeta.Options{Timeout: 50 * time.Millisecond}).Resolve(bg, s.id("/slow.json"))
	wantErr(t, "slow body", err, clientmeta.ErrFetch, "timed out")
}

// TestResolveCallerGivesUp: a caller whose context ends gets ErrUnavailable at once; the
// fetch goes on for whoever asks next.
func TestResolveCallerGivesUp(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		entered <- struct{}{}
		<-release
		writeJSON(w, minimalDoc, id)
	})
	res := resolver(t, s, clientmeta.Options{})
	id := s.id("/client.json")
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error)
	go func() {
		_, err := res.Resolve(ctx, id)
		done <- err
	}()
	<-entered
	cancel()
	wantErr(t, "cancelled caller", <-done, clientmeta.ErrUnavailable, "request ended before")
	close(release)
	if _, err := res.Resolve(bg, id); err != nil {
		t.Fatal(err)
	}
	if n := s.count("/client.json"); n != 1 {
		t.Errorf("fetched %d times, want 1", n)
	}
}

// TestResolveMaxFetches: beyond Options.MaxFetches fetches at once, Resolve answers
// ErrUnavailable without fetching.
func TestResolveMaxFetches(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		if r.URL.Path == "/a.json" {
			entered <- struct{}{}
			<-release
		}
		writeJSON(w, minimalDoc, id)
	})
	res := resolver(t, s, clientmeta.Options{MaxFetches: 1})
	done := make(chan error)
	go func() {
		_, err := res.Resolve(bg, s.id("/a.json"))
		done <- err
	}()
	<-entered
	_, err := res.Resolve(bg, s.id("/b.json"))
	wantErr(t, "second fetch", err, clientmeta.ErrUnavailable, "too many")
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := res.Resolve(bg, s.id("/b.json")); err != nil {
		t.Errorf("after the first fetch ended: %v", err)
	}
	if n := s.count("/b.json"); n != 1 {
		t.Errorf("/b.json fetched %d times, want 1", n)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for name, o := range map[string]clientmeta.Options{
		"negative MaxBytes":   {MaxBytes: -1},
		"negative Timeout":    {Timeout: -time.Second},
		"negative MinTTL":     {MinTTL: -time.Second},
		"negative MaxTTL":     {MaxTTL: -time.Second},
		"negative CacheSize":  {CacheSize: -1},
		"negative MaxFetches": {MaxFetches: -1},
		"MinTTL over MaxTTL":  {MinTTL: 2 * time.Hour, MaxTTL: time.Hour},
		"MinTTL over default": {MinTTL: 25 * time.Hour},
	} {
		if _, err := clientmeta.New(o); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := clientmeta.New(clientmeta.Options{FailureTTL: -1}); err != nil {
		t.Errorf("negative FailureTTL: %v", err)
	}
}

// TestResolveEndedContext: a request that has already ended starts no fetch: the next
// Resolve finds none in flight to join.
func TestResolveEndedContext(t *testing.T) {
	entered, release := make(chan struct{}, 2), make(chan struct{})
	s := serve(t, func(w http.ResponseWriter, r *http.Request, id string) {
		entered <- struct{}{}
		<-release
		writeJSON(w, minimalDoc, id)
	})
	res := resolver(t, s, clientmeta.Options{})
	var joins atomic.Int64
	clientmeta.OnJoin(res, func() { joins.Add(1) })
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err := res.Resolve(ctx, s.id("/c.json"))
	wantErr(t, "ended context", err, clientmeta.ErrUnavailable, "request ended before")
	done := make(chan error)
	go func() {
		_, err := res.Resolve(bg, s.id("/c.json"))
		done <- err
	}()
	<-entered
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := joins.Load(); n != 0 {
		t.Errorf("the second Resolve joined a fetch started for the ended request")
	}
	if n := s.count("/c.json"); n != 1 {
		t.Errorf("fetched %d times, want 1", n)
	}
}
