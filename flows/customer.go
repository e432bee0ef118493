package flows

import (
	"errors"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// markCustomer marks customer access tokens.
const markCustomer = "ct_"

// CustomerResponse is the answer of the customer endpoint.
type CustomerResponse struct {
	// AccessToken is the new customer access token.
	AccessToken string `json:"access_token"`
	// ClientID is the client the token was issued to: the request's client_id, which is
	// the client of the access token that asked.
	ClientID string `json:"client_id"`
	// EntityID is the customer's id.
	EntityID string `json:"entity_id"`
	// ExpiresIn is the token's lifetime in seconds (Config.Lifetimes.CustomerToken).
	ExpiresIn int64 `json:"expires_in"`
}

// CustomerHandler returns the LiveChat-style customer endpoint (POST /customer/). An
// agent's app, holding a Bearer access token with the customer scope (Config.Policy.CustomerScope,
// default "customers:own"), posts client_id, response_type=token and redirect_uri (JSON or
// form), and gets a customer access token: for a new customer, or, with entity_id, for an
// existing customer of the same organization. Customer tokens are a kind of their own: they
// are refused wherever agent tokens are expected, and the reverse.
//
// An app gets customer tokens for itself only: client_id must be the client the access
// token was issued to (unauthorized_client otherwise). The live customer tokens of one
// (client, customer) are limited to Config.Limits.Tokens, the oldest revoked first. A customer
// token belongs to the grant of the access token that minted it: revoking that grant, or
// signing the account out everywhere with its tokens, revokes the customer token too.
func (s *Server) CustomerHandler() http.Handler {
	return s.jsonEndpoint("customer endpoint", []string{http.MethodPost}, func(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
		return answer(s.customer(w, r))
	})
}

func (s *Server) customer(w http.ResponseWriter, r *http.Request) (*CustomerResponse, *Error) {
	if s.customers == nil {
		return nil, NewError(ErrInvalidRequest, http.StatusNotFound, "the server has no customer storage")
	}
	caller, _, e := s.requireBearer(r, store.KindAccess)
	if e != nil {
		return nil, e
	}
	if caller.OrganizationID == "" {
		// A client_credentials token of a marketplace client: its customers would belong to
		// no organization, and so to every other such token.
		return nil, bearerError(http.StatusForbidden, "insufficient_scope", "the token does not belong to an organization")
	}
	if !s.catalog.Satisfies(scopes.New(caller.Scopes...), s.cfg.Policy.CustomerScope) {
		e := bearerError(http.StatusForbidden, "insufficient_scope", "the access token lacks the scope "+s.cfg.Policy.CustomerScope)
		e.challenge += `, scope="` + s.cfg.Policy.CustomerScope + `"`
		return nil, e
	}
	p, e := readBodyParams(w, r)
	if e != nil {
		return nil, e
	}
	ctx := r.Context()
	for _, f := range []string{"client_id", "entity_id"} {
		if e := checkText(f, p[f]); e != nil {
			return nil, e
		}
	}
	switch {
	case p["client_id"] == "":
		return nil, detailErr(ErrUnauthorizedClient, DetailClientIDNotFound, "client_id is missing")
	case p["response_type"] != "token":
		return nil, NewError(ErrUnsupportedResponseType, http.StatusBadRequest, "response_type must be token")
	case p["client_id"] != caller.ClientID:
		// An app gets customer tokens for itself only, never for another app.
		return nil, UnauthorizedClient("client_id must be the client the access token was issued to")
	}
	client, doc, err := s.client(ctx, p["client_id"])
	if errors.Is(err, store.ErrNotFound) {
		return nil, detailErr(ErrUnauthorizedClient, DetailClientIDNotFound, unknownClientText(err))
	}
	if err != nil {
		return nil, clientUnavailable(err)
	}
	if client.OrganizationID != "" && client.OrganizationID != caller.OrganizationID {
		return nil, UnauthorizedClient("the app is private to another organization")
	}
	if p["redirect_uri"] == "" || s.matchClientRedirect(client, doc, p["redirect_uri"]) != nil {
		return nil, detailErr(ErrUnauthorizedClient, DetailInvalidRedirectURI, "redirect_uri is not registered for the client")
	}

	now := s.now()
	cust := store.Customer{ID: p["entity_id"]}
	if cust.ID != "" {
		cust, err = s.customers.Customer(ctx, cust.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && cust.OrganizationID != caller.OrganizationID) {
			return nil, InvalidRequest("entity_id does not name a customer of your organization")
		}
		if err != nil {
			return nil, TemporarilyUnavailable(err)
		}
	} else {
		cust = store.Customer{ID: credentials.NewID(), OrganizationID: caller.OrganizationID, ClientID: client.ID, CreatedAt: now}
		if err := s.customers.CreateCustomer(ctx, cust); err != nil {
			return nil, TemporarilyUnavailable(err)
		}
	}
	secret, h := s.mint(markCustomer)
	t := store.Token{
		Hash: h, ID: credentials.NewID(), Kind: store.KindCustomer, ClientID: client.ID,
		OrganizationID: cust.OrganizationID, CustomerID: cust.ID,
		FamilyID: familyOf(caller), IssuedAt: now, ExpiresAt: now.Add(s.cfg.Lifetimes.CustomerToken),
	}
	// Only while the calling token is live, in the same atomic step: a revocation of its
	// grant racing with this request leaves no customer token behind.
	err = s.store.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{t}, Limits: s.limits.customer, RequireID: caller.ID})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, bearerError(http.StatusUnauthorized, "invalid_token", "the token is invalid, expired or revoked")
	case err != nil:
		return nil, TemporarilyUnavailable(err)
	}
	return &CustomerResponse{
		AccessToken: secret,
		ClientID:    client.ID,
		EntityID:    cust.ID,
		ExpiresIn:   int64(s.cfg.Lifetimes.CustomerToken / time.Second),
	}, nil
}
