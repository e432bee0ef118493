package flows

import (
	"net/http"

	"github.com/oauthkit/oauthkit/store"
)

// Authenticator tells the authorization endpoint who is signed in, and sends people to sign
// in. An application with its own session system implements it over that system; package
// signin implements it with password sign-in and server-side sessions (and, optionally,
// federated sign-in through package federation).
type Authenticator interface {
	// Account returns the account signed in on r; ok is false when nobody is. An error
	// means the answer is unknown (storage down) and is reported as
	// temporarily_unavailable.
	Account(r *http.Request) (acct store.Account, ok bool, err error)
	// SignIn answers r by sending the person to sign in, and back to returnTo afterwards:
	// a path of this server as the browser reaches it, with its query (check one that
	// comes back from the browser with [SafeReturnTo]).
	SignIn(w http.ResponseWriter, r *http.Request, returnTo string)
}

// RouteProvider is an optional interface of an [Authenticator] that serves pages of its
// own: a sign-in form, a sign-out page, the callback of an upstream provider. [New] calls
// Routes once, with the server being built (whose [Server.Config], page helpers and CSRF
// protection the pages use), and [Server.Handler] serves the routes returned beside the
// server's own; an error, or a route whose pattern collides with another, fails New. An
// Authenticator without it has no route of its own: the application serves its sign-in
// pages itself. It is found by a type assertion on Config.Authenticator, so a wrapper
// around a sign-in that has routes (one that adds metrics, say) must implement Routes too,
// passing it on, or the sign-in pages are not served.
type RouteProvider interface {
	// Routes returns the routes to serve beside those of s, the server being built.
	Routes(s *Server) ([]Route, error)
}

// Identity exceptions: why a sign-in failed, sent to the sign-in page as the
// identity_exception query parameter (the sign-in packages send them; an application's
// own sign-in page receives them from package federation).
const (
	// IdentityInvalidRequest: the form or callback was malformed or forged (CSRF, state).
	IdentityInvalidRequest = "invalid_request"
	// IdentityUnauthorized: wrong email or password, or too many recent failures.
	IdentityUnauthorized = "unauthorized"
	// IdentityServerError: storage failed.
	IdentityServerError = "server_error"
	// IdentityAccessDenied: the account holds no sign-in role, or the person cancelled at
	// the upstream provider.
	IdentityAccessDenied = "access_denied"
	// IdentityLost: the browser's session has ended (logout elsewhere, expiry, password
	// reset).
	IdentityLost = "identity_lost"
	// IdentityCredentialsLoginDisabled: the account signs in through the upstream provider
	// only.
	IdentityCredentialsLoginDisabled = "credentials_login_disabled"
	// IdentityTooManyAttempts: sign-in for this email failed too often recently, from
	// anywhere; the password was not checked. Trying again after a few seconds gets a real
	// check.
	IdentityTooManyAttempts = "too_many_attempts"
	// IdentityTemporarilyUnavailable: the server is checking too many passwords at once;
	// the password was not checked. Trying again in a moment works.
	IdentityTemporarilyUnavailable = "temporarily_unavailable"
)
