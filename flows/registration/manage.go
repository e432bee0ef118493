package registration

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/store"
)

// serveClient is the client configuration endpoint (RFC 7592 §2): with the client's
// registration access token, GET reads its registration, PUT replaces it, DELETE removes
// the client and revokes its tokens.
func (s *server) serveClient(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodPut, http.MethodDelete:
	default:
		s.methodNotAllowed(w, r, "DELETE, GET, PUT")
		return
	}
	c, token, a := s.authenticate(r)
	if a != nil {
		a.write(w, r, s.log)
		return
	}
	switch r.Method {
	case http.MethodGet:
		m, a := s.registered(c)
		if a != nil {
			a.write(w, r, s.log)
			return
		}
		writeJSON(w, http.StatusOK, s.info(c, m, token, ""))
	case http.MethodPut:
		info, a := s.update(w, r, c, token)
		if a != nil {
			a.write(w, r, s.log)
			return
		}
		writeJSON(w, http.StatusOK, info)
	case http.MethodDelete:
		if a := s.delete(r, c); a != nil {
			a.write(w, r, s.log)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		w.WriteHeader(http.StatusNoContent)
	}
}

// authenticate returns the client named by the path, when r presents its registration
// access token. A wrong token, an unknown client or one not registered dynamically are
// all the same 401 invalid_token (RFC 7592 §2.1): which client IDs exist is no secret,
// but the answer does not tell. Failures are counted per (client, address) like client
// authentication failures (flows.Config.Limits), and too many are 429.
func (s *server) authenticate(r *http.Request) (store.Client, string, *answer) {
	token, a := bearer(r, "the client's registration access token is required")
	if a != nil {
		return store.Client{}, "", a
	}
	id := r.PathValue("client_id")
	now := s.now()
	key := id + "\x00" + s.addr(r).String()
	if blocked, wait := s.failures.Blocked(key, now); blocked {
		return store.Client{}, "", &answer{e: flows.NewError(ErrInvalidToken, http.StatusTooManyRequests,
			"too many failed attempts; retry later"), retryAfter: wait}
	}
	bad := tokenError("the registration access token is invalid, or the client does not exist")
	if !plainID(id) {
		s.hasher.Equal(token, store.Hash{}) // the same work as a real check
		s.failures.Fail(key, now)
		return store.Client{}, "", bad
	}
	c, err := s.store.Client(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c = store.Client{}
	case err != nil:
		return store.Client{}, "", unavailable(err)
	}
	if !s.hasher.Equal(token, c.RegistrationHash) { // constant time; a zero hash never matches
		s.failures.Fail(key, now)
		return store.Client{}, "", bad
	}
	return c, token, nil
}

// registered returns the metadata c was registered with.
func (s *server) registered(c store.Client) (Metadata, *answer) {
	var m Metadata
	if len(c.RegistrationMetadata) > 0 {
		if err := json.Unmarshal(c.RegistrationMetadata, &m); err != nil {
			return Metadata{}, refuse(flows.ServerError(err))
		}
	}
	return m, nil
}

// update replaces c's registration with the request's metadata (RFC 7592 §2.2), checked
// as a registration is. The request carries the client's client_id, and may carry its
// client_secret, which must then be the current one: a client cannot choose its secret.
// Omitted members are removed or take their defaults. The client keeps its ID, secret,
// registration access token and creation time.
func (s *server) update(w http.ResponseWriter, r *http.Request, c store.Client, token string) (clientInfo, *answer) {
	prev, a := s.registered(c)
	if a != nil {
		return clientInfo{}, a
	}
	if c.Public {
		prev.TokenEndpointAuthMethod = AuthNone
	} else if prev.TokenEndpointAuthMethod == AuthNone || prev.TokenEndpointAuthMethod == "" {
		prev.TokenEndpointAuthMethod = AuthClientSecretBasic
	}
	q, a := s.readRequest(w, r)
	if a != nil {
		return clientInfo{}, a
	}
	switch {
	case !q.hasClientID || q.clientID != c.ID:
		return clientInfo{}, metadataError("client_id must be included, and be the client's own")
	case q.hasClientSecret && (c.Public || !s.hasher.Equal(q.clientSecret, c.SecretHash)):
		return clientInfo{}, metadataError("client_secret does not match the client's secret")
	}
	m, a := s.policy.decide(q, &prev)
	if a != nil {
		return clientInfo{}, a
	}
	if a := s.check(r, c.ID, true, m, q.softwareStatement); a != nil {
		return clientInfo{}, a
	}
	next, _, err := s.srv.NewClient(s.spec(c.ID, m))
	if err != nil {
		return clientInfo{}, refuse(flows.ServerError(err))
	}
	next.SecretHash, next.CreatedAt = c.SecretHash, c.CreatedAt
	next.OrganizationID, next.AllowImplicit = c.OrganizationID, c.AllowImplicit
	next.RegistrationHash, next.UnusedLifetime, next.UsedAt = c.RegistrationHash, c.UnusedLifetime, c.UsedAt
	if next.RegistrationMetadata, err = json.Marshal(m); err != nil {
		return clientInfo{}, refuse(flows.ServerError(err))
	}
	if err := s.store.PutClient(r.Context(), next); err != nil {
		return clientInfo{}, unavailable(err)
	}
	s.log.InfoContext(r.Context(), "oauthkit: client registration updated", "client_id", c.ID)
	return s.info(next, m, token, ""), nil
}

// delete removes c and revokes every token issued to it (RFC 7592 §2.3). Tokens are
// revoked before the client goes, so that a failure leaves a client its owner can delete
// again, and once more after, for a token issued meanwhile.
func (s *server) delete(r *http.Request, c store.Client) *answer {
	ctx := r.Context()
	if _, err := s.store.RevokeClientTokens(ctx, c.ID, ""); err != nil {
		return unavailable(err)
	}
	switch err := s.store.DeleteClient(ctx, c.ID); {
	case errors.Is(err, store.ErrNotFound):
		return tokenError("the registration access token is invalid, or the client does not exist")
	case err != nil:
		return unavailable(err)
	}
	if _, err := s.store.RevokeClientTokens(ctx, c.ID, ""); err != nil {
		s.log.ErrorContext(ctx, "oauthkit: revoking the tokens of a deleted client", "client_id", c.ID, "err", err)
	}
	s.log.InfoContext(ctx, "oauthkit: client registration deleted", "client_id", c.ID)
	return nil
}
