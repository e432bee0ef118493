package flows

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// IntrospectionResponse is an RFC 7662 §2.2 answer. For anything that is not an
// active token the caller may know about, it is exactly {"active":false}.
type IntrospectionResponse struct {
	// Active reports whether the token is live and may be described to the caller; when
	// false, every other field is absent.
	Active bool `json:"active"`
	// Scope is space-separated, as RFC 7662 specifies.
	Scope string `json:"scope,omitempty"`
	// ClientID is the client the token was issued to; absent for personal access tokens.
	ClientID string `json:"client_id,omitempty"`
	// Subject is the account the token acts for, else its customer, else (client
	// credentials) its client.
	Subject string `json:"sub,omitempty"`
	// ExpiresAt is when the token expires, in seconds since the Unix epoch.
	ExpiresAt int64 `json:"exp,omitempty"`
	// IssuedAt is when the token was issued, in seconds since the Unix epoch.
	IssuedAt int64 `json:"iat,omitempty"`
	// TokenType is "Bearer" for access, personal and customer tokens and "refresh_token"
	// for refresh tokens; Kind names the kind exactly.
	TokenType string          `json:"token_type,omitempty"`
	Kind      store.TokenKind `json:"kind,omitempty"`
	// ID is the token's public, non-secret ID (the jti of a JWT access token).
	ID string `json:"jti,omitempty"`
	// Issuer is this server's issuer identifier (Config.Issuer).
	Issuer string `json:"iss,omitempty"`
	// Audience are the resources the token is for (RFC 8707; store.Token.Audience):
	// absent for a token without audience.
	Audience Audience `json:"aud,omitempty"`
	// AccountID is the account the token acts for; absent for client_credentials and
	// customer tokens.
	AccountID string `json:"account_id,omitempty"`
	// OrganizationID is the token's organization; absent when there is none.
	OrganizationID string `json:"organization_id,omitempty"`
	// CustomerID is the customer of a customer token.
	CustomerID string `json:"customer_id,omitempty"`
	// Username is the account's login, for personal access tokens: the legacy v2 APIs name
	// the account by login in HTTP Basic.
	Username string `json:"username,omitempty"`
}

// Audience is the aud member of an introspection answer (RFC 7662 §2.2): the resources
// a token is for. As RFC 7519 §4.1.3 allows, it is written as a string when there is one
// and as an array of strings when there are several, and read from either.
type Audience []string

// MarshalJSON writes a one-element audience as a string, any other as an array.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalJSON reads a string, an array of strings, or null (no audience; so is "").
func (a *Audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = nil
		if one != "" {
			*a = Audience{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("flows: aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

// IntrospectHandler returns the RFC 7662 introspection endpoint, for resource
// servers in other processes. The caller authenticates as a client (RFC 7662 §2.1), as at
// the token endpoint; a public client cannot introspect. Access, personal and customer
// tokens are described to any authenticated confidential client; a refresh token only to
// the client it was issued to. Everything else — unknown, expired, revoked, rotated — is
// exactly {"active":false}. A caller that does not authenticate gets 401 invalid_client
// (RFC 7662 §2.3).
//
// A personal access token is described with the rights its account holds today: it is
// inactive when the account is gone or may no longer sign in, and administrator-only scopes
// of an account that is no longer an administrator are left out (inactive when nothing is
// left).
func (s *Server) IntrospectHandler() http.Handler {
	return s.jsonEndpoint("introspection endpoint", []string{http.MethodPost}, func(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
		return answer(s.introspect(w, r))
	})
}

func (s *Server) introspect(w http.ResponseWriter, r *http.Request) (IntrospectionResponse, *Error) {
	inactive := IntrospectionResponse{}
	p, e := readBodyParams(w, r)
	if e != nil {
		return inactive, e
	}
	client, e := s.authenticateClient(r.Context(), r, p)
	if e != nil {
		return inactive, introspectionAuthErr(r, p, e)
	}
	if client.Public {
		// RFC 6749 §5.2: a client that tried Basic gets a Basic challenge. Any Authorization
		// header that got this far was valid Basic.
		basic := r.Header.Get("Authorization") != ""
		return inactive, clientErr(ErrInvalidClient, "a public client cannot introspect tokens", basic)
	}
	token := p["token"]
	if token == "" {
		return inactive, InvalidRequest("token is missing")
	}
	now := s.now()
	t, err := s.store.Token(r.Context(), s.hasher.Hash(token), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return inactive, nil
	case err != nil:
		return inactive, TemporarilyUnavailable(err)
	case !t.Live(now):
		return inactive, nil
	case t.Kind == store.KindRefresh && t.ClientID != client.ID:
		return inactive, nil
	}
	resp := IntrospectionResponse{
		Active:         true,
		Scope:          strings.Join(t.Scopes, " "),
		ClientID:       t.ClientID,
		Subject:        subject(t),
		ExpiresAt:      t.ExpiresAt.Unix(),
		IssuedAt:       t.IssuedAt.Unix(),
		TokenType:      "Bearer",
		Kind:           t.Kind,
		ID:             t.ID,
		Issuer:         s.cfg.Issuer,
		Audience:       Audience(t.Audience),
		AccountID:      t.AccountID,
		OrganizationID: t.OrganizationID,
		CustomerID:     t.CustomerID,
	}
	switch t.Kind {
	case store.KindRefresh:
		resp.TokenType = "refresh_token"
	case store.KindPersonal:
		// A personal access token is worth what its account may hold today.
		kept, acct, err := s.entitled(r.Context(), t.AccountID, t.OrganizationID, nil, scopes.New(t.Scopes...))
		switch {
		case errors.Is(err, errNotEntitled):
			return inactive, nil
		case err != nil:
			return inactive, TemporarilyUnavailable(err)
		case kept.IsEmpty():
			return inactive, nil
		}
		resp.Scope = strings.Join(kept.Names(), " ")
		resp.Username = acct.Login
	}
	return resp, nil
}

// subject is the token's sub: the account, else the customer, else (client credentials)
// the client.
func subject(t store.Token) string {
	switch {
	case t.AccountID != "":
		return t.AccountID
	case t.CustomerID != "":
		return t.CustomerID
	}
	return t.ClientID
}

// introspectionAuthErr turns a failed client authentication at the introspection endpoint
// into RFC 7662 §2.3's answer: 401 invalid_client (RFC 6749 §5.2), with a Basic challenge
// when the caller sent no credentials at all or sent Basic ones. Malformed requests and
// throttling keep their own answers.
func introspectionAuthErr(r *http.Request, p params, e *Error) *Error {
	if (e.Code != ErrUnauthorizedClient && e.Code != ErrInvalidClient) || e.Status == http.StatusTooManyRequests {
		return e
	}
	basic := r.Header.Get("Authorization") != "" // any header that got this far was valid Basic
	none := !basic && p["client_id"] == ""
	return clientErr(ErrInvalidClient, e.Description, basic || none)
}
