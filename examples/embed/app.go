package main

import (
	"context"
	"database/sql"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	_ "modernc.org/sqlite" // the application's SQLite driver, registered as "sqlite"

	"github.com/oauthkit/oauthkit/store/credentials"
)

// App is the application as it was before it used oauthkit: Notes, a site with a users
// table, notes, a sign-in form and a signed session cookie of its own, on one SQLite
// database. Only oauth.go knows oauthkit.
type App struct {
	db       *sql.DB
	sessions sessions
	baseURL  string // the site's origin, e.g. http://127.0.0.1:8080
	now      func() time.Time
}

// openApp opens (or creates) the application's database at path (":memory:" for one that
// lives as long as the process) and makes its tables. sessionKey signs its cookies.
func openApp(ctx context.Context, path, baseURL string, sessionKey []byte) (*App, error) {
	// One connection, with a busy timeout and IMMEDIATE transactions: what sqlstore.New
	// asks of a SQLite pool that it shares with the application.
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
	if path != ":memory:" {
		dsn += "&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, err
	}
	return &App{
		db:       db,
		sessions: sessions{key: sessionKey, ttl: 12 * time.Hour, secure: strings.HasPrefix(baseURL, "https:")},
		baseURL:  baseURL,
		now:      time.Now,
	}, nil
}

// close closes the database.
func (a *App) close() error { return a.db.Close() }

// routes registers the application's pages on r. Its forms are protected from cross-site
// posts by net/http's CrossOriginProtection.
func (a *App) routes(r chi.Router) {
	forms := http.NewCrossOriginProtection().Handler
	r.Get("/", a.home)
	r.Get("/signin", a.signinPage)
	r.With(forms).Post("/signin", a.signin)
	r.With(forms).Post("/signout", a.signout)
}

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Notes</title>{{end}}
{{define "home"}}{{template "head"}}<h1>Notes</h1>
{{if .}}<p>Signed in as <strong>{{.Email}}</strong> ({{.OrgID}}).</p>
<form method="post" action="/signout"><button>Sign out</button></form>
{{else}}<p><a href="/signin">Sign in</a></p>{{end}}
<p><a href="/demo">Let the demo client read your notes</a> (through OAuth).</p>{{end}}
{{define "signin"}}{{template "head"}}<h1>Sign in to Notes</h1>
{{if .Failed}}<p role="alert">Wrong email or password.</p>{{end}}
<form method="post" action="/signin">
<input type="hidden" name="next" value="{{.Next}}">
<p><label>Email <input name="email" type="email" value="{{.Email}}" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button>Sign in</button></p>
</form>{{end}}`))

// signinData is what the sign-in page shows.
type signinData struct {
	Next, Email string
	Failed      bool
}

// currentUser returns the user signed in on r; ok is false when nobody is, or when the
// user no longer exists.
func (a *App) currentUser(r *http.Request) (u user, ok bool, err error) {
	id, ok := a.sessions.userID(r, a.now())
	if !ok {
		return user{}, false, nil
	}
	u, err = a.userByID(r.Context(), id)
	if errors.Is(err, errNoUser) {
		return user{}, false, nil
	}
	return u, err == nil, err
}

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	u, ok, err := a.currentUser(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	var data *user
	if ok {
		data = &u
	}
	a.render(w, http.StatusOK, "home", data)
}

func (a *App) signinPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, "signin", signinData{Next: localPath(r.URL.Query().Get("next"))})
}

// signin checks the form's email and password against the users table, starts the session
// and sends the person on to the form's next: a local path (where oauthkit asked to come
// back to, say), never another site.
func (a *App) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	next := localPath(r.PostFormValue("next"))
	u, err := a.userByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, errNoUser) {
		a.fail(w, err)
		return
	}
	if ok, _ := credentials.VerifyPassword(r.PostFormValue("password"), u.PasswordHash); err != nil || !ok {
		a.render(w, http.StatusUnauthorized, "signin", signinData{Next: next, Email: email, Failed: true})
		return
	}
	a.sessions.start(w, u.ID, a.now())
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *App) signout(w http.ResponseWriter, r *http.Request) {
	a.sessions.end(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// localPath returns next when it is a path on this site, such as "/oauth/?client_id=…",
// and "/" otherwise: not a URL of another site ("https://…", "//host/…", "/\host"), and
// not empty.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func (a *App) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		slog.Error("rendering a page", "page", name, "err", err)
	}
}

// fail answers 500 and logs err.
func (a *App) fail(w http.ResponseWriter, err error) {
	slog.Error("notes", "err", err)
	http.Error(w, "something went wrong", http.StatusInternalServerError)
}
