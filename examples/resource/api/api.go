// Package api is the demo resource API of examples/resource, protected by package
// middleware: agent routes for chats and a customer route. It is an ordinary http.Handler
// so that examples/server can mount it under its own origin.
//
//	GET  /v3/agent/chats  agent tokens (access or personal) holding chats--my:ro
//	POST /v3/agent/chats  agent tokens holding chats--all:rw
//	GET  /v3/customer/me  customer tokens only
//
// Chats are kept per organization and account, so the agent routes refuse tokens that act
// for no account (client_credentials, middleware.KindClient) with middleware.AgentOnly.
package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Chat is one chat of the demo API.
type Chat struct {
	// ID is the chat's random UUID.
	ID string `json:"id"`
	// Title is the chat's title, 1 to 200 bytes.
	Title string `json:"title"`
	// OrganizationID is the organization of the token that created the chat; only that
	// organization's tokens see it.
	OrganizationID string `json:"organization_id"`
	// CreatedBy is the account ID of the creator.
	CreatedBy string `json:"created_by"`
	// CreatedAt is when the chat was created, in UTC.
	CreatedAt time.Time `json:"created_at"`
}

// maxChats bounds the chats kept per organization (the oldest go first).
const maxChats = 100

// New returns the API. authn authenticates every route; it must accept every kind the API
// serves (access, personal and customer tokens: middleware.Options.Kinds), since each route
// narrows the kinds itself. cat gives scope implications; nil applies only the built-in
// "x:rw" ⇒ "x:ro". It panics if cat does not declare the scopes the routes need.
func New(authn func(http.Handler) http.Handler, cat *scopes.Catalog) http.Handler {
	a := &api{cat: cat, chats: map[string][]Chat{}}
	mux := http.NewServeMux()
	mux.Handle("GET /v3/agent/chats",
		authn(middleware.AgentOnly(middleware.RequireScopes(cat, "chats--my:ro")(http.HandlerFunc(a.listChats)))))
	mux.Handle("POST /v3/agent/chats",
		authn(middleware.AgentOnly(middleware.RequireScopes(cat, "chats--all:rw")(http.HandlerFunc(a.createChat)))))
	mux.Handle("GET /v3/customer/me",
		authn(middleware.CustomerOnly(http.HandlerFunc(a.me))))
	return mux
}

type api struct {
	cat   *scopes.Catalog
	mu    sync.Mutex
	chats map[string][]Chat // by organization
}

// listChats lists the caller's chats, or every chat of the organization when the token
// holds chats--all:ro (or a scope implying it).
func (a *api) listChats(w http.ResponseWriter, r *http.Request) {
	tok, _ := middleware.TokenFromContext(r.Context())
	all := a.cat.Satisfies(tok.Scopes, "chats--all:ro")
	a.mu.Lock()
	out := []Chat{}
	for _, c := range a.chats[tok.OrganizationID] {
		if all || c.CreatedBy == tok.AccountID {
			out = append(out, c)
		}
	}
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"chats": out})
}

func (a *api) createChat(w http.ResponseWriter, r *http.Request) {
	tok, _ := middleware.TokenFromContext(r.Context())
	var in struct {
		Title string `json:"title"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" || len(in.Title) > 200 {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "invalid_request", "error_description": `send {"title": "…"} (1 to 200 bytes)`,
		})
		return
	}
	c := Chat{ID: credentials.NewID(), Title: in.Title, OrganizationID: tok.OrganizationID,
		CreatedBy: tok.AccountID, CreatedAt: time.Now().UTC()}
	a.mu.Lock()
	list := append(a.chats[tok.OrganizationID], c)
	if len(list) > maxChats {
		list = slices.Delete(list, 0, len(list)-maxChats)
	}
	a.chats[tok.OrganizationID] = list
	a.mu.Unlock()
	writeJSON(w, http.StatusCreated, c)
}

func (a *api) me(w http.ResponseWriter, r *http.Request) {
	tok, _ := middleware.TokenFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{
		"customer_id": tok.CustomerID, "organization_id": tok.OrganizationID, "client_id": tok.ClientID,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Catalog returns the demo scope catalog, the same as examples/server's config.json:
// chats--all:ro implies chats--my:ro, and each :rw implies its :ro.
func Catalog() *scopes.Catalog {
	c, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro", Description: "Read the chats you take part in"},
		{Name: "chats--all:ro", Description: "Read every chat of your organization"},
		{Name: "chats--all:rw", Description: "Read and write every chat of your organization"},
		{Name: "customers:own", Description: "Create customers and act on their behalf"},
		{Name: "agents--all:rw", Description: "Manage every agent of your organization", AdminOnly: true},
	}, []scopes.Implication{{From: "chats--all:ro", To: "chats--my:ro"}})
	if err != nil {
		panic(err) // a constant catalog
	}
	return c
}
