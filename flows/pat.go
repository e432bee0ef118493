package flows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/internal/secrets"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// markPersonal marks personal access tokens.
const markPersonal = "pat_"

// maxPersonalTokens caps the live personal access tokens of one account.
const maxPersonalTokens = 100

// PersonalToken describes a personal access token (R-PAT-1). Token, the secret, is set only
// in the answer that creates it: it is never stored and never shown again.
type PersonalToken struct {
	// ID is the token's public, non-secret ID, used to revoke it (DELETE {base}/{id}).
	ID string `json:"id"`
	// Name is the label given at creation, 1 to 100 characters.
	Name string `json:"name"`
	// Scopes are the token's scopes, fixed at creation.
	Scopes []string `json:"scopes"`
	// CreatedAt is when the token was issued.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the token expires: CreatedAt plus Config.PersonalTokenLifetime.
	ExpiresAt time.Time `json:"expires_at"`
	// Token is the secret, set only in the answer that creates the token.
	Token string `json:"token,omitempty"`
}

// ErrPersonalTokenNotFound is returned by [Server.RevokePersonalToken] when the account has
// no such token.
var ErrPersonalTokenNotFound = errors.New("flows: no such personal access token")

// CreatePersonalToken creates a personal access token for accountID with a name and fixed
// scopes (R-PAT-1). The scopes must be known and within the account's rights
// (administrator-only scopes need the administrator role); they cannot change later. The
// returned PersonalToken carries the secret, the only time it exists outside the caller.
// Errors are *Error values (invalid_request, invalid_scope) or storage failures.
func (s *Server) CreatePersonalToken(ctx context.Context, accountID, name string, want scopes.Set) (PersonalToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return PersonalToken{}, invalidRequest("name must be 1 to 100 characters")
	}
	if want.IsEmpty() {
		return PersonalToken{}, invalidScope("at least one scope is required")
	}
	if unknown := s.catalog.Unknown(want); len(unknown) > 0 {
		return PersonalToken{}, invalidScope("unknown scope %s", strings.Join(unknown, ","))
	}
	acct, err := s.store.Account(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return PersonalToken{}, invalidRequest("no such account")
	}
	if err != nil {
		return PersonalToken{}, unavailable(err)
	}
	if admin := s.catalog.AdminOnly(want); len(admin) > 0 && !acct.HasRole(s.cfg.AdminRole) {
		return PersonalToken{}, invalidScope("the scopes %s need an administrator", strings.Join(admin, ","))
	}
	now := s.now()
	live, err := s.store.AccountTokens(ctx, accountID, store.KindPersonal, now)
	if err != nil {
		return PersonalToken{}, unavailable(err)
	}
	if len(live) >= maxPersonalTokens {
		return PersonalToken{}, invalidRequest("the account already has %d personal access tokens; revoke one first", maxPersonalTokens)
	}
	secret, h := s.mint(markPersonal)
	t := store.Token{
		Hash: h, ID: secrets.ID(), Kind: store.KindPersonal, Name: name,
		AccountID: acct.ID, OrganizationID: acct.OrganizationID, Scopes: want.Names(),
		IssuedAt: now, ExpiresAt: now.Add(s.cfg.PersonalTokenLifetime),
	}
	if err := s.store.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{t}}); err != nil {
		return PersonalToken{}, unavailable(err)
	}
	pt := personalToken(t)
	pt.Token = secret
	return pt, nil
}

// PersonalTokens lists the live personal access tokens of accountID, oldest first, without
// their secrets.
func (s *Server) PersonalTokens(ctx context.Context, accountID string) ([]PersonalToken, error) {
	ts, err := s.store.AccountTokens(ctx, accountID, store.KindPersonal, s.now())
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]PersonalToken, len(ts))
	for i, t := range ts {
		out[i] = personalToken(t)
	}
	return out, nil
}

// RevokePersonalToken revokes the personal access token id of accountID. It returns
// ErrPersonalTokenNotFound when accountID has no such live token.
func (s *Server) RevokePersonalToken(ctx context.Context, accountID, id string) error {
	t, err := s.store.TokenByID(ctx, id, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrPersonalTokenNotFound
	case err != nil:
		return unavailable(err)
	case t.Kind != store.KindPersonal || t.AccountID != accountID:
		return ErrPersonalTokenNotFound
	}
	if err := s.store.RevokeToken(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return unavailable(err)
	}
	return nil
}

func personalToken(t store.Token) PersonalToken {
	return PersonalToken{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.IssuedAt, ExpiresAt: t.ExpiresAt}
}

// PersonalTokensHandler returns the JSON API for personal access tokens, mounted at
// Paths.PersonalTokens (default /v2/personal_access_tokens):
//
//	POST   {base}       body {"name": "...", "scopes": ["..."] or "a,b"} → 201 with the secret in "token"
//	GET    {base}       → 200 [{"id", "name", "scopes", "created_at", "expires_at"}, ...]
//	DELETE {base}/{id}  → 204
//
// Requests authenticate with the account's Bearer access token. A new token's scopes must be
// within the account's rights and also within the presenting access token's scopes (with
// implication), so an app holding a narrow token cannot mint a wider one.
func (s *Server) PersonalTokensHandler() http.Handler {
	base := strings.TrimSuffix(s.cfg.Paths.PersonalTokens, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, e := s.personalTokensAPI(w, r, base)
		if e != nil {
			s.writeJSONError(w, r, e)
			return
		}
		writeNoStore(w)
		if body == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	})
}

func (s *Server) personalTokensAPI(w http.ResponseWriter, r *http.Request, base string) (int, any, *Error) {
	id, hasID := strings.CutPrefix(r.URL.Path, base+"/")
	if r.URL.Path != base && (!hasID || id == "" || strings.Contains(id, "/")) {
		return 0, nil, oauthErr(ErrInvalidRequest, http.StatusNotFound, "no such resource")
	}
	allow := []string{http.MethodGet, http.MethodPost}
	if hasID {
		allow = []string{http.MethodDelete}
	}
	if !slices.Contains(allow, r.Method) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return 0, nil, oauthErr(ErrInvalidRequest, http.StatusMethodNotAllowed, "method not allowed")
	}
	caller, _, e := s.requireBearer(r, store.KindAccess)
	if e != nil {
		return 0, nil, e
	}
	if caller.AccountID == "" {
		return 0, nil, bearerError(http.StatusForbidden, "insufficient_scope", "the token does not belong to an account")
	}
	ctx := r.Context()
	switch r.Method {
	case http.MethodGet:
		list, err := s.PersonalTokens(ctx, caller.AccountID)
		if err != nil {
			return 0, nil, asError(err)
		}
		return http.StatusOK, list, nil
	case http.MethodDelete:
		err := s.RevokePersonalToken(ctx, caller.AccountID, id)
		if errors.Is(err, ErrPersonalTokenNotFound) {
			return 0, nil, oauthErr(ErrInvalidRequest, http.StatusNotFound, "no such personal access token")
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
		return 0, nil, invalidScope("the scopes are malformed")
	}
	for _, name := range want.Names() {
		if !s.catalog.Satisfies(scopes.New(caller.Scopes...), name) {
			return 0, nil, invalidScope("the access token used does not hold %s", name)
		}
	}
	pt, err := s.CreatePersonalToken(ctx, caller.AccountID, req.Name, want)
	if err != nil {
		return 0, nil, asError(err)
	}
	return http.StatusCreated, pt, nil
}

type personalTokenRequest struct {
	Name   string
	Scopes []string
}

// readPersonalTokenRequest reads {"name": ..., "scopes": [...] | "a,b"} strictly.
func readPersonalTokenRequest(w http.ResponseWriter, r *http.Request) (personalTokenRequest, *Error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return personalTokenRequest{}, invalidRequest("the body must be application/json")
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
		return personalTokenRequest{}, invalidRequest("a member of the body is included more than once")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return personalTokenRequest{}, invalidRequest("the body must be a JSON object with name and scopes")
	}
	if _, err := dec.Token(); err != io.EOF {
		return personalTokenRequest{}, invalidRequest("the body must be a single JSON object")
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
		return personalTokenRequest{}, invalidRequest("scopes must be a list of strings or a comma-separated string")
	}
	return req, nil
}
