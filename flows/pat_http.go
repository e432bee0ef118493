package flows

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// csrfHeader carries the CSRF token on personal access token API requests made with a
// browser session.
const csrfHeader = "X-CSRF-Token"

// PersonalTokensHandler returns the JSON API for personal access tokens, which
// [Server.Handler] serves at Paths.PersonalTokens (default /v2/personal_access_tokens):
//
//	POST   {base}       body {"name": "...", "scopes": ["..."] or "a,b"} → 201 with the secret in "token"
//	GET    {base}       → 200 [{"id", "name", "scopes", "created_at", "expires_at"}, ...]
//	DELETE {base}/{id}  → 204
//
// Mounted alone, it needs a ServeMux pattern for {base} and one for {base}/{id}: it reads
// the token id as the path value "id" (r.PathValue), whatever the prefix; served at a
// pattern ending in "{rest...}" it answers the API's 404.
//
// A personal access token lasts long and survives the apps it was made with, so only the
// person manages them, in one of two ways (the same for all three operations):
//
//   - a signed-in browser session (the built-in sign-in or Config.Authenticator), on this
//     server's origin: POST and DELETE carry the CSRF token in the X-CSRF-Token header (a
//     GET answers with it in the same header; [Server.CSRFToken] gives it to the
//     application's own pages), and cross-origin requests are refused. A token created this
//     way may hold any scope within the account's rights.
//   - a Bearer access token of one of Config.Policy.PersonalTokenClients (the application's own
//     console app) that carries [PersonalTokensScope]. A token created this way is also
//     bounded by the presenting token's scopes (with implication).
//
// Any other access token, however wide, is refused with 403 insufficient_scope; refresh,
// personal and customer tokens are 401 invalid_token. A request with an Authorization
// header is judged by that header alone.
func (s *Server) PersonalTokensHandler() http.Handler {
	// The methods depend on the path: personalTokensAPI checks them.
	return s.jsonEndpoint("personal access token API", nil, func(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
		return s.personalTokensAPI(w, r)
	})
}

// patCaller is who is using the personal access token API.
type patCaller struct {
	accountID string
	// bound is the presenting access token's scopes, which a new token may not exceed; nil
	// for a browser session, where only the account's rights bound it.
	bound *scopes.Set
	// tokenID is the presenting access token's ID; empty for a browser session.
	tokenID string
}

func (s *Server) personalTokensAPI(w http.ResponseWriter, r *http.Request) (int, any, *Error) {
	if strings.HasSuffix(r.Pattern, "{rest...}") {
		return 0, nil, NewError(ErrInvalidRequest, http.StatusNotFound, "no such resource")
	}
	id := r.PathValue("id")
	hasID := id != ""
	allow := []string{http.MethodGet, http.MethodPost}
	if hasID {
		allow = []string{http.MethodDelete}
	}
	if !slices.Contains(allow, r.Method) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return 0, nil, NewError(ErrInvalidRequest, http.StatusMethodNotAllowed, "method not allowed")
	}
	caller, e := s.personalTokenCaller(w, r)
	if e != nil {
		return 0, nil, e
	}
	ctx := r.Context()
	switch r.Method {
	case http.MethodGet:
		list, err := s.PersonalTokens(ctx, caller.accountID)
		if err != nil {
			return 0, nil, asError(err)
		}
		return http.StatusOK, list, nil
	case http.MethodDelete:
		err := s.RevokePersonalToken(ctx, caller.accountID, id)
		if errors.Is(err, ErrPersonalTokenNotFound) {
			return 0, nil, NewError(ErrInvalidRequest, http.StatusNotFound, "no such personal access token")
		}
		if err != nil {
			return 0, nil, asError(err)
		}
		return http.StatusNoContent, nil, nil
	}
	req, e := readPersonalTokenRequest(w, r)
	if e != nil {
		return 0, nil, e
	}
	want, err := scopes.Parse(strings.Join(req.Scopes, ","))
	if err != nil {
		return 0, nil, InvalidScope("the scopes are malformed")
	}
	if caller.bound != nil {
		for _, name := range want.Names() {
			if !s.catalog.Satisfies(*caller.bound, name) {
				return 0, nil, InvalidScope("the access token used does not hold %s", name)
			}
		}
	}
	pt, err := s.createPersonalToken(ctx, caller.accountID, req.Name, want, caller.tokenID)
	if err != nil {
		return 0, nil, asError(err)
	}
	return http.StatusCreated, pt, nil
}

// personalTokenCaller authenticates a request to the personal access token API: by its
// Authorization header when it has one, else by the browser session.
func (s *Server) personalTokenCaller(w http.ResponseWriter, r *http.Request) (patCaller, *Error) {
	if r.Header.Get("Authorization") == "" {
		return s.personalTokenSession(w, r)
	}
	t, _, e := s.requireBearer(r, store.KindAccess)
	if e != nil {
		return patCaller{}, e
	}
	if t.AccountID == "" {
		return patCaller{}, bearerError(http.StatusForbidden, "insufficient_scope", "the token does not belong to an account")
	}
	held := scopes.New(t.Scopes...)
	if !s.personalTokenClient(t.ClientID) || !held.Has(PersonalTokensScope) {
		e := bearerError(http.StatusForbidden, "insufficient_scope",
			"personal access tokens are managed only by the person: signed in here, or through the application's own console app with the scope "+PersonalTokensScope)
		e.challenge += `, scope="` + PersonalTokensScope + `"`
		return patCaller{}, e
	}
	return patCaller{accountID: t.AccountID, bound: &held, tokenID: t.ID}, nil
}

// personalTokenSession authenticates a request by the signed-in browser session; a
// request that changes something must be same-origin and carry the CSRF token.
func (s *Server) personalTokenSession(w http.ResponseWriter, r *http.Request) (patCaller, *Error) {
	acct, ok, err := s.auth.Account(r)
	if err != nil {
		return patCaller{}, TemporarilyUnavailable(err)
	}
	if !ok {
		return patCaller{}, errNoToken()
	}
	if r.Method == http.MethodGet {
		w.Header().Set(csrfHeader, s.csrfToken(w, r))
	} else if !s.checkCSRF(r, r.Header.Get(csrfHeader)) {
		return patCaller{}, NewError(ErrInvalidRequest, http.StatusForbidden,
			"the request came from another site or lacks the CSRF token of the "+csrfHeader+" header")
	}
	return patCaller{accountID: acct.ID}, nil
}

type personalTokenRequest struct {
	Name   string
	Scopes []string
}

// readPersonalTokenRequest reads {"name": ..., "scopes": [...] | "a,b"} strictly.
func readPersonalTokenRequest(w http.ResponseWriter, r *http.Request) (personalTokenRequest, *Error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return personalTokenRequest{}, InvalidRequest("the body must be application/json")
	}
	var raw struct {
		Name   string          `json:"name"`
		Scopes json.RawMessage `json:"scopes"`
	}
	body, e := readBody(w, r)
	if e != nil {
		return personalTokenRequest{}, e
	}
	if repeatedKey(body) {
		return personalTokenRequest{}, InvalidRequest("a member of the body is included more than once")
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return personalTokenRequest{}, InvalidRequest("the body must be a JSON object with name and scopes")
	}
	if _, err := dec.Token(); err != io.EOF {
		return personalTokenRequest{}, InvalidRequest("the body must be a single JSON object")
	}
	req := personalTokenRequest{Name: raw.Name}
	var list []string
	var one string
	switch {
	case json.Unmarshal(raw.Scopes, &list) == nil:
		req.Scopes = list
	case json.Unmarshal(raw.Scopes, &one) == nil:
		req.Scopes = []string{one}
	default:
		return personalTokenRequest{}, InvalidRequest("scopes must be a list of strings or a comma-separated string")
	}
	return req, nil
}
