package middleware

import (
	"net/http"
	"slices"

	"github.com/oauthkit/oauthkit/store"
)

// RequireKind returns middleware that lets a request through only when the token that
// [Authenticate] put in its context is of one of kinds; otherwise it answers 401
// invalid_token ("this kind of token is not accepted here"). It is for routers that
// authenticate several kinds once and split them per route (R-CUST-2); a request that
// Authenticate did not pass gets 500 (fail closed). It panics if kinds is empty.
func RequireKind(kinds ...store.TokenKind) func(http.Handler) http.Handler {
	if len(kinds) == 0 {
		panic("middleware: RequireKind needs at least one kind")
	}
	kinds = slices.Clone(kinds)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tc := tokenCtxFrom(r.Context())
			switch {
			case tc == nil:
				errNoAuthenticate.write(w, "")
			case !slices.Contains(kinds, tc.info.Kind):
				errWrongKind.write(w, tc.realm)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

var (
	agentOnly    = RequireKind(store.KindAccess, store.KindPersonal)
	customerOnly = RequireKind(store.KindCustomer)
)

// AgentOnly lets through access tokens and personal access tokens, the tokens of agents
// and administrators, and refuses customer tokens (R-CUST-2).
func AgentOnly(next http.Handler) http.Handler { return agentOnly(next) }

// CustomerOnly lets through customer tokens only (R-CUST-2).
func CustomerOnly(next http.Handler) http.Handler { return customerOnly(next) }
