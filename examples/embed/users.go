package main

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/oauthkit/oauthkit/store/credentials"
)

// The application's own tables. It had them before it used oauthkit, and keeps them as they
// are: oauthkit's tables (all named oauthkit_…) go beside them in the same database.
const schema = `
CREATE TABLE IF NOT EXISTS users (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	org_id        TEXT NOT NULL,
	roles         TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS notes (
	id      INTEGER PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id),
	text    TEXT NOT NULL
);`

// user is a row of the users table. Roles are stored space-separated.
type user struct {
	ID, Email, PasswordHash, OrgID string
	Roles                          []string
}

// errNoUser is the error of the user lookups when no row matches.
var errNoUser = errors.New("no such user")

// userByID returns the user with id, or errNoUser.
func (a *App) userByID(ctx context.Context, id string) (user, error) {
	return a.userWhere(ctx, "id", id)
}

// userByEmail returns the user whose email is email (stored lowercased), or errNoUser.
func (a *App) userByEmail(ctx context.Context, email string) (user, error) {
	return a.userWhere(ctx, "email", email)
}

func (a *App) userWhere(ctx context.Context, column, value string) (user, error) {
	var u user
	var roles string
	err := a.db.QueryRowContext(ctx, "SELECT id, email, password_hash, org_id, roles FROM users WHERE "+column+" = ?", value).
		Scan(&u.ID, &u.Email, &u.PasswordHash, &u.OrgID, &roles)
	if errors.Is(err, sql.ErrNoRows) {
		return user{}, errNoUser
	}
	u.Roles = strings.Fields(roles)
	return u, err
}

// addUser creates a user with a new id, unless one with email exists already; either way it
// returns the user with that email.
func (a *App) addUser(ctx context.Context, email, password, org string, roles ...string) (user, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if u, err := a.userByEmail(ctx, email); !errors.Is(err, errNoUser) {
		return u, err
	}
	hash, err := credentials.HashPassword(password)
	if err != nil {
		return user{}, err
	}
	u := user{ID: credentials.NewID(), Email: email, PasswordHash: hash, OrgID: org, Roles: roles}
	_, err = a.db.ExecContext(ctx, "INSERT INTO users (id, email, password_hash, org_id, roles) VALUES (?, ?, ?, ?, ?)",
		u.ID, u.Email, u.PasswordHash, u.OrgID, strings.Join(roles, " "))
	return u, err
}

// addNote adds a note of userID.
func (a *App) addNote(ctx context.Context, userID, text string) error {
	_, err := a.db.ExecContext(ctx, "INSERT INTO notes (user_id, text) VALUES (?, ?)", userID, text)
	return err
}

// notesOf returns the notes of userID, oldest first.
func (a *App) notesOf(ctx context.Context, userID string) ([]string, error) {
	rows, err := a.db.QueryContext(ctx, "SELECT text FROM notes WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	notes := []string{}
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return nil, err
		}
		notes = append(notes, text)
	}
	return notes, rows.Err()
}
