package console

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
)

// The pages of apps: the list, the registration form, an app, and the confirmations of
// rotation and deletion.

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := c.session(w, r, "Developer console", ""); ok {
		http.Redirect(w, r, c.link("/apps"), http.StatusFound)
	}
}

// appRow is one app of the "console_apps" list.
type appRow struct {
	Name, ID, Kind, Link string
	Private              bool
}

// appsPageData is what "console_apps" receives.
type appsPageData struct {
	base
	Apps []appRow
}

func (c *Console) appsPage(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Your apps", "apps")
	if !ok {
		return
	}
	apps, err := c.Apps(r.Context(), acct)
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	b.Notice = notice(r)
	d := appsPageData{base: b}
	for _, a := range apps {
		d.Apps = append(d.Apps, appRow{Name: a.Name, ID: a.ID, Kind: kind(a), Private: a.Private(), Link: c.link("/apps/" + pathSeg(a.ID))})
	}
	c.render(w, r, http.StatusOK, "console_apps", d)
}

func kind(a App) string {
	if a.Public {
		return "Public"
	}
	return "Confidential"
}

// scopeOption is one checkbox of a scope list.
type scopeOption struct {
	// ID is the checkbox's id attribute.
	ID, Name, Description string
	AdminOnly, Checked    bool
}

// scopeOptions are the checkboxes of list, those of checked ticked.
func scopeOptions(prefix string, list []scopes.Scope, checked []string) []scopeOption {
	out := make([]scopeOption, len(list))
	for i, sc := range list {
		out[i] = scopeOption{
			ID: prefix + "-" + strconv.Itoa(i+1), Name: sc.Name, Description: sc.Description, AdminOnly: sc.AdminOnly,
		}
		for _, n := range checked {
			out[i].Checked = out[i].Checked || n == sc.Name
		}
	}
	return out
}

// newAppPageData is what "console_new_app" receives: the form's values and, after a
// refused submission, the message of each field (Errors, by field name).
type newAppPageData struct {
	base
	Action                 string
	Name, RedirectURIs     string
	Public, Private        bool
	Implicit, CanBePrivate bool
	Scopes                 []scopeOption
	Errors                 map[string]string
	Summary                []problemLink
}

// problemLink is one line of a form's error summary: the message, linking to its field.
type problemLink struct{ Anchor, Message string }

// summary lists the field problems of e in the form's order, each linking to its field.
func summary(e *ValidationError) []problemLink {
	var out []problemLink
	for _, f := range e.Fields {
		if f.Field != "" {
			out = append(out, problemLink{Anchor: "f-" + f.Field, Message: f.Message})
		}
	}
	return out
}

// appScopes are the scopes an app may be given: the catalog's but the personal tokens
// scope.
func (c *Console) appScopes() []scopes.Scope {
	var out []scopes.Scope
	for _, sc := range c.catalog.Scopes() {
		if sc.Name != flows.PersonalTokensScope {
			out = append(out, sc)
		}
	}
	return out
}

func (c *Console) newAppPage(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Register an app", "apps")
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "console_new_app", newAppPageData{
		base: b, Action: c.link("/apps"), CanBePrivate: c.isAdmin(acct), Scopes: scopeOptions("scope", c.appScopes(), nil),
	})
}

func (c *Console) createAppPost(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Register an app", "apps")
	if !ok {
		return
	}
	f, ok := c.readForm(w, r, b)
	if !ok {
		return
	}
	spec := AppSpec{
		Name:          f.Get("name"),
		RedirectURIs:  SplitRedirectURIs(f.Get("redirect_uris")),
		Scopes:        f["scopes"],
		Public:        f.Get("type") == "public",
		Private:       f.Get("private") == "on",
		AllowImplicit: f.Get("implicit") == "on",
	}
	app, secret, err := c.CreateApp(r.Context(), acct, spec)
	var invalid *ValidationError
	if errors.As(err, &invalid) {
		d := newAppPageData{
			base: b, Action: c.link("/apps"), CanBePrivate: c.isAdmin(acct),
			Name: f.Get("name"), RedirectURIs: f.Get("redirect_uris"),
			Public: spec.Public, Private: spec.Private, Implicit: spec.AllowImplicit,
			Scopes: scopeOptions("scope", c.appScopes(), spec.Scopes), Errors: fieldErrors(invalid),
			Summary: summary(invalid),
		}
		d.Error = invalid.Message("")
		c.render(w, r, http.StatusUnprocessableEntity, "console_new_app", d)
		return
	}
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	c.setFlash(w, acct, flashAppCreated, app.ID, secret)
	c.seeOther(w, r, "/apps/"+pathSeg(app.ID))
}

// fieldErrors are the messages of e by field, for a form's template.
func fieldErrors(e *ValidationError) map[string]string {
	m := map[string]string{}
	for _, f := range e.Fields {
		if f.Field != "" && m[f.Field] == "" {
			m[f.Field] = f.Message
		}
	}
	return m
}

// appPageData is what "console_app" receives. Secret is set once: on the page that
// follows the app's registration (Created) or the rotation of its secret (Rotated).
type appPageData struct {
	base
	App                          App
	Kind, Created, Updated       string
	CreatedISO                   string
	PreviousSecretExpires        string
	Scopes                       []scopes.Scope
	Secret                       string
	JustCreated, JustRotated     bool
	RotateLink, DeleteLink, List string
}

func (c *Console) appPage(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "App", "apps")
	if !ok {
		return
	}
	app, err := c.App(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	b.Title = app.Name
	d := appPageData{
		base: b, App: app, Kind: kind(app), Created: when(app.CreatedAt), Updated: when(app.UpdatedAt),
		CreatedISO: machineTime(app.CreatedAt), PreviousSecretExpires: when(app.PreviousSecretExpiresAt),
		Scopes:     c.describe(app.Scopes),
		RotateLink: c.link("/apps/" + pathSeg(app.ID) + "/rotate"), DeleteLink: c.link("/apps/" + pathSeg(app.ID) + "/delete"),
		List: c.link("/apps"),
	}
	if f, ok := c.takeFlash(w, r, acct, flashAppCreated, app.ID); ok {
		d.JustCreated, d.Secret = true, f.Secret
		d.Notice = "The app was registered."
	} else if f, ok := c.takeFlash(w, r, acct, flashAppRotated, app.ID); ok {
		d.JustRotated, d.Secret = true, f.Secret
		d.Notice = "The app has a new secret."
	}
	c.render(w, r, http.StatusOK, "console_app", d)
}

// describe returns names with their catalog descriptions, in the catalog's order (names it
// does not declare last, described by their name).
func (c *Console) describe(names []string) []scopes.Scope {
	set := scopes.New(names...)
	var out []scopes.Scope
	for _, sc := range c.catalog.Scopes() {
		if set.Has(sc.Name) {
			out = append(out, sc)
			set = set.Minus(scopes.New(sc.Name))
		}
	}
	for _, n := range set.Names() {
		out = append(out, scopes.Scope{Name: n, Description: n})
	}
	return out
}

// confirmPageData is what "console_confirm" receives: a question before a destructive
// action, with the form that does it and a way back.
type confirmPageData struct {
	base
	// Consequences are what doing it means, one per paragraph; the question is the
	// page's Title.
	Consequences []string
	// Action is where the form posts; Button, its label; Cancel, the way back.
	Action, Button, Cancel string
}

func (c *Console) rotateConfirm(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Rotate the secret", "apps")
	if !ok {
		return
	}
	app, err := c.App(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	self := c.link("/apps/" + pathSeg(app.ID))
	if app.Public {
		b.Error = "A public app has no secret to rotate."
		c.errorPage(w, r, b, http.StatusConflict, "A public app has no secret to rotate.")
		return
	}
	b.Title = "Give " + app.Name + " a new secret?"
	d := confirmPageData{
		base:   b,
		Action: self + "/rotate", Button: "Rotate the secret", Cancel: self,
		Consequences: []string{"The new secret is shown once, on the next page. Copy it then."},
	}
	if c.cfg.SecretOverlap > 0 {
		d.Consequences = append(d.Consequences, "The current secret keeps working for "+overlapText(c.cfg.SecretOverlap)+
			", so that you can move the app's deployments to the new one; then it stops.")
	} else {
		d.Consequences = append(d.Consequences, "The current secret stops working at once: the app cannot get tokens until it uses the new one.")
	}
	c.render(w, r, http.StatusOK, "console_confirm", d)
}

func (c *Console) rotatePost(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Rotate the secret", "apps")
	if !ok {
		return
	}
	if _, ok := c.readForm(w, r, b); !ok {
		return
	}
	app, secret, err := c.RotateSecret(r.Context(), acct, r.PathValue("id"))
	var invalid *ValidationError
	if errors.As(err, &invalid) {
		c.errorPage(w, r, b, http.StatusConflict, invalid.Message(""))
		return
	}
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	c.setFlash(w, acct, flashAppRotated, app.ID, secret)
	c.seeOther(w, r, "/apps/"+pathSeg(app.ID))
}

func (c *Console) deleteConfirm(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Delete the app", "apps")
	if !ok {
		return
	}
	app, err := c.App(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	self := c.link("/apps/" + pathSeg(app.ID))
	b.Title = "Delete " + app.Name + "?"
	c.render(w, r, http.StatusOK, "console_confirm", confirmPageData{
		base: b,
		Consequences: []string{
			"Every token issued to the app, for every account, is revoked at once, and the app can no longer sign anyone in.",
			"This cannot be undone: a new app gets a new client ID.",
		},
		Action: self + "/delete", Button: "Delete the app", Cancel: self,
	})
}

func (c *Console) deletePost(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Delete the app", "apps")
	if !ok {
		return
	}
	if _, ok := c.readForm(w, r, b); !ok {
		return
	}
	if err := c.DeleteApp(r.Context(), acct, r.PathValue("id")); err != nil {
		c.fail(w, r, b, err)
		return
	}
	c.seeOther(w, r, "/apps?notice=deleted")
}

// overlapText says a duration in words: "1 day", "2 hours", "90 minutes".
func overlapText(d time.Duration) string {
	unit, n := "second", int64(d/time.Second)
	switch {
	case d%(24*time.Hour) == 0:
		unit, n = "day", int64(d/(24*time.Hour))
	case d%time.Hour == 0:
		unit, n = "hour", int64(d/time.Hour)
	case d%time.Minute == 0:
		unit, n = "minute", int64(d/time.Minute)
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.FormatInt(n, 10) + " " + unit
}
