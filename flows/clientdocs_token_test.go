package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
)

// Clients identified by a client ID metadata document (R-CIMD) at the token endpoint.

// TestClientMetadataDocumentClientAuth: such a client authenticates with none; a secret
// sent anyway is invalid_client, a document that cannot be used an unknown client, and a
// code is redeemed only by the client ID URL it was issued to (R-CIMD, R-TOKEN-2,
// R-SEC-2).
func TestClientMetadataDocumentClientAuth(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	site.set("/twin.json", nativeDoc)
	e := newEnv(t, withDocs(site))
	id := site.id("/client.json")
	code := e.docCode(id, nativeRedirect, acctAlice, nil)
	redeem := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {nativeRedirect}, "code_verifier": {pkceVerifier}}

	r := e.docTokenPost(id, url.Values{"client_secret": {"anything"}, "grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {nativeRedirect}, "code_verifier": {pkceVerifier}})
	wantAPIError(t, r, http.StatusUnauthorized, "invalid_client")
	r = e.apiDo(http.MethodPost, "/v2/token", redeem.Encode(), hdrs(ctHdr(ctForm), basicHdr(id, "anything"))...)
	wantAPIError(t, r, http.StatusUnauthorized, "invalid_client")
	wantChallenge(t, r, `Basic realm="oauthkit", charset="UTF-8"`)

	r = e.docTokenPost(site.id("/missing.json"), url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {nativeRedirect}, "code_verifier": {pkceVerifier}})
	wantAPIError(t, r, http.StatusBadRequest, "unauthorized_client")
	if d := r.s("error_description"); !strings.Contains(d, "HTTP status 404") {
		t.Errorf("error_description = %q, want the document's failure", d)
	}

	// Another document, even with the same content, is another client.
	r = e.docTokenPost(site.id("/twin.json"), url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {nativeRedirect}, "code_verifier": {pkceVerifier}})
	wantAPIError(t, r, http.StatusBadRequest, "invalid_grant")

	// None of the refusals consumed the code; the client itself redeems it.
	if r := e.docRedeem(id, nativeRedirect, code); r.status != http.StatusOK || r.s("refresh_token") == "" {
		t.Fatalf("redemption: %d %s", r.status, r.raw)
	}
}

// TestClientMetadataDocumentGrantTypes: such a client uses only the grant types its
// document lists: without refresh_token, the code grant issues none and the refresh
// grant is unauthorized_client; client_credentials never (R-CIMD, R-TOKEN-6).
func TestClientMetadataDocumentGrantTypes(t *testing.T) {
	site := newDocSite(t)
	site.set("/web.json", webDoc)
	site.set("/client.json", nativeDoc)
	e := newEnv(t, withDocs(site), func(c *flows.Config) { c.Policy.ClientCredentials = true })
	web := site.id("/web.json")
	tok := e.docRedeem(web, webRedirect, e.docCode(web, webRedirect, acctAlice, nil))
	if tok.status != http.StatusOK || tok.s("access_token") == "" || tok.obj["refresh_token"] != nil {
		t.Fatalf("redemption: %d %s, want an access token alone", tok.status, tok.raw)
	}
	r := e.docTokenPost(web, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"oak:rt_whatever"}})
	wantAPIError(t, r, http.StatusBadRequest, "unauthorized_client")
	for _, id := range []string{web, site.id("/client.json")} {
		r := e.docTokenPost(id, url.Values{"grant_type": {"client_credentials"}})
		wantAPIError(t, r, http.StatusBadRequest, "unauthorized_client")
	}
}

// TestClientMetadataDocumentRefreshRechecks: a refresh resolves the client again (from
// the cache while fresh): scopes the document no longer lists are dropped, a document
// that lost the refresh_token grant type or is gone ends refreshing (R-CIMD, R-TOKEN-5).
func TestClientMetadataDocumentRefreshRechecks(t *testing.T) {
	site := newDocSite(t)
	site.set("/client.json", nativeDoc)
	e := newEnv(t, withDocs(site, func(o *flows.ClientIDMetadataDocuments) { o.MinTTL, o.MaxTTL = time.Minute, time.Minute }))
	id := site.id("/client.json")
	tok := e.docRedeem(id, nativeRedirect, e.docCode(id, nativeRedirect, acctAlice, url.Values{"scope": {"chats--my:ro customers:own"}}))
	if tok.status != http.StatusOK {
		t.Fatalf("redemption: %d %s", tok.status, tok.raw)
	}
	refresh := func(rt string) apiResp {
		t.Helper()
		return e.docTokenPost(id, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}

	// Within the document's cache lifetime, the cached copy answers.
	site.set("/client.json", strings.Replace(nativeDoc, `"client_name"`, `"scope":"chats--my:ro","client_name"`, 1))
	r := refresh(tok.s("refresh_token"))
	if r.status != http.StatusOK || r.s("scope") != "chats--my:ro,customers:own" {
		t.Fatalf("refresh within the cache lifetime: %d %s", r.status, r.raw)
	}
	if n := site.count("/client.json"); n != 1 {
		t.Errorf("fetched %d times within the cache lifetime", n)
	}
	// After it, the new document: customers:own is gone.
	e.clock.Advance(2 * time.Minute)
	r = refresh(r.s("refresh_token"))
	if r.status != http.StatusOK || r.s("scope") != "chats--my:ro" {
		t.Fatalf("refresh after the document dropped a scope: %d %s", r.status, r.raw)
	}

	site.set("/client.json", strings.Replace(nativeDoc, `"authorization_code","refresh_token"`, `"authorization_code"`, 1))
	e.clock.Advance(2 * time.Minute)
	wantAPIError(t, refresh(r.s("refresh_token")), http.StatusBadRequest, "unauthorized_client")

	site.set("/client.json", "")
	e.clock.Advance(2 * time.Minute)
	wantAPIError(t, refresh(r.s("refresh_token")), http.StatusBadRequest, "unauthorized_client")
	if n := site.count("/client.json"); n != 4 {
		t.Errorf("fetched %d times, want once per cache lifetime (4)", n)
	}
}

// TestClientMetadataDocumentUnavailable: a document that cannot be resolved now (too many
// fetches in flight) is temporarily_unavailable: 503 with Retry-After at the token
// endpoint, the error page at the authorization endpoint, never the app's redirect URI
// (R-CIMD, R-ERR-4).
func TestClientMetadataDocumentUnavailable(t *testing.T) {
	site := newDocSite(t)
	site.set("/slow.json", nativeDoc)
	site.set("/client.json", nativeDoc)
	e := newEnv(t, withDocs(site, func(o *flows.ClientIDMetadataDocuments) { o.MaxFetches = 1 }))
	b := e.browser()
	b.signedInAs("alice@example.com", alicePW)

	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	site.setHold(func(path string) {
		if path == "/slow.json" {
			started <- struct{}{}
			<-release
		}
	})
	slow := make(chan page, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/?"+docQuery(site.id("/slow.json"), nativeRedirect, nil).Encode(), nil)
		resp, err := b.c.Do(req)
		if err != nil {
			slow <- page{}
			return
		}
		resp.Body.Close()
		slow <- page{Response: resp}
	}()
	<-started // one fetch in flight: no room for another

	id := site.id("/client.json")
	r := e.docTokenPost(id, url.Values{"grant_type": {"authorization_code"}, "code": {"oak:ac_x"}, "redirect_uri": {nativeRedirect}})
	wantAPIError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	q := errorPageRedirect(t, b.getOnce("/?"+docQuery(id, nativeRedirect, nil).Encode()), http.StatusFound)
	wantQuery(t, q, map[string]string{"oauth_exception": "temporarily_unavailable"})

	once.Do(func() { close(release) })
	if p := <-slow; p.Response == nil || !strings.Contains(p.body+p.Header.Get("Content-Type"), "html") {
		t.Errorf("the slow authorization did not end on a page: %+v", p.Response)
	}
	// Nothing was remembered of the refusal: the client works now.
	if p := b.getOnce("/?" + docQuery(id, nativeRedirect, nil).Encode()); !isConsentPage(p) {
		t.Errorf("after the fetch ended: status %d, no consent page", p.StatusCode)
	}
}
