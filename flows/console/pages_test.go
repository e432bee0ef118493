package console_test

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows/console"
)

// The pages over plain HTTP, with the application's own Authenticator (and, in
// TestPagesBuiltInSignIn, the built-in sign-in): what a browser without JavaScript gets.

// wantPageHeaders checks the headers every console page sends.
func wantPageHeaders(t *testing.T, p page) {
	t.Helper()
	csp := p.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", p.Request.URL.Path, csp, d)
		}
	}
	if strings.Contains(csp, "script-src") {
		t.Errorf("%s: the CSP allows scripts: %q", p.Request.URL.Path, csp)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := p.Header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", p.Request.URL.Path, h, got, want)
		}
	}
	if p.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("%s: a CORS header", p.Request.URL.Path)
	}
	if strings.Contains(strings.ToLower(p.body), "<script") {
		t.Errorf("%s: the page has a script", p.Request.URL.Path)
	}
}

// wantLabelled checks that every visible form control of p has a label naming it.
func wantLabelled(t *testing.T, p page) {
	t.Helper()
	for _, m := range regexp.MustCompile(`<(input|textarea)\b[^>]*>`).FindAllString(p.body, -1) {
		if strings.Contains(m, `type="hidden"`) {
			continue
		}
		id := regexp.MustCompile(`\bid="([^"]+)"`).FindStringSubmatch(m)
		if id == nil || !strings.Contains(p.body, `for="`+id[1]+`"`) {
			t.Errorf("%s: a control without a label: %s", p.Request.URL.Path, m)
		}
	}
	for _, landmark := range []string{"<main", "<header", `<nav aria-label="Console"`, `href="#content"`} {
		if !strings.Contains(p.body, landmark) {
			t.Errorf("%s: no %s", p.Request.URL.Path, landmark)
		}
	}
}

func TestPagesNeedSignIn(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	c := e.client().noFollow()
	for _, path := range []string{"/console", "/console/apps", "/console/apps/new", "/console/tokens", "/console/connected", "/console/organization"} {
		p := c.get(path)
		want := "/app/login?" + url.Values{"return_to": {path}}.Encode()
		if p.StatusCode != http.StatusFound || p.Header.Get("Location") != want {
			t.Errorf("GET %s signed out: %d to %q, want 302 to %q", path, p.StatusCode, p.Header.Get("Location"), want)
		}
	}
	p := c.post(page{}, "/console/apps", url.Values{"name": {"x"}})
	if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/app/login?") {
		t.Errorf("POST signed out: %d to %q, want 303 to the sign-in", p.StatusCode, p.Header.Get("Location"))
	}
	c.signInAs(muteID)
	if p := c.get("/console/apps"); p.StatusCode != http.StatusForbidden {
		t.Errorf("an account without a sign-in role: %d", p.StatusCode)
	}
}

// TestPagesAppLifecycle: register an app (a refused form first), see its secret once,
// rotate it, delete it.
func TestPagesAppLifecycle(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	c := e.client()
	c.signInAs(aliceID)
	nf := c.noFollow()

	list := c.get("/console")
	if list.Request.URL.Path != "/console/apps" || !strings.Contains(list.body, "You have no apps yet") {
		t.Fatalf("/console led to %s:\n%s", list.Request.URL.Path, list.body)
	}
	wantPageHeaders(t, list)
	form := c.get("/console/apps/new")
	wantPageHeaders(t, form)
	wantLabelled(t, form)
	if strings.Contains(form.body, `name="private"`) {
		t.Error("an agent is offered a private app")
	}
	if strings.Contains(form.body, `value="personal_tokens:manage"`) {
		t.Error("the form offers the personal tokens scope")
	}

	bad := nf.post(form, "", url.Values{"name": {""}, "redirect_uris": {"https://app.example/cb?x=1"}, "type": {"confidential"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a refused form: %d", bad.StatusCode)
	}
	wantPageHeaders(t, bad)
	wantLabelled(t, bad)
	for _, field := range []string{"name", "redirect_uris", "scopes"} {
		if !strings.Contains(bad.body, `id="f-`+field+`-error"`) || !strings.Contains(bad.body, `href="#f-`+field+`"`) {
			t.Errorf("no message beside (and summary link to) %s", field)
		}
	}
	if !regexp.MustCompile(`id="f-name"[^>]*aria-describedby="f-name-hint f-name-error"[^>]*aria-invalid="true"`).MatchString(bad.body) {
		t.Error("the name field is not marked invalid and described by its message")
	}
	if !strings.Contains(bad.body, ">https://app.example/cb?x=1</textarea>") {
		t.Error("the redirect URIs typed are not kept")
	}

	created := nf.post(form, "", url.Values{"name": {"My App"}, "redirect_uris": {"HTTPS://App.Example/cb\r\nhttp://127.0.0.1:9/cb"},
		"type": {"confidential"}, "scopes": {"chats--my:ro", "chats--all:rw"}})
	loc := created.Header.Get("Location")
	if created.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/apps/") {
		t.Fatalf("registering: %d to %q:\n%s", created.StatusCode, loc, created.body)
	}
	for _, ck := range created.Cookies() {
		if ck.Name == "oauthkit_console_secret" && (!ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge <= 0 || ck.MaxAge > 300) {
			t.Errorf("the secret's cookie: %+v", ck)
		}
	}
	id := strings.TrimPrefix(loc, "/console/apps/")
	app := c.get(loc)
	wantPageHeaders(t, app)
	wantLabelled(t, app)
	secret := inputValue(app, "client-secret")
	if secret == "" || strings.Contains(loc, secret) {
		t.Fatalf("no secret on the app's page:\n%s", app.body)
	}
	if !e.clientAuthenticates(id, secret) {
		t.Fatal("the secret shown does not authenticate the app")
	}
	if !strings.Contains(app.body, "<code>https://app.example/cb</code>") || !strings.Contains(app.body, "Read and write all chats") {
		t.Error("the app's page does not show its normalised redirect URI and described scopes")
	}
	if again := c.get(loc); strings.Contains(again.body, secret) || strings.Contains(again.body, `id="client-secret"`) {
		t.Error("the secret is shown a second time")
	}
	if l := c.get("/console/apps"); !strings.Contains(l.body, "My App") || !strings.Contains(l.body, id) {
		t.Error("the list does not show the app")
	}

	confirm := c.get(loc + "/rotate")
	wantPageHeaders(t, confirm)
	if !strings.Contains(confirm.body, `action="`+loc+`/rotate"`) || !strings.Contains(confirm.body, `href="`+loc+`">Cancel`) {
		t.Fatalf("the rotation's confirmation page:\n%s", confirm.body)
	}
	if !e.clientAuthenticates(id, secret) {
		t.Fatal("showing the confirmation page rotated the secret")
	}
	rotated := nf.post(confirm, "", nil)
	if rotated.StatusCode != http.StatusSeeOther || rotated.Header.Get("Location") != loc {
		t.Fatalf("rotating: %d to %q", rotated.StatusCode, rotated.Header.Get("Location"))
	}
	newSecret := inputValue(c.get(loc), "client-secret")
	if newSecret == "" || newSecret == secret || !e.clientAuthenticates(id, newSecret) || e.clientAuthenticates(id, secret) {
		t.Fatal("after the rotation only the new secret, shown once, must work")
	}

	del := c.get(loc + "/delete")
	if !strings.Contains(del.body, "revoked") {
		t.Errorf("the deletion's confirmation does not say what it does:\n%s", del.body)
	}
	gone := nf.post(del, "", nil)
	if gone.StatusCode != http.StatusSeeOther || gone.Header.Get("Location") != "/console/apps?notice=deleted" {
		t.Fatalf("deleting: %d to %q", gone.StatusCode, gone.Header.Get("Location"))
	}
	if l := c.get("/console/apps?notice=deleted"); !strings.Contains(l.body, `role="status">The app was deleted`) || strings.Contains(l.body, "My App") {
		t.Error("the list after the deletion")
	}
	if e.clientAuthenticates(id, newSecret) {
		t.Error("the deleted app still authenticates")
	}
	if p := c.get("/console/apps?notice=%3Cb%3Ehi"); strings.Contains(p.body, "<b>hi") || strings.Contains(p.body, `role="status"`) {
		t.Error("a notice parameter put its own text on the page")
	}
}

// TestPagesCSRF: a form without the CSRF token, or posted from another site, changes
// nothing.
func TestPagesCSRF(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, options{ownAuth: true})
	app, _ := createApp(t, e, aliceID, webApp)
	c := e.client()
	c.signInAs(aliceID)
	fields := url.Values{"name": {"x"}, "redirect_uris": {"https://a.example/cb"}, "scopes": {"chats--my:ro"}}
	if p := c.post(page{}, "/console/apps", fields); p.StatusCode != http.StatusForbidden {
		t.Errorf("a form without the token: %d", p.StatusCode)
	}
	form := c.get("/console/apps/new")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]*)"`).FindStringSubmatch(form.body)
	fields.Set("csrf_token", m[1])
	for _, site := range []string{"cross-site", "same-site"} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/apps/"+app.ID+"/delete", strings.NewReader(fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		if p := c.do(req); p.StatusCode != http.StatusForbidden {
			t.Errorf("a %s form: %d", site, p.StatusCode)
		}
	}
	if apps, _ := e.console.Apps(ctx, e.acct(aliceID)); len(apps) != 1 {
		t.Errorf("forged forms changed the apps: %d", len(apps))
	}
	req, _ := http.NewRequest(http.MethodDelete, e.srv.URL+"/console/apps", nil)
	if p := c.do(req); p.StatusCode != http.StatusMethodNotAllowed || p.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("DELETE /console/apps: %d", p.StatusCode)
	}
}

// TestPagesNotYours: another person's app is not found, for every page and form.
func TestPagesNotYours(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	app, secret := createApp(t, e, aliceID, webApp)
	c := e.client()
	c.signInAs(bobID)
	form := c.get("/console/apps/new") // for a CSRF token
	base := "/console/apps/" + app.ID
	for _, path := range []string{base, base + "/rotate", base + "/delete"} {
		if p := c.get(path); p.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s as bob: %d", path, p.StatusCode)
		} else {
			wantPageHeaders(t, p)
		}
	}
	for _, path := range []string{base + "/rotate", base + "/delete"} {
		if p := c.post(form, path, nil); p.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s as bob: %d", path, p.StatusCode)
		}
	}
	if !e.clientAuthenticates(app.ID, secret) {
		t.Error("bob's forms changed alice's app")
	}
	if p := c.get("/console/organization"); p.StatusCode != http.StatusForbidden {
		t.Errorf("an agent's organization page: %d", p.StatusCode)
	}
}

// TestPagesTokens: a personal access token made on the page is shown once, works with
// Basic, and is revoked after a confirmation.
func TestPagesTokens(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	c := e.client()
	c.signInAs(aliceID)
	nf := c.noFollow()
	tokens := c.get("/console/tokens")
	wantPageHeaders(t, tokens)
	wantLabelled(t, tokens)
	if strings.Contains(tokens.body, `value="agents--all:rw"`) || strings.Contains(tokens.body, `value="personal_tokens:manage"`) {
		t.Error("an agent is offered an administrator's scope or the personal tokens scope")
	}
	bad := nf.post(tokens, "", url.Values{"name": {"ci"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="f-scopes-error"`) {
		t.Fatalf("a token without scopes: %d", bad.StatusCode)
	}
	made := nf.post(tokens, "", url.Values{"name": {"deploy script"}, "scopes": {"chats--my:ro"}})
	if made.StatusCode != http.StatusSeeOther || made.Header.Get("Location") != "/console/tokens" {
		t.Fatalf("creating: %d to %q", made.StatusCode, made.Header.Get("Location"))
	}
	shown := c.get("/console/tokens")
	pat := inputValue(shown, "pat-secret")
	if pat == "" || !strings.Contains(shown.body, `<code id="account-id">`+aliceID+`</code>`) {
		t.Fatalf("the new token is not shown with its Basic user name:\n%s", shown.body)
	}
	if e.apiBasic(aliceID, pat) != http.StatusOK {
		t.Fatal("the token shown does not work with Basic")
	}
	again := c.get("/console/tokens")
	if strings.Contains(again.body, pat) || !strings.Contains(again.body, "deploy script") || !strings.Contains(again.body, "Read your chats") {
		t.Fatal("the list shows the secret again, or not the token")
	}
	link := regexp.MustCompile(`href="(/console/tokens/[^"]+/revoke)"`).FindStringSubmatch(again.body)
	if link == nil {
		t.Fatal("no revoke link")
	}
	confirm := c.get(link[1])
	if e.apiBasic(aliceID, pat) != http.StatusOK {
		t.Fatal("the confirmation page revoked the token")
	}
	if p := nf.post(confirm, "", nil); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/console/tokens?notice=revoked" {
		t.Fatalf("revoking: %d to %q", p.StatusCode, p.Header.Get("Location"))
	}
	if e.apiBasic(aliceID, pat) != http.StatusUnauthorized {
		t.Error("the revoked token still works")
	}
}

// TestPagesConnected: the person's connected apps and the administrator's view, with
// "Remove access" behind a confirmation.
func TestPagesConnected(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	app, secret := createApp(t, e, bobID, webApp)
	tok := issueCode(t, e, app, secret, aliceID)
	c := e.client()
	c.signInAs(aliceID)
	list := c.get("/console/connected")
	wantPageHeaders(t, list)
	remove := "/console/accounts/" + aliceID + "/connected/" + app.ID + "/remove"
	if !strings.Contains(list.body, "Web app") || !strings.Contains(list.body, `href="`+remove+`"`) {
		t.Fatalf("the connected apps page:\n%s", list.body)
	}
	admin := e.client()
	admin.signInAs(rootID)
	org := admin.get("/console/organization")
	if org.StatusCode != http.StatusOK || !strings.Contains(org.body, "alice@example.com") || !strings.Contains(org.body, `href="`+remove+`"`) {
		t.Fatalf("the organization page:\n%s", org.body)
	}
	if strings.Contains(org.body, "bob@example.com") {
		t.Error("the organization page shows another organization's account")
	}
	confirm := c.get(remove)
	if !strings.Contains(confirm.body, "Remove the access of Web app to your account?") {
		t.Fatalf("the removal's confirmation page:\n%s", confirm.body)
	}
	if e.info(tok) != http.StatusOK {
		t.Fatal("the confirmation page removed access")
	}
	done := c.noFollow().post(confirm, "", nil)
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/console/connected?notice=removed" {
		t.Fatalf("removing: %d to %q", done.StatusCode, done.Header.Get("Location"))
	}
	if e.info(tok) != http.StatusUnauthorized {
		t.Error("the token works after its access was removed")
	}
	if l := c.get("/console/connected?notice=removed"); strings.Contains(l.body, "Web app") || !strings.Contains(l.body, "Access was removed") {
		t.Error("the list after the removal")
	}
	if p := e.client(); true {
		p.signInAs(carolID)
		if r := p.get(remove); r.StatusCode != http.StatusNotFound {
			t.Errorf("another organization's administrator: %d", r.StatusCode)
		}
	}
}

// TestPagesBuiltInSignIn: with the built-in sign-in, a signed-out person is sent to its
// page and back to the console.
func TestPagesBuiltInSignIn(t *testing.T) {
	e := newEnv(t, options{})
	c := e.client()
	login := c.get("/console/tokens")
	if !strings.Contains(login.body, `name="password"`) {
		t.Fatalf("not the sign-in page: %s\n%s", login.Request.URL, login.body)
	}
	back := c.post(login, "", url.Values{"email": {"alice@example.com"}, "password": {alicePW}})
	if back.Request.URL.Path != "/console/tokens" || !strings.Contains(back.body, "Signed in as <strong>alice@example.com</strong>") {
		t.Fatalf("after signing in: %s\n%s", back.Request.URL, back.body)
	}
}

// TestTemplatesOverride: Config.Templates replaces the pages, and must define each.
func TestTemplatesOverride(t *testing.T) {
	e := newEnv(t, options{ownAuth: true})
	_, err := console.New(console.Config{Server: e.flows, Storage: e.store, Templates: template.Must(template.New("x").Parse(`{{define "console_apps"}}x{{end}}`))})
	if err == nil || !strings.Contains(err.Error(), "console_app") {
		t.Errorf("templates missing pages: %v", err)
	}
	var defs strings.Builder
	for _, name := range []string{"console_apps", "console_app", "console_new_app", "console_tokens", "console_connected", "console_organization", "console_confirm", "console_error"} {
		defs.WriteString(`{{define "` + name + `"}}page ` + name + ` for {{.Account}}{{end}}`)
	}
	con, err := console.New(console.Config{Server: e.flows, Storage: e.store, Path: "/dev", Templates: template.Must(template.New("").Parse(defs.String()))})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler.(*http.ServeMux).Handle("/dev/", con.Handler())
	c := e.client()
	c.signInAs(aliceID)
	if p := c.get("/dev/tokens"); p.body != "page console_tokens for alice@example.com" {
		t.Errorf("the overridden page: %q", p.body)
	}
}
