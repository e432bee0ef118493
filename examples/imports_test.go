// Package examples_test checks what every example may use: only what a user of the module
// can import.
package examples_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestExamplesUsePublicPackagesOnly: no example, nor its tests, imports an internal package
// of the module. Whatever an example needs to provision clients, accounts and secrets, a user
// needs too, so it must be public. The one exception is internal/testenv in test files: it
// reports the tests skipped for want of PostgreSQL or Node.js, and is no part of the example.
func TestExamplesUsePublicPackagesOnly(t *testing.T) {
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "github.com/oauthkit/oauthkit/internal/testenv" && strings.HasSuffix(path, "_test.go") {
				continue
			}
			if strings.HasPrefix(p, "github.com/oauthkit/oauthkit/") && (strings.Contains(p, "/internal/") || strings.HasSuffix(p, "/internal")) {
				t.Errorf("%s imports %s, which users cannot import", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Fatalf("read only %d Go files under examples/: the walk is broken", files)
	}
}
