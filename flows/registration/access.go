package registration

import (
	"crypto/subtle"
	"net/http"

	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Access decides who may register a client: anyone ([Open]), the bearer of an initial
// access token the operator handed out ([InitialAccessTokens], RFC 7591 §3), or whoever a
// function of the request lets in ([AllowFunc]). Only those constructors make one; the zero
// Access lets nobody in, and [New] refuses it. The management requests of RFC 7592 are
// authorized by each client's own registration access token instead.
type Access struct {
	open   bool
	tokens []store.Hash
	fn     func(*http.Request) error
}

// Open lets anyone register: an open registration endpoint, as MCP clients expect of a
// server they have never met. What they can register is still bounded by Config (scopes,
// grant types, redirect URIs) and the rate limit; every client they register must still
// be allowed by each person at the consent page. Fit for a demo on loopback, or a public
// server that wants any MCP client to connect.
func Open() Access { return Access{open: true} }

// InitialAccessTokens lets in a request that presents one of the initial access tokens
// whose keyed hashes are given, as "Authorization: Bearer <token>" (RFC 7591 §3; RFC 6750
// §2.1). Make a token with credentials.NewSecret, give it to whoever may register, and
// keep only its hash under the server's Hasher (Hasher.Hash): the configuration then holds
// nothing usable. A request without a token, or with another one, is refused with 401
// invalid_token; every hash is compared, in constant time.
func InitialAccessTokens(hashes ...store.Hash) Access {
	var hs []store.Hash
	for _, h := range hashes {
		if !h.IsZero() {
			hs = append(hs, h)
		}
	}
	return Access{tokens: hs}
}

// AllowFunc lets in the requests for which fn returns nil: a trusted network, a signed-in
// session, a header set by a trusted proxy. To refuse, fn returns an error made with
// [Unauthorized] (401, no acceptable credential) or [Forbidden] (403), or any *flows.Error;
// any other error is a server_error, logged and never shown. fn must not read the body.
func AllowFunc(fn func(r *http.Request) error) Access { return Access{fn: fn} }

func (a Access) valid() bool { return a.open || len(a.tokens) > 0 || a.fn != nil }

// allow answers nil when r may register, and the refusal otherwise.
func (a Access) allow(r *http.Request, h *credentials.Hasher) *answer {
	switch {
	case a.open:
		return nil
	case a.fn != nil:
		if err := a.fn(r); err != nil {
			return asAnswer(err)
		}
		return nil
	}
	tok, refusal := bearer(r, "an initial access token is required to register a client")
	if refusal != nil {
		return refusal
	}
	got := h.Hash(tok)
	ok := 0
	for _, want := range a.tokens {
		ok |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	if ok != 1 {
		return tokenError("the initial access token is invalid")
	}
	return nil
}
