package scopes

import (
	"slices"
	"strings"
)

// Set is an immutable set of scope names, kept sorted so that every rendering is
// deterministic. The zero value is the empty set. Methods never modify their receiver or
// argument; they return new sets. A Set is safe for concurrent use.
//
// Sets are compared with [Set.Equal], not ==.
type Set struct {
	names []string // sorted, no duplicates; never shared with callers
}

// New returns the set of the given names, without duplicates. It does not validate them: use
// [Parse] for untrusted input. Names that are not valid scope names (empty, or containing a
// comma or a space) make [Set.String] ambiguous.
func New(names ...string) Set {
	if len(names) == 0 {
		return Set{}
	}
	s := slices.Clone(names)
	slices.Sort(s)
	return Set{names: slices.Compact(s)}
}

// Names returns the names in s, sorted. The slice is a fresh copy the caller may modify; it is
// nil when s is empty.
func (s Set) Names() []string { return slices.Clone(s.names) }

// String returns the names in s sorted and comma-separated with no spaces, the form used in
// token responses (for example "chats--all:ro,chats--all:rw"). The empty set gives "".
func (s Set) String() string { return strings.Join(s.names, ",") }

// Has reports whether name is in s, exactly (no implication; see [Catalog.Satisfies]).
func (s Set) Has(name string) bool {
	_, ok := slices.BinarySearch(s.names, name)
	return ok
}

// Len returns the number of names in s.
func (s Set) Len() int { return len(s.names) }

// IsEmpty reports whether s has no names.
func (s Set) IsEmpty() bool { return len(s.names) == 0 }

// IsSubsetOf reports whether every name in s is in other, exactly (no implication). The empty
// set is a subset of every set.
func (s Set) IsSubsetOf(other Set) bool {
	i := 0
	for _, n := range s.names {
		for i < len(other.names) && other.names[i] < n {
			i++
		}
		if i == len(other.names) || other.names[i] != n {
			return false
		}
		i++
	}
	return true
}

// Equal reports whether s and other hold the same names.
func (s Set) Equal(other Set) bool { return slices.Equal(s.names, other.names) }

// Union returns the names in s or in other.
func (s Set) Union(other Set) Set {
	out := make([]string, 0, len(s.names)+len(other.names))
	i, j := 0, 0
	for i < len(s.names) && j < len(other.names) {
		switch a, b := s.names[i], other.names[j]; {
		case a < b:
			out = append(out, a)
			i++
		case a > b:
			out = append(out, b)
			j++
		default:
			out = append(out, a)
			i++
			j++
		}
	}
	out = append(out, s.names[i:]...)
	out = append(out, other.names[j:]...)
	return fromSorted(out)
}

// Intersect returns the names in both s and other.
func (s Set) Intersect(other Set) Set {
	var out []string
	for _, n := range s.names {
		if other.Has(n) {
			out = append(out, n)
		}
	}
	return fromSorted(out)
}

// Minus returns the names in s that are not in other.
func (s Set) Minus(other Set) Set {
	var out []string
	for _, n := range s.names {
		if !other.Has(n) {
			out = append(out, n)
		}
	}
	return fromSorted(out)
}

// fromSorted wraps an already sorted, duplicate-free slice that nobody else holds.
func fromSorted(names []string) Set {
	if len(names) == 0 {
		return Set{}
	}
	return Set{names: names}
}
