package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
)

// Opening one new SQLite file from several goroutines or processes at once (servers
// starting together) must succeed in every one of them. These tests open fresh files for
// about budget each (at least once): a race between the openers that loses one Open in a
// few hundred shows in most runs; go test -count=20 -run Concurrent finds it for sure.
const budget = 2 * time.Second

// TestOpenConcurrentNewFile: goroutines of one process.
func TestOpenConcurrentNewFile(t *testing.T) {
	const n = 30
	failed := map[string]int{}
	start, rounds := time.Now(), 0
	for r := 0; r == 0 || time.Since(start) < budget; r++ {
		rounds++
		path := filepath.Join(t.TempDir(), fmt.Sprintf("round%d.db", r))
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				s, err := sqlite.Open(context.Background(), path)
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				failed[strings.ReplaceAll(err.Error(), path, "FILE")]++
			}
		}
		if mode := journalMode(t, path); mode != "wal" {
			t.Errorf("journal mode after the Opens = %q, want wal", mode)
		}
	}
	for msg, k := range failed {
		t.Errorf("%d of %d Opens failed: %s", k, rounds*n, msg)
	}
}

// journalMode returns the journal mode of the SQLite file at path.
func journalMode(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	return mode
}

// childEnv names, in a child process of TestOpenConcurrentProcesses, the file it opens and
// the time it opens it at.
const childEnv = "OAUTHKIT_TEST_SQLITE_OPEN_CHILD"

// TestOpenConcurrentProcesses: processes, each one Open.
func TestOpenConcurrentProcesses(t *testing.T) {
	if v := os.Getenv(childEnv); v != "" {
		path, at, _ := strings.Cut(v, "|")
		when, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(when)) // all children start their Open together
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	const n = 8
	start := time.Now()
	for r := 0; r == 0 || time.Since(start) < budget; r++ {
		path := filepath.Join(t.TempDir(), "oauthkit.db")
		at := time.Now().Add(200 * time.Millisecond).Format(time.RFC3339Nano)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				cmd := exec.Command(exe, "-test.run=^TestOpenConcurrentProcesses$", "-test.count=1")
				cmd.Env = append(os.Environ(), childEnv+"="+path+"|"+at)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("round %d, process %d: %v\n%s", r, i, err, strings.ReplaceAll(string(out), path, "FILE"))
				}
			})
		}
		wg.Wait()
	}
}
