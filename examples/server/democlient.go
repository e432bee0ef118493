package main

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
)

// demoClient is a real OAuth client (golang.org/x/oauth2) for the demo: it sends the browser
// to the authorization server with state and PKCE, receives the code at its callback,
// exchanges it, and shows the tokens. It plays the app "demo-server-app".
type demoClient struct {
	conf *oauth2.Config
	// curl is the token-exchange command shown when a code arrives that this client did
	// not ask for (someone followed the printed authorization URL by hand).
	curl string

	mu      sync.Mutex
	pending map[string]string // state → PKCE verifier
}

func newDemoClient(conf *oauth2.Config, curl string) *demoClient {
	return &demoClient{conf: conf, curl: curl, pending: map[string]string{}}
}

func (d *demoClient) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.start)
	mux.HandleFunc("GET /callback", d.callback)
	return mux
}

func (d *demoClient) start(w http.ResponseWriter, r *http.Request) {
	state := rand.Text()
	verifier := oauth2.GenerateVerifier()
	d.mu.Lock()
	if len(d.pending) > 1000 { // a demo: forget abandoned attempts rather than grow forever
		clear(d.pending)
	}
	d.pending[state] = verifier
	d.mu.Unlock()
	http.Redirect(w, r, d.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (d *demoClient) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := map[string]any{"Curl": d.curl}
	state := q.Get("state")
	d.mu.Lock()
	verifier, ours := d.pending[state]
	delete(d.pending, state)
	d.mu.Unlock()
	switch {
	case q.Get("error") != "":
		data["Error"] = q.Get("error") + ": " + q.Get("error_description")
	case !ours:
		data["Code"] = q.Get("code")
	default:
		tok, err := d.conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			data["Error"] = err.Error()
			break
		}
		data["Token"] = tok
		data["Extra"] = map[string]any{
			"account_id":      tok.Extra("account_id"),
			"organization_id": tok.Extra("organization_id"),
			"scope":           tok.Extra("scope"),
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_ = demoPage.Execute(w, data)
}

var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>oauthkit demo client</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}
pre{background:#f4f5f7;padding:1rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}</style></head>
<body><h1>oauthkit demo client</h1>
{{with .Error}}<p><strong>The authorization failed:</strong> {{.}}</p>{{end}}
{{with .Token}}<p>The app exchanged its code for tokens with <code>golang.org/x/oauth2</code>:</p>
<pre>access_token:  {{.AccessToken}}
token_type:    {{.TokenType}}
refresh_token: {{.RefreshToken}}
expires:       {{.Expiry}}
account_id:    {{index $.Extra "account_id"}}
organization:  {{index $.Extra "organization_id"}}
scope:         {{index $.Extra "scope"}}</pre>{{end}}
{{with .Code}}<p>An authorization code arrived that this client did not ask for. Exchange it yourself within five minutes:</p>
<pre>{{$.Curl}} \
  -d code={{.}}</pre>{{end}}
<p><a href="/">Start again</a></p>
</body></html>`))
