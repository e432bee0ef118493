package scopes

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	// Requests accept commas and spaces (R-SCOPE); names are RFC 6749 §3.3 scope-tokens.
	tests := []struct {
		name string
		in   string
		want string // Set.String() on success
	}{
		{"empty", "", ""},
		{"only separators", " ,\t,\n ", ""},
		{"one", "customers:own", "customers:own"},
		{"commas", "chats--my:ro,chats--all:rw", "chats--all:rw,chats--my:ro"},
		{"spaces", "chats--my:ro chats--all:rw", "chats--all:rw,chats--my:ro"},
		{"mixed separators", "a,b c , d", "a,b,c,d"},
		{"all ASCII whitespace", "a\tb\nc\vd\fe\rf", "a,b,c,d,e,f"},
		{"empty items dropped", ",,a,,  ,b,", "a,b"},
		{"duplicates", "a a,a", "a"},
		{"seed response round trip", "chats--my:ro,chats--all:ro,chats--all:rw", "chats--all:ro,chats--all:rw,chats--my:ro"},
		{"boundary chars", "! # [ ] ~ ^ `", "!,#,[,],^,`,~"},
		{"case preserved", "A a", "A,a"},
		{"max length name", strings.Repeat("x", MaxNameLen), strings.Repeat("x", MaxNameLen)},
		{"max names", names(MaxNames), New(strings.Fields(names(MaxNames))...).String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.in, err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantMsg string // substring of the error
	}{
		{"double quote", `a"b`, "0x22"},
		{"backslash", `a\b`, "0x5C"},
		{"NUL", "a\x00b", "0x00"},
		{"DEL", "a\x7fb", "0x7F"},
		{"control char", "a\x01", "0x01"},
		{"non-ASCII", "chats:rö", "0xC3"},
		{"non-ASCII space", "a\u00a0b", "0xC2"},
		{"second item", "ok bad\"", "item 2"},
		{"name too long", strings.Repeat("x", MaxNameLen+1), "longer than 128"},
		{"too many names", names(MaxNames + 1), "more than 100"},
		{"too many repeated names", strings.Repeat("a ", MaxNames+1), "more than 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %q, %v; want ErrInvalid", tt.in, s, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if !s.IsEmpty() {
				t.Errorf("Parse returned a non-empty set with an error: %q", s)
			}
			// The detail never echoes input, so it is safe as an error_description.
			for _, c := range []byte(err.Error()) {
				if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
					t.Errorf("error %q contains byte 0x%02X", err, c)
				}
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for _, n := range []string{"a", "chats--all:rw", "customers:own", "!", "~", strings.Repeat("a", MaxNameLen)} {
		if !ValidName(n) {
			t.Errorf("ValidName(%q) = false", n)
		}
	}
	for _, n := range []string{"", "a,b", "a b", `"`, `\`, "é", strings.Repeat("a", MaxNameLen+1)} {
		if ValidName(n) {
			t.Errorf("ValidName(%q) = true", n)
		}
	}
}

// names returns n distinct valid names separated by spaces.
func names(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("s")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteByte(byte('a' + i%26))
		b.WriteByte(byte('a' + i/26))
	}
	return b.String()
}
