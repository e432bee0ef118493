package scopes

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that whatever it accepts is made of valid names
// and within the limits, and that the response form round-trips (R-SCOPE).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		" ",
		",",
		"chats--my:ro,chats--all:ro,chats--all:rw",
		"a,b c , d",
		"a\tb\nc\vd\fe\rf",
		"customers:own customers:own",
		`a"b`,
		`a\b`,
		"a\x00b",
		"chats:rö",
		"a\u00a0b",
		strings.Repeat("x", MaxNameLen),
		strings.Repeat("x", MaxNameLen+1),
		names(MaxNames),
		names(MaxNames + 1),
		"! # [ ] ^ ` ~",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		set, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrInvalid", in, err)
			}
			if !set.IsEmpty() {
				t.Fatalf("Parse(%q) returned %q with an error", in, set)
			}
			return
		}
		if set.Len() > MaxNames {
			t.Fatalf("Parse(%q) returned %d names", in, set.Len())
		}
		for _, n := range set.Names() {
			if !ValidName(n) {
				t.Fatalf("Parse(%q) returned invalid name %q", in, n)
			}
			if !strings.Contains(in, n) {
				t.Fatalf("Parse(%q) invented name %q", in, n)
			}
		}
		again, err := Parse(set.String())
		if err != nil {
			t.Fatalf("Parse(%q) of String() of Parse(%q): %v", set.String(), in, err)
		}
		if !again.Equal(set) {
			t.Fatalf("round trip: %q became %q", set, again)
		}
		if !set.IsSubsetOf(set) || !set.Equal(New(set.Names()...)) {
			t.Fatalf("set %q not equal to itself", set)
		}
		// The built-in rule never loses a held scope.
		if !Satisfies(set, set.Names()...) {
			t.Fatalf("set %q does not satisfy itself", set)
		}
	})
}
