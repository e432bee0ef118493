package scopes

import (
	"fmt"
	"slices"
	"strings"
)

// Scope declares one scope of the application.
type Scope struct {
	// Name is the scope name, as in tokens and requests, e.g. "chats--all:rw".
	Name string
	// Description is the human text shown on the consent screen.
	Description string
	// AdminOnly marks a scope only administrators may grant; requesting it for another
	// account is invalid_scope.
	AdminOnly bool
}

// Implication declares that holding scope From satisfies a requirement for scope To,
// e.g. {From: "chats--all:ro", To: "chats--my:ro"}.
type Implication struct {
	// From and To are two different scopes declared in the same catalog.
	From, To string
}

// Catalog is the set of scopes an application declares, with their implications. It is
// immutable once built by [NewCatalog] and safe for concurrent use.
//
// A nil *Catalog is usable: it declares no scope, so [Catalog.Unknown] reports every name and
// [Catalog.AdminOnly] none, and [Catalog.Satisfies] and [Catalog.Expand] apply only the
// built-in rule ("x:rw" satisfies "x:ro", for any x), exactly like the package-level
// [Satisfies].
type Catalog struct {
	defs    []Scope
	index   map[string]int      // name → position in defs
	implies map[string][]string // name → everything it implies, transitively, sorted, not itself
}

// NewCatalog builds a catalog from scope declarations (in the order the consent screen should
// list them) and implications between them. Every name must be valid (see [ValidName]) and
// declared once; every rule must name two different declared scopes.
//
// Besides the declared rules, "x:rw" implies "x:ro" whenever the catalog declares both
// (x not empty). Implication is transitive: if a implies b and b implies c, holding a
// satisfies c. Cycles are allowed and simply make their members equivalent.
//
// Errors wrap [ErrInvalid]; they quote the offending names, which come from configuration.
func NewCatalog(defs []Scope, rules []Implication) (*Catalog, error) {
	c := &Catalog{
		defs:    slices.Clone(defs),
		index:   make(map[string]int, len(defs)),
		implies: make(map[string][]string),
	}
	for i, d := range defs {
		if err := checkName(d.Name); err != nil {
			return nil, fmt.Errorf("%w: catalog: scope %d: %s", ErrInvalid, i+1, err)
		}
		if _, dup := c.index[d.Name]; dup {
			return nil, fmt.Errorf("%w: catalog: scope %q declared twice", ErrInvalid, d.Name)
		}
		c.index[d.Name] = i
	}
	edges := make(map[string][]string)
	for _, r := range rules {
		for _, n := range []string{r.From, r.To} {
			if _, ok := c.index[n]; !ok {
				return nil, fmt.Errorf("%w: catalog: implication %q => %q names undeclared scope %q",
					ErrInvalid, r.From, r.To, n)
			}
		}
		if r.From == r.To {
			return nil, fmt.Errorf("%w: catalog: scope %q implies itself", ErrInvalid, r.From)
		}
		edges[r.From] = append(edges[r.From], r.To)
	}
	for _, d := range defs {
		if ro, ok := builtinImplied(d.Name); ok {
			if _, declared := c.index[ro]; declared {
				edges[d.Name] = append(edges[d.Name], ro)
			}
		}
	}
	for from := range edges {
		c.implies[from] = closure(from, edges)
	}
	return c, nil
}

// closure returns every name reachable from start through edges, sorted, without start.
func closure(start string, edges map[string][]string) []string {
	seen := map[string]bool{start: true}
	stack := []string{start}
	var out []string
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, m := range edges[n] {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
				stack = append(stack, m)
			}
		}
	}
	slices.Sort(out)
	return out
}

// builtinImplied returns "x:ro" for a name "x:rw" with x not empty.
func builtinImplied(name string) (string, bool) {
	x, ok := strings.CutSuffix(name, ":rw")
	if !ok || x == "" {
		return "", false
	}
	return x + ":ro", true
}

// Lookup returns the declaration of the scope called name.
func (c *Catalog) Lookup(name string) (Scope, bool) {
	if c == nil {
		return Scope{}, false
	}
	i, ok := c.index[name]
	if !ok {
		return Scope{}, false
	}
	return c.defs[i], true
}

// Scopes returns every declared scope in declaration order. The slice is a fresh copy.
func (c *Catalog) Scopes() []Scope {
	if c == nil {
		return nil
	}
	return slices.Clone(c.defs)
}

// Unknown returns the names in s that the catalog does not declare, sorted; nil when there
// are none. A request naming any is invalid_scope.
func (c *Catalog) Unknown(s Set) []string {
	var out []string
	for _, n := range s.names {
		if _, ok := c.Lookup(n); !ok {
			out = append(out, n)
		}
	}
	return out
}

// AdminOnly returns the names in s that are declared administrator-only, sorted; nil when
// there are none.
func (c *Catalog) AdminOnly(s Set) []string {
	var out []string
	for _, n := range s.names {
		if d, ok := c.Lookup(n); ok && d.AdminOnly {
			out = append(out, n)
		}
	}
	return out
}

// WithoutAdminOnly returns the names in s that are not declared administrator-only: what a
// token may hold when no administrator takes part. It is s itself when s has none.
func (c *Catalog) WithoutAdminOnly(s Set) Set {
	return s.keep(func(n string) bool {
		d, ok := c.Lookup(n)
		return !ok || !d.AdminOnly
	})
}

// Expand returns held plus every scope a held scope implies, transitively. Names the catalog
// does not declare are kept but imply nothing, except under a nil catalog, which applies the
// built-in "x:rw" ⇒ "x:ro" rule to any name.
func (c *Catalog) Expand(held Set) Set {
	var extra []string
	for _, h := range held.names {
		if c == nil {
			if ro, ok := builtinImplied(h); ok {
				extra = append(extra, ro)
			}
			continue
		}
		extra = append(extra, c.implies[h]...)
	}
	if len(extra) == 0 {
		return held
	}
	return held.Union(New(extra...))
}

// Satisfies reports whether held meets every required scope: each is held exactly or implied
// by a held scope. Matching is exact otherwise: no prefix, case folding or wildcard. With no
// required scope it reports true.
func (c *Catalog) Satisfies(held Set, required ...string) bool {
	if len(required) == 0 {
		return true
	}
	expanded := c.Expand(held)
	for _, r := range required {
		if !expanded.Has(r) {
			return false
		}
	}
	return true
}

// Satisfies reports whether held meets every required scope using only the built-in rule
// "x:rw" satisfies "x:ro"; it is (*Catalog)(nil).Satisfies. Use [Catalog.Satisfies] to apply
// an application's declared implications too.
func Satisfies(held Set, required ...string) bool {
	return (*Catalog)(nil).Satisfies(held, required...)
}
