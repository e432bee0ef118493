// Command loadtest measures an oauthkit server over real HTTP on loopback, against a bare
// net/http handler measured in the same run:
//
//	go run ./examples/loadtest                      # memstore
//	go run ./examples/loadtest -store sqlite        # a temporary SQLite file (WAL)
//	go run ./examples/loadtest -store postgres -dsn 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// It starts the server with a fresh backend (a PostgreSQL run works in a new schema, dropped
// at the end), provisions confidential clients and mints a token. Then the jobs take
// -rounds turns each, in a new order each round, so that all share the quiet and the busy
// moments of a machine whose load changes. In a turn, a job sends its requests from -connections keep-alive
// connections, each sending the next request when the last is answered, for -warmup and
// then for -duration/-rounds, measured. The jobs are:
//
//	bare        GET of a bare net/http handler that answers 60 bytes of JSON: the baseline
//	token       POST /v2/token, grant_type=client_credentials, client_secret_basic
//	protected   GET of a route behind middleware.Authenticate with middleware.Cached over
//	            middleware.Local, as an API in the server's process validates tokens
//	introspect  POST /introspect (RFC 7662) of a live token, by a resource server's client
//
// It prints, per job, the requests per second, their ratio to the baseline's, the median
// and 99th-percentile latency, and the failed requests (a non-2xx answer, a 2xx answer
// that is not the expected one, or no answer), warm-up included; -jobs picks jobs, -json
// prints JSON. The server keeps every default limit. Client and server share the machine,
// so the ratios say more than the absolute numbers. It exits with status 1, naming the
// first failure, when a request failed or a server stopped.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"
)

// jobNames are the jobs, in the order they run.
var jobNames = []string{"bare", "token", "protected", "introspect"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// report is the whole run's output, as -json prints it.
type report struct {
	Store       string   `json:"store"`
	Connections int      `json:"connections"`
	Rounds      int      `json:"rounds"`
	Warmup      float64  `json:"warmup_seconds"` // per turn
	Duration    float64  `json:"duration_seconds"`
	GOMAXPROCS  int      `json:"gomaxprocs"`
	Go          string   `json:"go"`
	Results     []result `json:"results"`
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	backend := fs.String("store", "memory", "storage backend: memory, sqlite or postgres")
	dsn := fs.String("dsn", "", "PostgreSQL URL for -store postgres (default $OAUTHKIT_TEST_POSTGRES_DSN)")
	duration := fs.Duration("duration", 5*time.Second, "how long each job is measured, over all its turns")
	rounds := fs.Int("rounds", 5, "how many turns each job takes, measured for -duration/-rounds each")
	warmup := fs.Duration("warmup", 250*time.Millisecond, "how long each turn runs before it is measured")
	connections := fs.Int("connections", 32, "concurrent keep-alive connections per job")
	jobList := fs.String("jobs", strings.Join(jobNames, ","), "comma-separated jobs to run: "+strings.Join(jobNames, ", "))
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	selected, err := parseJobs(*jobList)
	switch {
	case err != nil:
		return err
	case *duration <= 0 || *warmup < 0:
		return errors.New("-duration must be positive and -warmup not negative")
	case *connections < 1:
		return errors.New("-connections must be at least 1")
	case *rounds < 1 || *duration/time.Duration(*rounds) < time.Millisecond:
		return errors.New("-rounds must be at least 1, and -duration/-rounds at least 1ms")
	}

	if *dsn == "" {
		*dsn = os.Getenv("OAUTHKIT_TEST_POSTGRES_DSN") // not the flag's default: -h would print it
	}
	setup, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, closeStorage, err := openStorage(setup, *backend, *dsn)
	if err != nil {
		return err
	}
	defer closeStorage()
	t, err := newTarget(setup, st)
	if err != nil {
		return err
	}
	defer t.close() // before closeStorage

	var drivers []*driver
	for _, j := range t.jobs {
		if slices.Contains(selected, j.name) {
			d := newDriver(j, *connections, 3*time.Second)
			defer d.close()
			drivers = append(drivers, d)
		}
	}
	// The jobs take turns, so that they all share the quiet and the busy moments of a
	// machine whose load changes, in a new order each round, so that none always follows
	// the one whose aftermath (a database's background writes, garbage) slows it.
	turn := *duration / time.Duration(*rounds)
	order := slices.Clone(drivers)
	for range *rounds {
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, d := range order {
			d.run(ctx, *warmup, turn)
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("interrupted during the %s job: %w", d.job.name, err)
			}
			if err := t.failed(); err != nil {
				return fmt.Errorf("during the %s job: %w", d.job.name, err)
			}
		}
	}
	rep := report{Store: *backend, Connections: *connections, Rounds: *rounds, Warmup: warmup.Seconds(),
		Duration: duration.Seconds(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()}
	for _, d := range drivers {
		rep.Results = append(rep.Results, d.result())
	}
	if i := slices.IndexFunc(rep.Results, func(r result) bool { return r.Job == "bare" }); i >= 0 && rep.Results[i].PerSecond > 0 {
		for k := range rep.Results {
			rep.Results[k].Ratio = rep.Results[k].PerSecond / rep.Results[i].PerSecond
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = printTable(stdout, rep)
	}
	if err != nil {
		return err
	}
	for _, r := range rep.Results {
		if r.Errors > 0 {
			return fmt.Errorf("%d requests of the %s job failed; the first: %s", r.Errors, r.Job, r.FirstError)
		}
	}
	return nil
}

// parseJobs checks a -jobs list.
func parseJobs(list string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if !slices.Contains(jobNames, n) {
			return nil, fmt.Errorf("-jobs: unknown job %q; the jobs are %s", n, strings.Join(jobNames, ", "))
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil, errors.New("-jobs: no job named")
	}
	return names, nil
}

// printTable prints rep for a person.
func printTable(w io.Writer, rep report) error {
	fmt.Fprintf(w, "store %s, %d connections, %v measured per job in %d turns (each after a %v warm-up), %s, GOMAXPROCS %d\n\n",
		rep.Store, rep.Connections, time.Duration(rep.Duration*float64(time.Second)), rep.Rounds,
		time.Duration(rep.Warmup*float64(time.Second)), rep.Go, rep.GOMAXPROCS)
	fmt.Fprintf(w, "%-12s %12s %9s %10s %10s %8s\n", "job", "requests/s", "vs bare", "p50 ms", "p99 ms", "errors")
	for _, r := range rep.Results {
		ratio := "-"
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.3f", r.Ratio)
		}
		fmt.Fprintf(w, "%-12s %12.0f %9s %10.3f %10.3f %8d\n", r.Job, r.PerSecond, ratio, r.P50, r.P99, r.Errors)
	}
	var err error
	for _, r := range rep.Results {
		if r.FirstError != "" {
			_, err = fmt.Fprintf(w, "%s: first error: %s\n", r.Job, r.FirstError)
		}
	}
	return err
}
