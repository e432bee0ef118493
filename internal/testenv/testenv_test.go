package testenv

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	t.Setenv("CI", "")
	t.Run("postgres", func(t *testing.T) { Skip(t, "PostgreSQL", "set DSN") })
	t.Run("postgres again", func(t *testing.T) { Skip(t, "PostgreSQL", "set DSN") })
	t.Run("node", func(t *testing.T) { Skip(t, "Node.js", "install node") })
	var b strings.Builder
	report(&b)
	want := "testenv: 2 tests skipped, PostgreSQL is not available: set DSN\ntestenv: 1 tests skipped, Node.js is not available: install node\n"
	if b.String() != want {
		t.Fatalf("report:\n%s\nwant:\n%s", b.String(), want)
	}
	skipped.services, skipped.count, skipped.how = nil, nil, nil
}
