package flows

import (
	"net/http"

	"github.com/oauthkit/oauthkit/store"
)

// Authenticator tells the authorization endpoint who is signed in, and sends people to sign
// in. The built-in one (used when Config.Authenticator is nil) is password sign-in with
// server-side sessions; an application with its own session system implements this instead.
type Authenticator interface {
	// Account returns the account signed in on r; ok is false when nobody is. An error
	// means the answer is unknown (storage down) and is reported as
	// temporarily_unavailable.
	Account(r *http.Request) (acct store.Account, ok bool, err error)
	// SignIn answers r by sending the person to sign in, and back to returnTo (a path on
	// this server, with its query) afterwards.
	SignIn(w http.ResponseWriter, r *http.Request, returnTo string)
}
