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
	if !strictlySorted(s) { // names kept sorted (a token's, a client's) need no sorting
		slices.Sort(s)
		s = slices.Compact(s)
	}
	return Set{names: s}
}

// strictlySorted reports whether names are sorted without duplicates.
func strictlySorted(names []string) bool {
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			return false
		}
	}
	return true
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
	switch {
	case other.IsSubsetOf(s):
		return s // sets are immutable: s itself is the answer
	case s.IsSubsetOf(other):
		return other
	}
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
func (s Set) Intersect(other Set) Set { return s.keep(other.Has) }

// Minus returns the names in s that are not in other.
func (s Set) Minus(other Set) Set {
	return s.keep(func(n string) bool { return !other.Has(n) })
}

// keep returns the names of s for which keep is true. When that is every name of s, it
// returns s itself, which needs no copy since sets are immutable.
func (s Set) keep(keep func(name string) bool) Set {
	var out []string
	for i, n := range s.names {
		if keep(n) {
			if out != nil {
				out = append(out, n)
			}
			continue
		}
		if out == nil { // the first name left out: copy those kept so far
			out = make([]string, i, len(s.names)-1)
			copy(out, s.names[:i])
		}
	}
	if out == nil {
		return s
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
