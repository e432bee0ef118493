package scopes

import (
	"errors"
	"fmt"
)

// Limits enforced by [Parse] and [NewCatalog].
const (
	// MaxNameLen is the longest scope name accepted, in bytes.
	MaxNameLen = 128
	// MaxNames is the most names one scope list may hold, counting repeated names each time
	// they appear.
	MaxNames = 100
)

// ErrInvalid is returned, wrapped with detail, for a malformed scope name or list. Test for it
// with errors.Is. The detail text never quotes the input, so that it is safe to copy into an
// RFC 6749 error_description (which forbids '"' and '\').
var ErrInvalid = errors.New("scopes: invalid scope")

// Parse parses a scope list as found in requests: names separated by commas, ASCII whitespace
// (space, tab, newline, vertical tab, form feed, carriage return) or any mix of them, such as
// "a,b c , d". Empty items are dropped and repeated names kept once. Each name must be valid
// (see [ValidName]), at most [MaxNameLen] bytes, and the list may hold at most [MaxNames]
// items. The empty or all-separator string gives the empty Set and a nil error.
//
// Errors wrap [ErrInvalid] and name the 1-based position of the offending item.
func Parse(s string) (Set, error) {
	var names []string
	item := 0
	for i := 0; i < len(s); {
		if isSep(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && !isSep(s[j]) {
			j++
		}
		item++
		if item > MaxNames {
			return Set{}, fmt.Errorf("%w: more than %d names", ErrInvalid, MaxNames)
		}
		if err := checkName(s[i:j]); err != nil {
			return Set{}, fmt.Errorf("%w: item %d: %s", ErrInvalid, item, err)
		}
		names = append(names, s[i:j])
		i = j
	}
	return New(names...), nil
}

// ValidName reports whether name is a valid scope name: 1 to [MaxNameLen] bytes, each an
// RFC 6749 §3.3 scope-token character (%x21 / %x23-5B / %x5D-7E) other than ','.
func ValidName(name string) bool { return checkName(name) == nil }

// nameError describes why a name is invalid; its text never contains the name itself.
type nameError string

func (e nameError) Error() string { return string(e) }

func checkName(name string) error {
	if name == "" {
		return nameError("empty name")
	}
	if len(name) > MaxNameLen {
		return nameError(fmt.Sprintf("name longer than %d bytes", MaxNameLen))
	}
	for i := 0; i < len(name); i++ {
		if !isNameChar(name[i]) {
			return nameError(fmt.Sprintf("character 0x%02X at byte %d is not allowed", name[i], i+1))
		}
	}
	return nil
}

// isNameChar reports whether c may appear in a scope name: an RFC 6749 §3.3 NQCHAR
// (%x21 / %x23-5B / %x5D-7E) other than the comma we use as list separator.
func isNameChar(c byte) bool {
	return c == 0x21 || (c >= 0x23 && c <= 0x5B && c != ',') || (c >= 0x5D && c <= 0x7E)
}

// isSep reports whether c separates names in a request: a comma or ASCII whitespace.
func isSep(c byte) bool {
	switch c {
	case ',', ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}
