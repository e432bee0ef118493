package signin

import (
	"net/http"

	"github.com/oauthkit/oauthkit/flows"
)

// startFederated answers Paths.Login when a federation is configured: it sends the person
// to the upstream provider (federation.Upstream.Start). The sign-in page is shown instead
// when it has something to say (an identity_exception, such as identity_lost after a
// session ended, or "you are signed out" right after signing out, rather than signing the
// person straight back in at the upstream), and to a person already signed in who is going
// nowhere in particular.
func (a *Authenticator) startFederated(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if identityText[q.Get("identity_exception")] != "" || q.Has(signedOutParam) {
		a.showLogin(w, r)
		return
	}
	returnTo := flows.SafeReturnTo(q.Get("return_to"))
	if returnTo == "" {
		if _, ok, _ := a.currentAccount(a.srv(), r); ok {
			a.showLogin(w, r)
			return
		}
	}
	a.fed.Start(w, r, returnTo)
}
