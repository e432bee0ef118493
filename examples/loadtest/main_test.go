package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// short are the flags of a run that takes under five seconds: every job, two turns of
// 50 ms of warm-up and 500 ms measured. A loaded machine stalls for hundreds of ms under
// -race (the disk, a shared PostgreSQL), so a job measured over one short turn may
// answer nothing in it.
var short = []string{"-duration", "1s", "-rounds", "2", "-warmup", "50ms", "-connections", "2"}

// TestEveryBackend runs the command on each backend and reads its table: every job, in
// order, answered requests and none failed.
func TestEveryBackend(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"memory", "sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel() // the numbers do not matter here, only that every job answers
			if backend == "postgres" && os.Getenv("OAUTHKIT_TEST_POSTGRES_DSN") == "" {
				testenv.Skip(t, "PostgreSQL", "set OAUTHKIT_TEST_POSTGRES_DSN, e.g. OAUTHKIT_TEST_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' go test ./examples/loadtest")
			}
			var out bytes.Buffer
			if err := run(context.Background(), append([]string{"-store", backend}, short...), &out); err != nil {
				t.Fatalf("run: %v\n%s", err, &out)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 3+len(jobNames) || !strings.HasPrefix(lines[0], "store "+backend+", 2 connections") ||
				strings.Join(strings.Fields(lines[2]), " ") != "job requests/s vs bare p50 ms p99 ms errors" {
				t.Fatalf("not a table of every job:\n%s", &out)
			}
			for i, name := range jobNames {
				f := strings.Fields(lines[3+i])
				if len(f) != 6 || f[0] != name {
					t.Fatalf("row %d is not the %s job's: %q", i, name, lines[3+i])
				}
				rate, _ := strconv.ParseFloat(f[1], 64)
				ratio, _ := strconv.ParseFloat(f[2], 64)
				p50, _ := strconv.ParseFloat(f[3], 64)
				p99, _ := strconv.ParseFloat(f[4], 64)
				if rate <= 0 || ratio <= 0 || p50 <= 0 || p99 < p50 || f[5] != "0" {
					t.Errorf("%s: rate %s, ratio %s, p50 %s, p99 %s, errors %s", name, f[1], f[2], f[3], f[4], f[5])
				}
				if name == "bare" && f[2] != "1.000" {
					t.Errorf("the baseline's ratio to itself is %s", f[2])
				}
			}
		})
	}
}

// TestJSONAndJobs: -jobs runs only the jobs named, in the command's order; -json reports
// them, without a ratio when the baseline did not run.
func TestJSONAndJobs(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), append(short, "-json", "-jobs", "introspect,token"), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, &out)
	}
	if rep.Store != "memory" || rep.Connections != 2 || rep.Rounds != 2 || rep.Duration != 1 || len(rep.Results) != 2 ||
		rep.Results[0].Job != "token" || rep.Results[1].Job != "introspect" {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Results {
		if r.Requests == 0 || r.PerSecond <= 0 || r.Errors != 0 || r.Ratio != 0 || r.P50 <= 0 {
			t.Errorf("%+v", r)
		}
	}
}

// TestBadFlags: mistakes are named before anything starts, and a DSN is never echoed.
func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-jobs", "bare,tokens"}, `unknown job "tokens"`},
		{[]string{"-jobs", ","}, "no job named"},
		{[]string{"-connections", "0"}, "-connections"},
		{[]string{"-rounds", "0"}, "-rounds"},
		{[]string{"-rounds", "10", "-duration", "5ms"}, "-rounds"},
		{[]string{"-duration", "0s"}, "-duration"},
		{[]string{"-store", "mysql"}, `-store "mysql"`},
		{[]string{"-store", "postgres", "-dsn", "host=db password=hunter2"}, "a postgres:// URL"},
	} {
		err := run(context.Background(), c.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v: %v, want an error about %s", c.args, err, c.want)
		}
	}
}

// TestFailuresAreCounted: an error answer, a 200 without the expected body and a dropped
// connection each count as a failed request, and the first is described.
func TestFailuresAreCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
		case "/inactive":
			w.Write([]byte(`{"active":false}`))
		case "/drop":
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		}
	}))
	defer srv.Close()
	for path, want := range map[string]string{
		"/down":     `503 Service Unavailable: {"error":"temporarily_unavailable"}`,
		"/inactive": `200 OK without "active":true: {"active":false}`,
		"/drop":     "EOF",
	} {
		d := newDriver(job{name: path, method: http.MethodGet, url: srv.URL + path, want: `"active":true`}, 2, time.Second)
		d.run(context.Background(), 0, 50*time.Millisecond)
		d.close()
		// Errors count every failed request, Requests only those answered in time.
		if r := d.result(); r.Requests == 0 || r.Errors < r.Requests || !strings.Contains(r.FirstError, want) {
			t.Errorf("%s: %d requests, %d errors, first %q; want all failed, with %q", path, r.Requests, r.Errors, r.FirstError, want)
		}
	}
}

// TestTurnsAddUp: the requests of a driver's turns add up, and the rate is the requests
// over the measured time, without the warm-ups.
func TestTurnsAddUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	d := newDriver(job{name: "ok", method: http.MethodGet, url: srv.URL}, 2, time.Second)
	defer d.close()
	if r := d.result(); r.Requests != 0 || r.PerSecond != 0 || r.P50 != 0 {
		t.Fatalf("before any turn: %+v", r)
	}
	d.run(context.Background(), 20*time.Millisecond, 100*time.Millisecond)
	first := d.result().Requests
	d.run(context.Background(), 20*time.Millisecond, 100*time.Millisecond)
	r := d.result()
	if r.Requests == 0 || r.Requests < first || r.Errors != 0 || math.Abs(r.PerSecond-float64(r.Requests)/0.2) > 1e-6*r.PerSecond {
		t.Errorf("after two turns: %+v (%d after the first)", r, first)
	}
}

// TestStuckServer: requests that get no answer are cancelled after the grace period and
// counted, so a stuck server cannot stall the run.
func TestStuckServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	d := newDriver(job{name: "stuck", method: http.MethodGet, url: srv.URL}, 3, 50*time.Millisecond)
	defer d.close()
	d.run(context.Background(), 0, 10*time.Millisecond)
	if r := d.result(); r.Errors != 3 || !strings.Contains(r.FirstError, "no answer within 50ms after the end") {
		t.Errorf("%d errors, first %q; want 3, one per connection", r.Errors, r.FirstError)
	}
}

// TestStoppedServer: a server whose listener fails is reported, not taken for a quiet one.
func TestStoppedServer(t *testing.T) {
	tg := &target{serveErr: make(chan error, 1)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tg.serve(ln, http.NotFoundHandler())
	ln.Close() // Serve returns the Accept error
	// Wait for Serve to return, and put its error back for failed.
	tg.serveErr <- <-tg.serveErr
	if err := tg.failed(); err == nil || !strings.Contains(err.Error(), "a server stopped") {
		t.Errorf("failed() = %v", err)
	}
	if err := tg.failed(); err != nil {
		t.Errorf("failed() = %v after the error was reported", err)
	}
}

// TestBareBody: the baseline answers the 60 bytes of JSON the README's figures assume.
func TestBareBody(t *testing.T) {
	if len(bareBody) != 60 || !json.Valid([]byte(bareBody)) {
		t.Errorf("the baseline answers %d bytes (valid JSON: %v), want 60", len(bareBody), json.Valid([]byte(bareBody)))
	}
}
