package registration

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/internal/form"
	"github.com/oauthkit/oauthkit/internal/httpauth"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// clientInfo is the client information response (RFC 7591 §3.2.1, RFC 7592 §3): the
// client's identity, its registration access token and configuration endpoint, and its
// registered metadata.
type clientInfo struct {
	ClientID                string `json:"client_id"`
	ClientSecret            string `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at,omitempty"`
	RegistrationAccessToken string `json:"registration_access_token"`
	RegistrationClientURI   string `json:"registration_client_uri"`
	Metadata
}

// markRegistration marks a registration access token after the server's token prefix.
const markRegistration = "reg_"

// serveRegister is the registration endpoint (RFC 7591 §3): POST a client's metadata as
// JSON, get 201 and the client information response.
func (s *server) serveRegister(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.methodNotAllowed(w, r, "POST")
		return
	}
	info, a := s.register(w, r)
	if a != nil {
		a.write(w, r, s.log)
		return
	}
	writeJSON(w, http.StatusCreated, info)
}

func (s *server) register(w http.ResponseWriter, r *http.Request) (clientInfo, *answer) {
	now := s.now()
	key := s.addr(r).String()
	if blocked, wait := s.registrations.Blocked(key, now); blocked {
		return clientInfo{}, &answer{e: flows.NewError(flows.ErrInvalidRequest, http.StatusTooManyRequests,
			"too many client registrations from this address; retry later"), retryAfter: wait}
	}
	s.registrations.Fail(key, now) // every request counts, whatever its outcome
	if a := s.reg.cfg.Access.allow(r, s.hasher); a != nil {
		return clientInfo{}, a
	}
	q, a := s.readRequest(w, r)
	if a != nil {
		return clientInfo{}, a
	}
	m, a := s.policy.decide(q, nil)
	if a != nil {
		return clientInfo{}, a
	}
	id := credentials.NewID()
	if a := s.check(r, id, false, m, q.softwareStatement); a != nil {
		return clientInfo{}, a
	}
	c, secret, err := s.srv.NewClient(s.spec(id, m))
	if err != nil {
		// The policy accepted what NewClient refuses: a bug, not the caller's fault.
		return clientInfo{}, refuse(flows.ServerError(err))
	}
	token := credentials.NewSecret(s.cfg.TokenPrefix + markRegistration)
	c.RegistrationHash = s.hasher.Hash(token)
	c.UnusedLifetime = s.reg.cfg.UnusedClientLifetime
	c.RequirePKCE = true
	if c.RegistrationMetadata, err = json.Marshal(m); err != nil {
		return clientInfo{}, refuse(flows.ServerError(err))
	}
	if err := s.store.PutClient(r.Context(), c); err != nil {
		return clientInfo{}, unavailable(err)
	}
	s.log.InfoContext(r.Context(), "oauthkit: client registered", "client_id", c.ID, "public", c.Public, "addr", key)
	return s.info(c, m, token, secret), nil
}

// spec is the flows.ClientSpec of a client with metadata m.
func (s *server) spec(id string, m Metadata) flows.ClientSpec {
	var names []string
	if m.Scope != "" {
		names = strings.Split(m.Scope, " ")
	}
	return flows.ClientSpec{
		ID: id, Name: m.ClientName, Public: m.TokenEndpointAuthMethod == AuthNone,
		RedirectURIs: m.RedirectURIs, Scopes: names, RequirePKCE: true,
	}
}

// check asks Config.Check about a registration or update, when it is set.
func (s *server) check(r *http.Request, id string, update bool, m Metadata, statement string) *answer {
	if s.reg.cfg.Check == nil {
		return nil
	}
	err := s.reg.cfg.Check(&Request{HTTP: r, ClientID: id, Update: update, Metadata: m.clone(), SoftwareStatement: statement})
	if err != nil {
		return asAnswer(err)
	}
	return nil
}

// readRequest reads the JSON body of a registration or update, bounded by
// Config.Limits.BodyBytes.
func (s *server) readRequest(w http.ResponseWriter, r *http.Request) (request, *answer) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return request{}, metadataError("the request body must be application/json")
	}
	limit := s.reg.cfg.Limits.BodyBytes
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limit)))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return request{}, refuse(flows.NewError(ErrInvalidClientMetadata, http.StatusRequestEntityTooLarge,
				"the request body is larger than %d bytes", limit))
		}
		return request{}, metadataError("the request body could not be read")
	}
	return parseRequest(body, s.policy.maxRedirects)
}

// info is the client information response for c, whose metadata is m: the record's own
// fields (which the application may have changed since) over the registered ones.
func (s *server) info(c store.Client, m Metadata, token, secret string) clientInfo {
	m = m.clone()
	m.RedirectURIs, m.ClientName, m.Scope = c.RedirectURIs, c.Name, strings.Join(c.Scopes, " ")
	if c.Public {
		m.TokenEndpointAuthMethod = AuthNone
	} else if m.TokenEndpointAuthMethod == AuthNone || m.TokenEndpointAuthMethod == "" {
		m.TokenEndpointAuthMethod = AuthClientSecretBasic
	}
	if m.GrantTypes == nil {
		m.GrantTypes = []string{}
	}
	if m.ResponseTypes == nil {
		m.ResponseTypes = []string{}
	}
	info := clientInfo{
		ClientID: c.ID, ClientSecret: secret, ClientIDIssuedAt: c.CreatedAt.Unix(),
		RegistrationAccessToken: token, RegistrationClientURI: s.endpoint + "/" + url.PathEscape(c.ID),
		Metadata: m,
	}
	if !c.Public {
		never := int64(0) // the secret does not expire (RFC 7591 §3.2.1)
		info.ClientSecretExpiresAt = &never
	}
	return info
}

// methodNotAllowed answers a method the endpoint does not serve: 405 with Allow.
func (s *server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	e := flows.InvalidRequest("this endpoint accepts only %s", allow)
	e.Status = http.StatusMethodNotAllowed
	refuse(e).write(w, r, s.log)
}

// bearer returns the token of r's "Authorization: Bearer" header, or the refusal of a
// request without one or with a malformed one.
func bearer(r *http.Request, missing string) (string, *answer) {
	h, err := httpauth.Header(r)
	if err != nil {
		return "", refuse(invalidRequest(err.Error()))
	}
	tok, claimed, err := httpauth.Bearer(h)
	switch {
	case !claimed:
		return "", noToken(missing)
	case err != nil:
		return "", refuse(invalidRequest(err.Error()))
	}
	return tok, nil
}

// plainID reports whether id, from a request path, could be a client ID at all.
func plainID(id string) bool {
	return id != "" && len(id) <= maxIDLen && form.CheckText(id) == nil
}

// writeJSON sends v as JSON with status, never cached (RFC 7591 §3.2.1: Cache-Control
// no-store, Pragma no-cache).
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
