package flows

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/internal/httpauth"

	"github.com/oauthkit/oauthkit/store"
)

// authenticateClient authenticates the client of a token-endpoint request (RFC 6749 §2.3): client_secret_basic or client_secret_post for confidential clients,
// none (client_id only) for public clients.
//
// Error mapping (documented in the package doc): no client_id, or an unknown one, is the LiveChat-style
// unauthorized_client; a wrong, missing or superfluous secret is RFC 6749's invalid_client
// with 401 (and WWW-Authenticate: Basic when Basic was used); Basic and a body secret
// together, a secret in the query string, or a client_id with control characters or invalid
// UTF-8 (never looked up), is invalid_request; too many failures is 429.
//
// A client_id that storage does not know may be the URL of a client metadata document
// (Config.ClientIDMetadataDocuments), resolved as at the authorization endpoint: such a
// client is public and authenticates with none (a secret sent anyway is invalid_client);
// a document that cannot be used is an unknown client, and one that cannot be resolved
// now is temporarily_unavailable (503).
func (s *Server) authenticateClient(ctx context.Context, r *http.Request, p params) (store.Client, *Error) {
	c, _, e := s.authenticate(ctx, r, p)
	return c, e
}

// authenticate is authenticateClient that also returns the client's metadata document:
// nil for a stored client.
func (s *Server) authenticate(ctx context.Context, r *http.Request, p params) (store.Client, *clientmeta.Document, *Error) {
	if q := r.URL.RawQuery; q != "" && r.URL.Query().Has("client_secret") {
		return store.Client{}, nil, InvalidRequest("client_secret must not be sent in the query string")
	}
	id, secret := p["client_id"], p["client_secret"]
	basic := false
	if h := r.Header.Get("Authorization"); h != "" {
		user, pass, claimed, err := httpauth.Basic(h)
		if !claimed || err != nil {
			return store.Client{}, nil, InvalidRequest("the Authorization header is not valid HTTP Basic")
		}
		// RFC 6749 §2.3.1: the client id and secret are form-urlencoded before Basic.
		u, err1 := url.QueryUnescape(user)
		pw, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return store.Client{}, nil, InvalidRequest("the Basic credentials are not correctly form-urlencoded")
		}
		if secret != "" {
			return store.Client{}, nil, InvalidRequest("use one client authentication method, not Basic and client_secret together")
		}
		if id != "" && id != u {
			return store.Client{}, nil, InvalidRequest("client_id differs from the Basic credentials")
		}
		id, secret, basic = u, pw, true
	}
	if id == "" {
		return store.Client{}, nil, clientErr(ErrUnauthorizedClient, "client_id is missing", basic)
	}
	if e := checkText("client_id", id); e != nil {
		return store.Client{}, nil, e
	}
	now := s.now()
	key := s.throttleKey(id, r)
	if blocked, wait := s.limiter.Blocked(key, now); blocked {
		e := clientErr(ErrInvalidClient, "too many failed client authentications; retry later", basic)
		e.Status, e.challenge, e.retryAfter = http.StatusTooManyRequests, "", wait
		return store.Client{}, nil, e
	}
	c, doc, err := s.client(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, nil, clientErr(ErrUnauthorizedClient, unknownClientText(err), basic)
	}
	if err != nil {
		return store.Client{}, nil, clientUnavailable(err)
	}
	if c.Public { // every client identified by a metadata document is
		if secret != "" {
			return store.Client{}, nil, clientErr(ErrInvalidClient, "a public client has no secret", basic)
		}
		return c, doc, nil
	}
	if secret == "" {
		return store.Client{}, nil, clientErr(ErrInvalidClient, "client authentication is required", basic)
	}
	if !s.hasher.Equal(secret, c.SecretHash) && !s.previousSecret(c, secret, now) {
		s.limiter.Fail(key, now)
		s.log.WarnContext(ctx, "oauthkit: client authentication failed", "client_id", id)
		return store.Client{}, nil, clientErr(ErrInvalidClient, "client authentication failed", basic)
	}
	return c, nil, nil
}

// clientErr builds a client-authentication error: 401 with a Basic challenge when the
// client used Basic (RFC 6749 §5.2), otherwise 401 for invalid_client and 400 for
// unauthorized_client.
func clientErr(code, desc string, basic bool) *Error {
	e := &Error{Code: code, Description: desc, Status: http.StatusBadRequest}
	if code == ErrInvalidClient || basic {
		e.Status = http.StatusUnauthorized
	}
	if basic {
		e.challenge = httpauth.BasicChallenge("oauthkit")
	}
	return e
}
