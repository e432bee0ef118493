// Package testenv lets the tests that need an outside service (PostgreSQL, Node.js) skip
// when it is missing, fail when it is missing under CI=true, and tell the developer at the
// end of `go test ./...` what was skipped and how to run it.
package testenv

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var skipped struct {
	sync.Mutex
	// count and how per service, in the order first seen.
	services []string
	count    map[string]int
	how      map[string]string
}

// Skip skips t because service is not available, or fails it when the environment sets
// CI=true (where every suite must run). how says in one line how to make it available.
func Skip(t testing.TB, service, how string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not available, and CI=true: these tests must run in CI; %s", service, how)
	}
	skipped.Lock()
	if skipped.count == nil {
		skipped.count, skipped.how = map[string]int{}, map[string]string{}
	}
	if _, ok := skipped.count[service]; !ok {
		skipped.services = append(skipped.services, service)
		skipped.how[service] = how
	}
	skipped.count[service]++
	skipped.Unlock()
	t.Skipf("%s is not available: %s", service, how)
}

// Run runs the tests of m and returns their exit code, for TestMain to pass to os.Exit.
// When tests were skipped for a missing service it first prints one line per service,
// naming how many and how to run them, to the standard output and to the terminal the
// tests run in, if any: `go test ./...` shows the output of a passing package only with -v.
func Run(m *testing.M) int {
	code := m.Run()
	report(os.Stdout)
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		report(tty)
		tty.Close()
	}
	return code
}

func report(w io.Writer) {
	skipped.Lock()
	defer skipped.Unlock()
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	for _, s := range skipped.services {
		fmt.Fprintf(w, "%s: %d tests skipped, %s is not available: %s\n", pkg, skipped.count[s], s, skipped.how[s])
	}
}
