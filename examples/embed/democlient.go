package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/store/credentials"
)

// demoClient is another application that reads a person's notes through the API, with
// their consent: a confidential OAuth client using golang.org/x/oauth2, served here in the
// same process only so that the demo has something to click. It keeps the state and the
// PKCE verifier of a flow in a cookie between /demo and /demo/callback.
type demoClient struct {
	conf *oauth2.Config
	api  string // the API's base URL
}

// demoCookie holds the state and PKCE verifier of the demo client's flow in progress.
const demoCookie = "demo_client_flow"

// start answers GET /demo: off to the authorization endpoint.
func (d demoClient) start(w http.ResponseWriter, r *http.Request) {
	state, verifier := credentials.NewSecret(""), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: demoCookie, Value: state + "." + verifier, Path: "/demo",
		MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, d.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
}

// callback answers GET /demo/callback: it redeems the code and shows what the API answers
// with the access token.
func (d demoClient) callback(w http.ResponseWriter, r *http.Request) {
	var state, verifier string
	if c, err := r.Cookie(demoCookie); err == nil {
		state, verifier, _ = strings.Cut(c.Value, ".")
	}
	q := r.URL.Query()
	switch {
	case state == "" || q.Get("state") != state:
		http.Error(w, "this callback belongs to no flow of this browser: start again at /demo", http.StatusBadRequest)
		return
	case q.Get("error") != "":
		http.Error(w, "the authorization server said "+q.Get("error")+": "+q.Get("error_description"), http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: demoCookie, Path: "/demo", MaxAge: -1})
	tok, err := d.conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		http.Error(w, "redeeming the code: "+err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "The demo client holds an access token for scopes %v.\n", tok.Extra("scope"))
	api := d.conf.Client(r.Context(), tok)
	for _, path := range []string{"/api/me", "/api/notes"} {
		resp, err := api.Get(d.api + path)
		if err != nil {
			fmt.Fprintf(w, "\nGET %s: %v\n", path, err)
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		fmt.Fprintf(w, "\nGET %s: %s\n%s", path, resp.Status, body)
	}
	fmt.Fprintf(w, "\nTry it yourself:\n  curl -H 'Authorization: Bearer %s' %s/api/notes\n", tok.AccessToken, d.api)
}
