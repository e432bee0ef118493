package sqlstore_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// A program that uses only PostgreSQL does not link the SQLite driver, and the reverse:
// the driver of each database is linked by its own package, and the shared code links
// neither. What a program importing only one of these packages links is that package's
// dependency list, which go list prints.
func TestDriversAreLinkedApart(t *testing.T) {
	const (
		module   = "github.com/oauthkit/oauthkit/"
		sqliteDr = "modernc.org/"
		pgDriver = "github.com/jackc/"
	)
	for _, tc := range []struct {
		pkg       string
		want, not []string // prefixes of import paths that must, and must not, be linked
	}{
		{module + "sqlstore", nil, []string{sqliteDr, pgDriver}},
		{module + "sqlstore/postgres", []string{pgDriver + "pgx/v5/stdlib"}, []string{sqliteDr}},
		{module + "sqlstore/sqlite", []string{sqliteDr + "sqlite"}, []string{pgDriver}},
	} {
		t.Run(tc.pkg[len(module):], func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", tc.pkg).Output()
			if err != nil {
				var stderr []byte
				if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
					stderr = ee.Stderr
				}
				t.Fatalf("go list -deps %s: %v\n%s", tc.pkg, err, stderr)
			}
			deps := strings.Fields(string(out))
			linked := func(prefix string) string {
				for _, d := range deps {
					if strings.HasPrefix(d, prefix) {
						return d
					}
				}
				return ""
			}
			for _, p := range tc.want {
				if linked(p) == "" {
					t.Errorf("%s does not link %s…; the test no longer sees the driver", tc.pkg, p)
				}
			}
			for _, p := range tc.not {
				if d := linked(p); d != "" {
					t.Errorf("%s links %s", tc.pkg, d)
				}
			}
		})
	}
}
