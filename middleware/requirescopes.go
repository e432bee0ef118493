package middleware

import (
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/internal/httpauth"
	"github.com/oauthkit/oauthkit/scopes"
)

// RequireScopes returns middleware that lets a request through only when the token that
// [Authenticate] put in its context satisfies every required scope under cat's implication
// rules: held exactly, or implied by a held scope ("x:rw" satisfies "x:ro"; the catalog's
// declared rules; transitively). A nil cat applies the built-in rule only, like
// [scopes.Satisfies].
//
// Otherwise it answers 403 with WWW-Authenticate: Bearer error="insufficient_scope",
// scope="<the required scopes, space-separated>" (RFC 6750 §3.1), in Authenticate's realm
// and with its resource_metadata ([Options.ResourceMetadata]). A request that
// Authenticate did not pass (the middleware mounted without it) gets 500: fail closed.
//
// It panics, at construction, on a required name that is not a valid scope name, or that a
// non-nil cat does not declare (a typo would otherwise refuse every request).
func RequireScopes(cat *scopes.Catalog, required ...string) func(http.Handler) http.Handler {
	check := newScopeCheck(cat, required)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tc := tokenCtxFrom(r.Context())
			if tc == nil {
				errNoAuthenticate.Write(w, "")
				return
			}
			if !check.passes(tc) {
				tc.ch.write(w, httpauth.Refusal{Status: http.StatusForbidden, Code: codeInsufficientScope,
					Description: "the access token lacks a required scope", Scope: check.scope})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// scopeCheck is a precomputed [scopes.Catalog.Satisfies] for fixed requirements: for each
// required scope, every name whose holding satisfies it. Checking is then a few binary
// searches in the held set, with no allocation on the request path.
type scopeCheck struct {
	satisfiers [][]string // per required scope
	scope      string     // the required scopes, space-separated, for the challenge
}

func newScopeCheck(cat *scopes.Catalog, required []string) *scopeCheck {
	c := new(scopeCheck)
	for _, req := range required {
		if !scopes.ValidName(req) {
			panic("middleware: RequireScopes: invalid scope name " + req)
		}
		if _, ok := cat.Lookup(req); cat != nil && !ok {
			panic("middleware: RequireScopes: the catalog does not declare " + req)
		}
		sat := []string{req}
		if cat == nil {
			if x, ok := strings.CutSuffix(req, ":ro"); ok && x != "" {
				sat = append(sat, x+":rw")
			}
		} else {
			// Only declared scopes imply anything under a catalog (scopes.Catalog.Expand).
			for _, d := range cat.Scopes() {
				if d.Name != req && cat.Satisfies(scopes.New(d.Name), req) {
					sat = append(sat, d.Name)
				}
			}
		}
		c.satisfiers = append(c.satisfiers, sat)
	}
	c.scope = strings.Join(scopes.New(required...).Names(), " ")
	return c
}

// passes reports whether the token of tc satisfies c. A token from a Cache entry
// remembers the first check it passed: the answer cannot change, since the entry's Info is
// immutable, and the check is then one comparison. Only the first is remembered, so that
// a token used on several routes in parallel does not make their requests write to the
// entry in turn.
func (c *scopeCheck) passes(tc *tokenCtx) bool {
	e := tc.entry
	if e != nil && e.scopesOK.Load() == c {
		return true
	}
	if !c.satisfied(tc.info.Scopes) {
		return false
	}
	if e != nil && e.scopesOK.Load() == nil {
		e.scopesOK.CompareAndSwap(nil, c)
	}
	return true
}

func (c *scopeCheck) satisfied(held scopes.Set) bool {
	for _, sat := range c.satisfiers {
		ok := false
		for _, s := range sat {
			if held.Has(s) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
