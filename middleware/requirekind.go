package middleware

import (
	"net/http"
	"slices"

	"github.com/oauthkit/oauthkit/store"
)

// RequireKind returns middleware that lets a request through only when the token that
// [Authenticate] put in its context is of one of kinds; otherwise it answers 401
// invalid_token ("this kind of token is not accepted here"), with Authenticate's
// challenge. It is for routers that
// authenticate several kinds once and split them per route (kinds are store.KindAccess,
// store.KindPersonal, store.KindCustomer and [KindClient]); a request that Authenticate
// did not pass gets 500 (fail closed). It panics if kinds is empty.
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
				errNoAuthenticate.Write(w, "")
			case !slices.Contains(kinds, tc.info.Kind):
				tc.ch.write(w, errWrongKind)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

var (
	agentOnly    = RequireKind(store.KindAccess, store.KindPersonal)
	customerOnly = RequireKind(store.KindCustomer)
	clientOnly   = RequireKind(KindClient)
)

// AgentOnly lets through access tokens and personal access tokens that act for an
// account, the tokens of agents and administrators. It refuses customer tokens and tokens
// that act for no account ([KindClient], e.g. client_credentials), whose AccountID is
// empty (and OrganizationID too, for a client of no organization): a handler keyed by
// them would put every such token in one shared bucket.
func AgentOnly(next http.Handler) http.Handler { return agentOnly(next) }

// CustomerOnly lets through customer tokens only: the routes of a customer API.
func CustomerOnly(next http.Handler) http.Handler { return customerOnly(next) }

// ClientOnly lets through tokens that act for no account only ([KindClient]): routes for
// machine clients, which identify the caller by [Info.ClientID]. [Authenticate] must list
// KindClient in [Options.Kinds] for such a token to get this far.
func ClientOnly(next http.Handler) http.Handler { return clientOnly(next) }
