package flows_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/scopes"
)

// Clients identified by a client ID metadata document (R-CIMD), at the authorization
// endpoint and on the consent page.

// TestClientMetadataDocumentCodeFlow: a desktop app that was never registered runs the
// whole code flow with x/oauth2, its client_id the URL of its document: consent names
// its host and warns that the answer goes to this computer, the code and the tokens are
// bound to the URL, refresh tokens rotate, and the document is fetched once (R-CIMD,
// R-AUTHZ-4, R-TOKEN-2, R-TOKEN-5).
func TestClientMetadataDocumentCodeFlow(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	e := newEnv(t, withDocs(site))
	id := site.id("/client.json")
	conf := e.docOAuth2(id, nativeRedirect, "chats--my:ro", "customers:own")
	verifier := oauth2.GenerateVerifier()

	b := e.browser()
	p := b.get(conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)))
	if isLoginPage(p) {
		p = b.submit(p, url.Values{"email": {"alice@example.com"}, "password": {alicePW}})
	}
	if !isConsentPage(p) {
		t.Fatalf("no consent page (status %d):\n%s", p.StatusCode, p.body)
	}
	text := p.text()
	for _, want := range []string{
		"<h1><strong>" + docHost + "</strong> wants to access your account</h1>",
		"It calls itself “Notes Desktop”, a name it chose itself.",
		"Its registration is published at <code>" + id + "</code>",
		"Only continue if you started this app yourself",
		"not to " + docHost,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the consent page lacks %q:\n%s", want, p.body)
		}
	}
	if strings.Contains(p.body, "<img") || strings.Contains(p.body, "logo.png") {
		t.Errorf("the consent page loads the document's logo:\n%s", p.body)
	}
	p = b.submit(p, url.Values{"decision": {"allow"}})
	q := callback(t, p, nativeRedirect)
	if q.Get("state") != "st-1" || q.Get("iss") != e.srv.URL {
		t.Fatalf("callback = %v", q)
	}
	if c := e.storedCode(q.Get("code")); c.ClientID != id || c.RedirectURI != nativeRedirect || c.CodeChallengeMethod != "S256" {
		t.Errorf("the code is bound to %q, %q, %q", c.ClientID, c.RedirectURI, c.CodeChallengeMethod)
	}

	ctx := context.Background()
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Extra("scope") != "chats--my:ro,customers:own" {
		t.Fatalf("token = %+v, scope %v", tok, tok.Extra("scope"))
	}
	info := e.infoGet(tok.AccessToken)
	if info.status != http.StatusOK || info.s("client_id") != id || info.s("account_id") != aliceID {
		t.Errorf("info: %d %s", info.status, info.raw)
	}
	if r := e.introspectAs(confID, confSecret, tok.AccessToken); r.obj["active"] != true || r.s("client_id") != id {
		t.Errorf("introspection: %d %s", r.status, r.raw)
	}

	// Refresh: the public client's refresh token rotates.
	tok.Expiry = time.Now().Add(-time.Hour)
	fresh, err := conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refresh did not rotate: %+v", fresh)
	}
	if e.tokenAlive(tok.RefreshToken) {
		t.Error("the rotated refresh token is still live")
	}

	// A customer token for the app itself, on one of its redirect URIs (any port).
	cust := e.customerPost(fresh.AccessToken, custBody("client_id", id, "redirect_uri", "http://127.0.0.1:50000/callback"))
	if cust.status != http.StatusOK || cust.s("client_id") != id {
		t.Errorf("customer endpoint: %d %s", cust.status, cust.raw)
	}

	// RFC 7009 revocation by the app, authenticating with none: the grant ends.
	rev := e.apiDo(http.MethodPost, "/revoke", url.Values{"client_id": {id}, "token": {fresh.RefreshToken}}.Encode(), ctHdr(ctForm)...)
	if rev.status != http.StatusOK {
		t.Fatalf("revocation: %d %s", rev.status, rev.raw)
	}
	if e.tokenAlive(fresh.AccessToken) || e.tokenAlive(fresh.RefreshToken) {
		t.Error("revocation left a token of the grant live")
	}

	// The answer goes to this computer: consent is asked again, although it was given.
	p = b.get(conf.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier)))
	if !isConsentPage(p) {
		t.Fatalf("a loopback app was not asked for consent again (status %d)", p.StatusCode)
	}
	if g, err := e.store.Grant(ctx, aliceID, id); err != nil || strings.Join(g.Scopes, " ") != "chats--my:ro customers:own" {
		t.Errorf("remembered grant = %+v, %v", g, err)
	}
	if n := site.count("/client.json"); n != 1 {
		t.Errorf("the document was fetched %d times, want once (cached)", n)
	}
}

// TestClientMetadataDocumentWebApp: an app whose document has an https redirect URI is
// named by its host, its own name second, without the warning; the consent it was given
// is remembered per client ID URL; it gets its document's scopes that the catalog
// declares, never an administrator-only one (R-CIMD, R-AUTHZ-6, R-AUTHZ-7).
func TestClientMetadataDocumentWebApp(t *testing.T) {
	site := newDocSite(t)
	site.set("/web.json", webDoc)
	e := newEnv(t, withDocs(site))
	id := site.id("/web.json")
	b := e.browser()
	b.signedInAs("root@example.com", rootPW) // an administrator: still no agents--all:rw

	p := b.get(e.authURL(docQuery(id, webRedirect, nil)))
	if !isConsentPage(p) {
		t.Fatalf("no consent page (status %d):\n%s", p.StatusCode, p.body)
	}
	if text := p.text(); !strings.Contains(text, "<strong>"+docHost+"</strong> wants") || !strings.Contains(text, "“Notes Web”") ||
		strings.Contains(text, "Only continue") {
		t.Errorf("consent page:\n%s", p.body)
	}
	q := callback(t, b.submit(p, url.Values{"decision": {"allow"}}), webRedirect)
	if got := strings.Join(e.storedCode(q.Get("code")).Scopes, " "); got != "chats--my:ro customers:own" {
		t.Errorf("scopes without a scope parameter = %q, want the document's that the catalog declares, not administrator-only", got)
	}
	// Remembered: the next authorization skips consent.
	if q := callback(t, b.get(e.authURL(docQuery(id, webRedirect, nil))), webRedirect); q.Get("code") == "" {
		t.Fatalf("second authorization = %v", q)
	}

	for _, scope := range []string{"agents--all:rw", "chats--all:rw", "personal_tokens:manage"} {
		q := clientRedirect(t, b.get(e.authURL(docQuery(id, webRedirect, url.Values{"scope": {scope}}))), http.StatusFound, webRedirect)
		wantClientError(t, e, q, "invalid_scope", "st-doc")
	}
	// Without a refresh_token grant type, the code grant issues no refresh token.
	tok := e.docRedeem(id, webRedirect, e.docCode(id, webRedirect, acctRoot, nil))
	if tok.status != http.StatusOK || tok.s("access_token") == "" {
		t.Fatalf("redemption: %d %s", tok.status, tok.raw)
	}
	if _, ok := tok.obj["refresh_token"]; ok {
		t.Errorf("a refresh token for a document without the refresh_token grant type: %s", tok.raw)
	}
}

// TestClientMetadataDocumentScopesOption: Config.ClientIDMetadataDocuments.Scopes bounds
// what such clients hold, and a document without scope gets all of it; by default that is
// the catalog without administrator-only scopes and the personal tokens' scope; New
// refuses Scopes that are unknown, administrator-only or the personal tokens' (R-CIMD).
func TestClientMetadataDocumentScopesOption(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	site.set("/all.json", strings.Replace(nativeDoc, `"client_name"`, `"scope":"chats--my:ro agents--all:rw personal_tokens:manage","client_name"`, 1))
	cat, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro"}, {Name: "chats--all:ro"}, {Name: "agents--all:rw", AdminOnly: true}, {Name: flows.PersonalTokensScope},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	withCatalog := func(c *flows.Config) { c.Scopes = cat }

	e := newEnv(t, withCatalog, withDocs(site, func(o *flows.ClientIDMetadataDocuments) { o.Scopes = []string{"chats--all:ro"} }))
	if got := strings.Join(e.storedCode(e.docCode(site.id("/client.json"), nativeRedirect, acctRoot, nil)).Scopes, " "); got != "chats--all:ro" {
		t.Errorf("scopes = %q, want Scopes", got)
	}
	e = newEnv(t, withCatalog, withDocs(site))
	if got := strings.Join(e.storedCode(e.docCode(site.id("/client.json"), nativeRedirect, acctRoot, nil)).Scopes, " "); got != "chats--all:ro chats--my:ro" {
		t.Errorf("default scopes = %q, want the catalog's but administrator-only and personal tokens", got)
	}
	if got := strings.Join(e.storedCode(e.docCode(site.id("/all.json"), nativeRedirect, acctRoot, nil)).Scopes, " "); got != "chats--my:ro" {
		t.Errorf("scopes of a document asking for more = %q", got)
	}

	for _, bad := range []string{"nope:ro", "agents--all:rw", flows.PersonalTokensScope} {
		cfg := flows.Config{Issuer: "https://auth.example", Storage: e.store, Hasher: testHasher, Scopes: cat,
			Authenticator: e.signin, ClientIDMetadataDocuments: &flows.ClientIDMetadataDocuments{Scopes: []string{bad}}}
		if _, err := flows.New(cfg); err == nil {
			t.Errorf("New accepted Scopes %q", bad)
		}
	}
}

// TestClientMetadataDocumentRefused: a document that cannot be used, or a redirect URI it
// does not list, sends the person to the error page, never to any redirect URI; the
// document's own rules (exact redirect URIs, S256, no implicit) hold once it is trusted
// (R-CIMD, R-AUTHZ-2).
func TestClientMetadataDocumentRefused(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	site.set("/web.json", webDoc)
	site.set("/other.json", strings.ReplaceAll(nativeDoc, "$ID", "https://"+docHost+"/client.json"))
	site.set("/secret.json", `{"client_id":"$ID","redirect_uris":["http://127.0.0.1/callback"],"client_secret":"s3cret"}`)
	site.set("/basic.json", `{"client_id":"$ID","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"client_secret_basic"}`)
	e := newEnv(t, withDocs(site))
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)

	for _, c := range []struct {
		name, id, redirect, detail string
	}{
		{"client_id of another URL", site.id("/other.json"), nativeRedirect, "client_id_not_found"},
		{"no document", site.id("/missing.json"), nativeRedirect, "client_id_not_found"},
		{"a client secret", site.id("/secret.json"), nativeRedirect, "client_id_not_found"},
		{"client_secret_basic", site.id("/basic.json"), nativeRedirect, "client_id_not_found"},
		{"redirect URI not listed", site.id("/client.json"), "http://127.0.0.1:49152/other", "invalid_redirect_uri"},
		{"localhost for 127.0.0.1", site.id("/client.json"), "http://localhost:49152/callback", "invalid_redirect_uri"},
		{"a path below the registered one", site.id("/web.json"), webRedirect + "/deeper", "invalid_redirect_uri"},
		{"http for https", site.id("/web.json"), "http://app.example.com/cb", "invalid_redirect_uri"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := errorPageRedirect(t, b.getOnce("/?"+docQuery(c.id, c.redirect, nil).Encode()), http.StatusFound)
			wantQuery(t, q, map[string]string{"oauth_exception": "unauthorized_client", "exception_details": c.detail})
		})
	}

	// Trusted client and redirect URI: errors go back to the app.
	id := site.id("/client.json")
	for name, set := range map[string]url.Values{
		"plain PKCE":          {"code_challenge": {pkceVerifier}, "code_challenge_method": {"plain"}},
		"implicit":            {"response_type": {"token"}},
		"no code_challenge":   {"code_challenge": nil, "code_challenge_method": nil},
		"default PKCE method": {"code_challenge_method": nil},
	} {
		t.Run(name, func(t *testing.T) {
			q := docQuery(id, nativeRedirect, nil)
			for k, v := range set {
				if v == nil {
					q.Del(k)
				} else {
					q[k] = v
				}
			}
			p := b.getOnce("/?" + q.Encode())
			if name == "implicit" { // the implicit grant answers in the fragment
				u := redirectLocation(t, p, http.StatusFound)
				frag, _ := url.ParseQuery(u.Fragment)
				if u.Scheme+"://"+u.Host+u.Path != nativeRedirect || frag.Get("error") != "unauthorized_client" {
					t.Errorf("implicit: redirect to %s", u)
				}
				return
			}
			wantClientError(t, e, clientRedirect(t, p, http.StatusFound, nativeRedirect), "invalid_request", "st-doc")
		})
	}
}

// TestClientMetadataDocumentAddresses: a client ID URL on a loopback IP address is fetched
// only with AllowPrivate (R-CIMD: no SSRF).
func TestClientMetadataDocumentAddresses(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	for _, allow := range []bool{true, false} {
		e := newEnv(t, withDocs(site, func(o *flows.ClientIDMetadataDocuments) { o.AllowPrivate = allow }))
		b := e.browser()
		b.signedInAs("alice@example.com", alicePW)
		p := b.getOnce("/?" + docQuery(site.ipID("/client.json"), nativeRedirect, nil).Encode())
		if allow {
			if !isConsentPage(p) || !strings.Contains(p.body, "<strong>127.0.0.1</strong> wants") {
				t.Errorf("AllowPrivate: status %d, no consent page naming 127.0.0.1:\n%s", p.StatusCode, p.body)
			}
			continue
		}
		q := errorPageRedirect(t, p, http.StatusFound)
		wantQuery(t, q, map[string]string{"oauth_exception": "unauthorized_client", "exception_details": "client_id_not_found"})
	}
	if n := site.count("/client.json"); n != 1 {
		t.Errorf("the document was fetched %d times, want once (never without AllowPrivate)", n)
	}
}

// TestClientMetadataDocumentsOff: without Config.ClientIDMetadataDocuments a client ID URL
// is an unknown client, nothing is fetched, and the metadata does not offer them; with
// it, the metadata says client_id_metadata_document_supported (R-CIMD, R-META).
func TestClientMetadataDocumentsOff(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	id := site.id("/client.json")
	off := newEnv(t)
	b := off.browser()
	b.signedInAs("alice@example.com", alicePW)
	q := errorPageRedirect(t, b.getOnce("/?"+docQuery(id, nativeRedirect, nil).Encode()), http.StatusFound)
	wantQuery(t, q, map[string]string{"oauth_exception": "unauthorized_client", "exception_details": "client_id_not_found"})
	r := off.docTokenPost(id, url.Values{"grant_type": {"authorization_code"}, "code": {"oak:ac_x"}, "redirect_uri": {nativeRedirect}})
	wantAPIError(t, r, http.StatusBadRequest, "unauthorized_client")
	if n := site.count("/client.json"); n != 0 {
		t.Errorf("the document was fetched %d times with the feature off", n)
	}
	if m := off.apiDo(http.MethodGet, "/.well-known/oauth-authorization-server", ""); strings.Contains(m.raw, "client_id_metadata_document_supported") {
		t.Errorf("metadata offers client ID metadata documents while off: %s", m.raw)
	}

	on := newEnv(t, withDocs(site))
	if m := on.apiDo(http.MethodGet, "/.well-known/oauth-authorization-server", ""); m.obj["client_id_metadata_document_supported"] != true {
		t.Errorf("metadata: %s", m.raw)
	}
	if got := on.flows.Metadata().ClientIDMetadataDocumentSupported; !got {
		t.Error("Metadata().ClientIDMetadataDocumentSupported is false while on")
	}
}

// TestClientMetadataDocumentSignInPage: the sign-in page names a document's client by its
// host, never by the name the document claims (R-CIMD).
func TestClientMetadataDocumentSignInPage(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	e := newEnv(t, withDocs(site))
	p := e.browser().get(e.authURL(docQuery(site.id("/client.json"), nativeRedirect, nil)))
	if !isLoginPage(p) {
		t.Fatalf("no sign-in page (status %d)", p.StatusCode)
	}
	if !strings.Contains(p.body, "<strong>"+docHost+"</strong> asks you to sign in") || strings.Contains(p.body, "Notes Desktop") {
		t.Errorf("sign-in page:\n%s", p.body)
	}
}
