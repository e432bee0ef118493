package scopes

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chatCatalog is the seed's scope vocabulary with one declared implication.
func chatCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := NewCatalog([]Scope{
		{Name: "chats--my:ro", Description: "Read your chats"},
		{Name: "chats--all:ro", Description: "Read all chats"},
		{Name: "chats--all:rw", Description: "Read and write all chats"},
		{Name: "customers:own", Description: "Create customers"},
		{Name: "agents--all:rw", Description: "Manage agents", AdminOnly: true},
		{Name: "agents--all:ro", Description: "See agents"},
		{Name: "billing:rw", Description: "Billing", AdminOnly: true}, // billing:ro undeclared
	}, []Implication{
		{From: "chats--all:ro", To: "chats--my:ro"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogLookupAndScopes(t *testing.T) {
	// R-SCOPE-1: name, description, admin-only; declaration order kept.
	c := chatCatalog(t)
	got, ok := c.Lookup("agents--all:rw")
	want := Scope{Name: "agents--all:rw", Description: "Manage agents", AdminOnly: true}
	if !ok || got != want {
		t.Errorf("Lookup = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := c.Lookup("agents--all"); ok {
		t.Error("Lookup matched a prefix")
	}
	all := c.Scopes()
	if len(all) != 7 || all[0].Name != "chats--my:ro" || all[6].Name != "billing:rw" {
		t.Errorf("Scopes() = %+v", all)
	}
	all[0].Name = "mutated"
	if c.Scopes()[0].Name != "chats--my:ro" {
		t.Error("Scopes() aliases the catalog")
	}
}

func TestCatalogUnknownAndAdminOnly(t *testing.T) {
	// R-SCOPE-1, R-AUTHZ-7
	c := chatCatalog(t)
	s := New("zeta", "chats--all:rw", "agents--all:rw", "billing:rw", "chats", "billing:ro")
	if diff := cmp.Diff([]string{"billing:ro", "chats", "zeta"}, c.Unknown(s)); diff != "" {
		t.Errorf("Unknown (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"agents--all:rw", "billing:rw"}, c.AdminOnly(s)); diff != "" {
		t.Errorf("AdminOnly (-want +got):\n%s", diff)
	}
	if c.Unknown(New("customers:own")) != nil || c.AdminOnly(New("customers:own")) != nil {
		t.Error("want nil for a set with no unknown / admin-only names")
	}
	if got, want := c.WithoutAdminOnly(s).String(), "billing:ro,chats,chats--all:rw,zeta"; got != want {
		t.Errorf("WithoutAdminOnly = %q, want %q", got, want)
	}
	if got := c.WithoutAdminOnly(New("customers:own")).String(); got != "customers:own" {
		t.Errorf("WithoutAdminOnly of a set without admin-only names = %q", got)
	}
}

func TestCatalogSatisfies(t *testing.T) {
	// R-SCOPE-2: exact, built-in :rw ⇒ :ro, declared rules, transitivity, no prefix tricks.
	c := chatCatalog(t)
	tests := []struct {
		name     string
		held     string
		required []string
		want     bool
	}{
		{"R-SCOPE-2 exact", "customers:own", []string{"customers:own"}, true},
		{"R-SCOPE-2 nothing required", "", nil, true},
		{"R-SCOPE-2 nothing held", "", []string{"customers:own"}, false},
		{"R-SCOPE-2 built-in rw implies ro", "chats--all:rw", []string{"chats--all:ro"}, true},
		{"R-SCOPE-2 built-in needs both declared", "billing:rw", []string{"billing:ro"}, false},
		{"R-SCOPE-2 ro does not imply rw", "chats--all:ro", []string{"chats--all:rw"}, false},
		{"R-SCOPE-2 declared rule", "chats--all:ro", []string{"chats--my:ro"}, true},
		{"R-SCOPE-2 declared rule is one-way", "chats--my:ro", []string{"chats--all:ro"}, false},
		{"R-SCOPE-2 transitive via built-in", "chats--all:rw", []string{"chats--my:ro"}, true},
		{"R-SCOPE-2 all required", "chats--all:rw", []string{"chats--my:ro", "customers:own"}, false},
		{"R-SCOPE-2 several held", "chats--all:rw customers:own", []string{"chats--my:ro", "customers:own", "chats--all:rw"}, true},
		{"R-SCOPE-2 no prefix: short name", "chats--all:rw", []string{"chats"}, false},
		{"R-SCOPE-2 no prefix: truncated", "chats--all:rw", []string{"chats--all:r"}, false},
		{"R-SCOPE-2 no prefix: held shorter", "chats", []string{"chats--all:ro"}, false},
		{"R-SCOPE-2 no wildcard", "*", []string{"chats--all:ro"}, false},
		{"R-SCOPE-2 no case folding", "CHATS--ALL:RW", []string{"chats--all:ro"}, false},
		{"R-SCOPE-2 unrelated rw", "agents--all:rw", []string{"chats--all:ro"}, false},
		{"R-SCOPE-2 undeclared held exact", "zeta", []string{"zeta"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			held, err := Parse(tt.held)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Satisfies(held, tt.required...); got != tt.want {
				t.Errorf("Satisfies(%q, %q) = %v, want %v", held, tt.required, got, tt.want)
			}
		})
	}
}

func TestCatalogTransitiveAndCycles(t *testing.T) {
	// R-SCOPE-2: a ⇒ b ⇒ c ⇒ a is a harmless cycle; d ⇒ a reaches all three.
	c, err := NewCatalog(
		[]Scope{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}},
		[]Implication{{"a", "b"}, {"b", "c"}, {"c", "a"}, {"d", "a"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	for held, want := range map[string]string{
		"a": "a,b,c", "b": "a,b,c", "d": "a,b,c,d", "e": "e", "": "", "d e": "a,b,c,d,e",
	} {
		s, _ := Parse(held)
		if got := c.Expand(s).String(); got != want {
			t.Errorf("Expand(%q) = %q, want %q", held, got, want)
		}
	}
	if c.Satisfies(New("a"), "d") {
		t.Error("a satisfies d")
	}
}

func TestCatalogExpand(t *testing.T) {
	// R-SCOPE-2
	c := chatCatalog(t)
	got := c.Expand(New("chats--all:rw", "billing:rw", "zeta"))
	want := "billing:rw,chats--all:ro,chats--all:rw,chats--my:ro,zeta"
	if got.String() != want {
		t.Errorf("Expand = %q, want %q", got, want)
	}
}

func TestNilCatalog(t *testing.T) {
	// R-SCOPE-2: a nil catalog applies only the built-in rule, to any name.
	var c *Catalog
	held := New("chats--all:rw", "billing:rw", "customers:own", ":rw")
	if got, want := c.Expand(held).String(), ":rw,billing:ro,billing:rw,chats--all:ro,chats--all:rw,customers:own"; got != want {
		t.Errorf("nil Expand = %q, want %q", got, want)
	}
	tests := []struct {
		required string
		want     bool
	}{
		{"chats--all:ro", true},
		{"billing:ro", true},
		{"chats--all:rw", true},
		{"customers:own", true},
		{"chats--my:ro", false}, // declared rules need a catalog
		{":ro", false},          // the built-in rule needs a non-empty x
		{"chats--all:r", false},
		{"customers:ro", false}, // only :rw implies :ro
	}
	for _, tt := range tests {
		if got := c.Satisfies(held, tt.required); got != tt.want {
			t.Errorf("nil Satisfies(%q) = %v, want %v", tt.required, got, tt.want)
		}
		if got := Satisfies(held, tt.required); got != tt.want {
			t.Errorf("package Satisfies(%q) = %v, want %v", tt.required, got, tt.want)
		}
	}
	if _, ok := c.Lookup("a"); ok || c.Scopes() != nil || c.AdminOnly(held) != nil || !c.WithoutAdminOnly(held).Equal(held) {
		t.Error("nil catalog declares something")
	}
	if diff := cmp.Diff(held.Names(), c.Unknown(held)); diff != "" {
		t.Errorf("nil Unknown (-want +got):\n%s", diff)
	}
}

func TestNewCatalogInvalid(t *testing.T) {
	// R-SCOPE-1: configuration is validated once, at construction.
	ok := []Scope{{Name: "a:rw"}, {Name: "a:ro"}}
	tests := []struct {
		name  string
		defs  []Scope
		rules []Implication
	}{
		{"empty name", []Scope{{Name: ""}}, nil},
		{"comma in name", []Scope{{Name: "a,b"}}, nil},
		{"space in name", []Scope{{Name: "a b"}}, nil},
		{"quote in name", []Scope{{Name: `a"`}}, nil},
		{"too long", []Scope{{Name: strings.Repeat("x", MaxNameLen+1)}}, nil},
		{"duplicate", []Scope{{Name: "a:ro"}, {Name: "a:ro", Description: "again"}}, nil},
		{"rule from undeclared", ok, []Implication{{"b", "a:ro"}}},
		{"rule to undeclared", ok, []Implication{{"a:ro", "b"}}},
		{"self rule", ok, []Implication{{"a:ro", "a:ro"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCatalog(tt.defs, tt.rules)
			if !errors.Is(err, ErrInvalid) || c != nil {
				t.Errorf("NewCatalog = %v, %v; want nil, ErrInvalid", c, err)
			}
		})
	}
	if c, err := NewCatalog(nil, nil); err != nil || len(c.Scopes()) != 0 {
		t.Errorf("empty catalog: %v, %v", c, err)
	}
}

func TestCatalogDoesNotAliasInput(t *testing.T) {
	defs := []Scope{{Name: "a", Description: "A"}}
	c, err := NewCatalog(defs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defs[0].Description = "changed"
	if s, _ := c.Lookup("a"); s.Description != "A" {
		t.Error("catalog aliases the caller's slice")
	}
}
