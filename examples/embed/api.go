package main

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/middleware"
)

// The application's JSON API. oauth.go mounts it under /api behind oauthkit's middleware,
// which has checked the access token and its scopes before these handlers run; they find
// the person the token acts for in the request's context.

// me answers GET /api/me: the caller's profile.
func (a *App) me(w http.ResponseWriter, r *http.Request) {
	tok, _ := middleware.TokenFromContext(r.Context())
	u, err := a.userByID(r.Context(), tok.AccountID)
	if errors.Is(err, errNoUser) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "the user is gone"})
		return
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "email": u.Email, "org_id": u.OrgID, "roles": u.Roles})
}

// notes answers GET /api/notes: the caller's notes.
func (a *App) notes(w http.ResponseWriter, r *http.Request) {
	tok, _ := middleware.TokenFromContext(r.Context())
	notes, err := a.notesOf(r.Context(), tok.AccountID)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": notes})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
