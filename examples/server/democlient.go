package main

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"sync"
	"time"

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
	// console is the URL of the developer console, linked from every page; "" links none.
	console string

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
	mux.Handle("GET /favicon.ico", favicon())
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

// callback shows what arrived: an error, tokens for a code this client asked for, a code
// it did not ask for (with the curl that exchanges it), or, with neither in the query, the
// page whose script shows an implicit-flow token from the URL fragment.
func (d *demoClient) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := map[string]any{"Curl": d.curl, "Console": d.console}
	state := q.Get("state")
	d.mu.Lock()
	verifier, ours := d.pending[state]
	delete(d.pending, state)
	d.mu.Unlock()
	switch {
	case q.Get("error") != "":
		data["Error"] = q.Get("error") + ": " + q.Get("error_description")
	case q.Get("code") == "":
		data["Fragment"] = true
	case !ours:
		data["Code"] = q.Get("code")
	default:
		tok, err := d.conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			data["Error"] = err.Error()
			break
		}
		data["Token"] = tok
		data["Expires"] = readableExpiry(tok.Expiry, time.Now())
		data["Extra"] = map[string]any{
			"account_id":      tok.Extra("account_id"),
			"organization_id": tok.Extra("organization_id"),
			"scope":           tok.Extra("scope"),
		}
	}
	nonce := rand.Text()
	data["Nonce"] = nonce
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	// Only this page's own style and script run, the script sends nothing anywhere
	// (connect-src falls back to 'none'), and no other site may frame the page.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+nonce+"'; script-src 'nonce-"+nonce+
		"'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	_ = demoPage.Execute(w, data)
}

// readableExpiry says when a token expires, for a person: "2026-12-01 20:15:04 UTC (in
// 8h0m0s)".
func readableExpiry(expiry, now time.Time) string {
	if expiry.IsZero() {
		return "not given (the token response had no expires_in)"
	}
	s := expiry.UTC().Format("2006-01-02 15:04:05 MST")
	if left := expiry.Sub(now).Round(time.Second); left > 0 {
		return s + " (in " + left.String() + ")"
	}
	return s + " (expired)"
}

var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>oauthkit demo client</title>
<style nonce="{{.Nonce}}">body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}
pre{background:#f4f5f7;padding:1rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
h1{font-size:1.6rem}
code{background:#f4f5f7;padding:0 .2rem}</style></head>
<body><h1>oauthkit demo client</h1>
{{with .Error}}<p><strong>The authorization failed:</strong> {{.}}</p>{{end}}
{{with .Token}}<p>The app exchanged its code for tokens with <code>golang.org/x/oauth2</code>:</p>
<pre>access_token:  {{.AccessToken}}
token_type:    {{.TokenType}}
refresh_token: {{.RefreshToken}}
expires:       {{$.Expires}}
account_id:    {{index $.Extra "account_id"}}
organization:  {{index $.Extra "organization_id"}}
scope:         {{index $.Extra "scope"}}</pre>{{end}}
{{with .Code}}<p><strong>The demo app did not ask for this code</strong>, so it cannot exchange it.
You most likely opened the authorization URL the server printed, by hand: that request was yours,
not the app's, so the app holds no <code>state</code> and no PKCE <code>code_verifier</code> for it.
Exchange the code yourself, within five minutes:</p>
<pre>{{$.Curl}} \
  -d code={{.}}</pre>
<p>The printed URL sends no <code>code_challenge</code>, so no verifier is needed. If you changed
its <code>client_id</code> or added a <code>code_challenge</code>, change <code>-u</code> or add
<code>-d code_verifier=…</code> to match.</p>{{end}}
{{if .Fragment}}<div id="implicit">
<p id="implicit-none">Nothing arrived in this callback's query: no code and no error. An app using
the implicit flow (<code>response_type=token</code>, as <code>demo-web-app</code> may) receives its
token in the URL fragment, the part after <code>#</code>, which the browser never sends to a
server; so only a script in this page can read it.</p>
<noscript><p>JavaScript is off, so this page cannot show it: look at the address bar, where the
<code>access_token</code> follows the <code>#</code>.</p></noscript>
<div id="implicit-token" hidden><p>The implicit flow returned, in the URL fragment:</p>
<pre id="implicit-fields"></pre>
<p>This page read it in your browser and sent it nowhere; it also took it out of the address bar.
There is no refresh token in the implicit flow.</p></div>
<script nonce="{{.Nonce}}">(function () {
  var p = new URLSearchParams(location.hash.slice(1));
  if (!p.has("access_token") && !p.has("error")) return;
  history.replaceState(null, "", location.pathname + location.search);
  var lines = [];
  ["access_token", "token_type", "expires_in", "scope", "state", "iss", "error", "error_description"].forEach(function (k) {
    if (!p.has(k)) return;
    var v = p.get(k);
    if (k === "expires_in" && /^[0-9]+$/.test(v)) {
      var at = new Date(Date.now() + 1000 * Number(v)).toISOString();
      v += " s, until " + at.slice(0, 10) + " " + at.slice(11, 19) + " UTC";
    }
    lines.push((k + ":").padEnd(14) + " " + v);
  });
  document.getElementById("implicit-fields").textContent = lines.join("\n");
  document.getElementById("implicit-none").hidden = true;
  document.getElementById("implicit-token").hidden = false;
})();</script></div>{{end}}
<p><a href="/">Start again</a>{{with .Console}} · <a href="{{.}}">Developer console</a>: register apps of your own, make personal access tokens, see the apps you have connected{{end}}</p>
</body></html>`))
