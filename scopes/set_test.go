package scopes

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetZeroValue(t *testing.T) {
	var s Set
	if !s.IsEmpty() || s.Len() != 0 || s.String() != "" || s.Names() != nil {
		t.Errorf("zero Set = %q, len %d, names %v; want empty", s.String(), s.Len(), s.Names())
	}
	if s.Has("") || s.Has("a") {
		t.Error("zero Set reports a member")
	}
	if !s.Equal(New()) || !s.IsSubsetOf(Set{}) || !s.IsSubsetOf(New("a")) {
		t.Error("zero Set not equal to New() or not a subset")
	}
}

func TestNewSortsAndDedups(t *testing.T) {
	s := New("chats--all:rw", "customers:own", "chats--all:ro", "chats--all:rw")
	want := []string{"chats--all:ro", "chats--all:rw", "customers:own"}
	if diff := cmp.Diff(want, s.Names()); diff != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", diff)
	}
	// The seed's response format: comma-separated, no spaces, deterministic.
	if got, want := s.String(), "chats--all:ro,chats--all:rw,customers:own"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if s.Len() != 3 || s.IsEmpty() {
		t.Errorf("Len() = %d, IsEmpty() = %v", s.Len(), s.IsEmpty())
	}
}

func TestSetDoesNotAlias(t *testing.T) {
	in := []string{"b", "a"}
	s := New(in...)
	in[0] = "zzz"
	names := s.Names()
	names[0] = "mutated"
	if got := s.String(); got != "a,b" {
		t.Errorf("Set changed through an aliased slice: %q", got)
	}
	u := s.Union(Set{})
	u.Names()[0] = "x"
	if s.String() != "a,b" || u.String() != "a,b" {
		t.Errorf("Union result aliases: s=%q u=%q", s, u)
	}
}

func TestSetAlgebra(t *testing.T) {
	a := New("a", "b", "c")
	b := New("b", "c", "d")
	tests := []struct {
		name string
		got  Set
		want string
	}{
		{"union", a.Union(b), "a,b,c,d"},
		{"union empty", a.Union(Set{}), "a,b,c"},
		{"empty union", Set{}.Union(b), "b,c,d"},
		{"intersect", a.Intersect(b), "b,c"},
		{"intersect disjoint", a.Intersect(New("x")), ""},
		{"minus", a.Minus(b), "a"},
		{"minus self", a.Minus(a), ""},
		{"minus empty", a.Minus(Set{}), "a,b,c"},
	}
	for _, tt := range tests {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, got, tt.want)
		}
	}
	if !a.Minus(a).Equal(Set{}) || !a.Minus(a).IsEmpty() {
		t.Error("a.Minus(a) is not the empty set")
	}
}

func TestSetHasAndSubsetAreExact(t *testing.T) {
	// R-SCOPE-2: Set membership is exact; implication lives in Catalog.Satisfies only.
	s := New("chats--all:rw", "customers:own")
	for _, n := range []string{"chats--all:ro", "chats--all", "chats", "chats--all:r", "CHATS--ALL:RW", ""} {
		if s.Has(n) {
			t.Errorf("Has(%q) = true, want false", n)
		}
	}
	tests := []struct {
		a, b Set
		want bool
	}{
		{New("chats--all:rw"), s, true},
		{s, s, true},
		{New("chats--all:ro"), s, false}, // no implication in IsSubsetOf
		{New("a", "chats--all:rw"), s, false},
		{s, New("chats--all:rw"), false},
		{New("z"), New("a", "b"), false},
	}
	for _, tt := range tests {
		if got := tt.a.IsSubsetOf(tt.b); got != tt.want {
			t.Errorf("%q.IsSubsetOf(%q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSetEqual(t *testing.T) {
	if !New("a", "b").Equal(New("b", "a", "a")) {
		t.Error("equal sets compare unequal")
	}
	if New("a").Equal(New("a", "b")) || New("a").Equal(Set{}) {
		t.Error("different sets compare equal")
	}
}

// TestSetAlgebraModel compares every operation with a map-based model over all pairs of
// subsets of four names, given in and out of order and with repeats: answers that return an
// operand unchanged must still be the right set.
func TestSetAlgebraModel(t *testing.T) {
	universe := []string{"a", "b", "c", "d"}
	subset := func(mask int) []string {
		var out []string
		for i := len(universe) - 1; i >= 0; i-- { // reversed: New must sort
			if mask&(1<<i) != 0 {
				out = append(out, universe[i], universe[i])
			}
		}
		return out
	}
	model := func(x, y []string, keep func(inX, inY bool) bool) string {
		in := func(list []string, n string) bool { return slices.Contains(list, n) }
		var out []string
		for _, n := range universe {
			if keep(in(x, n), in(y, n)) {
				out = append(out, n)
			}
		}
		return strings.Join(out, ",")
	}
	for m := range 16 {
		for n := range 16 {
			x, y := subset(m), subset(n)
			a, b := New(x...), New(y...)
			for name, tc := range map[string]struct {
				got  Set
				keep func(inX, inY bool) bool
			}{
				"union":     {a.Union(b), func(p, q bool) bool { return p || q }},
				"intersect": {a.Intersect(b), func(p, q bool) bool { return p && q }},
				"minus":     {a.Minus(b), func(p, q bool) bool { return p && !q }},
			} {
				if got, want := tc.got.String(), model(x, y, tc.keep); got != want {
					t.Errorf("%v %s %v = %q, want %q", x, name, y, got, want)
				}
			}
			if got, want := a.IsSubsetOf(b), model(x, y, func(p, q bool) bool { return p && !q }) == ""; got != want {
				t.Errorf("%v IsSubsetOf %v = %v", x, y, got)
			}
		}
	}
}
