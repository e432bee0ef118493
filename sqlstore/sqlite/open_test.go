package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/sqlstore"
	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
)

// A server must fail at start, not at its first sign-in, on a SQLite file it cannot write,
// and say which file and why. The tests run as root, for whom file permissions do not make
// a file read-only, so the read-only cases use SQLite's own read-only modes, which refuse
// writes to root too: a URI with mode=ro or immutable=1, or the query_only pragma.

// open opens a store on path, closed when t ends.
func open(t testing.TB, path string) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oauthkit.db")
	open(t, path).Close() // created and migrated: nothing left to write at Open
	for _, tc := range []struct{ name, dsn string }{
		{"URIModeRO", "file:" + path + "?mode=ro"},
		{"URIImmutable", "file:" + path + "?immutable=1"},
		{"QueryOnly", path + "?_pragma=query_only(1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sqlite.Open(ctx, tc.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded on a database it cannot write; want an error", tc.dsn)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "readonly") {
				t.Errorf("Open(%s) = %q; want the error to name the file %s and the cause (readonly)", tc.dsn, msg, path)
			}
		})
	}
	// The file itself is untouched: a writable Open still works, as a path or as a URI.
	open(t, path).Close()
	open(t, "file:"+path+"?mode=rw")
}

func TestSQLiteOpenErrorsNameTheFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		cause      string // what the error must say besides the path
	}{
		{"MissingDirectory", filepath.Join(dir, "missing", "oauthkit.db"), filepath.Join(dir, "missing") + ": no such file or directory"},
		{"ADirectory", dir, dir + " is a directory"},
		{"UnderAFile", filepath.Join(notDir, "oauthkit.db"), "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sqlite.Open(ctx, tc.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded; want an error", tc.path)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.cause) {
				t.Errorf("Open(%s) = %q; want it to name the file and say %q", tc.path, msg, tc.cause)
			}
		})
	}
}
