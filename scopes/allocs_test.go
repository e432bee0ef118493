//go:build !race

// The race detector allocates on its own, so allocation counts are checked only without it.

package scopes

import "testing"

// TestSetAllocs: an operation whose answer is an operand returns it without copying, and
// New of sorted names does not sort: the token endpoint does these on every request.
func TestSetAllocs(t *testing.T) {
	c, err := NewCatalog([]Scope{{Name: "a:ro"}, {Name: "b:rw"}, {Name: "c:rw", AdminOnly: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ab, abc, x := New("a:ro", "b:rw"), New("a:ro", "b:rw", "c:rw"), New("x")
	sorted := []string{"a:ro", "b:rw", "c:rw"}
	for name, tc := range map[string]struct {
		f    func()
		want float64
	}{
		"Minus, nothing removed":        {func() { _ = abc.Minus(x) }, 0},
		"Intersect with a superset":     {func() { _ = ab.Intersect(abc) }, 0},
		"Union with a subset":           {func() { _ = abc.Union(ab) }, 0},
		"WithoutAdminOnly, none":        {func() { _ = c.WithoutAdminOnly(ab) }, 0},
		"WithoutAdminOnly, one removed": {func() { _ = c.WithoutAdminOnly(abc) }, 1},
		"New of sorted names":           {func() { _ = New(sorted...) }, 1},
	} {
		if got := testing.AllocsPerRun(100, tc.f); got > tc.want {
			t.Errorf("%s: %v allocations, want %v", name, got, tc.want)
		}
	}
}
