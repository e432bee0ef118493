package flows_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
)

// Helpers of the tests of clients identified by a client ID metadata document
// (clientdocs_*_test.go).

// docHost is the name under which a docSite is reached: the test certificate of
// httptest.NewTLSServer holds *.example.com, so TLS verifies it.
const docHost = "app.example.com"

// docSite is an app's web site on loopback (TLS) serving client metadata documents by
// path, with "$ID" in a body replaced by the URL it was fetched as.
type docSite struct {
	srv     *httptest.Server
	mu      sync.Mutex
	docs    map[string]string
	fetches map[string]int
	// hold, when set, is called at the start of every request, outside the lock: a test
	// blocks a fetch in it.
	hold func(path string)
}

func newDocSite(t *testing.T) *docSite {
	t.Helper()
	d := &docSite{docs: map[string]string{}, fetches: map[string]int{}}
	d.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.fetches[r.URL.Path]++
		body, ok := d.docs[r.URL.Path]
		hold := d.hold
		d.mu.Unlock()
		if hold != nil {
			hold(r.URL.Path)
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, strings.ReplaceAll(body, "$ID", "https://"+r.Host+r.URL.Path))
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// set publishes body at path ("" removes the document: 404).
func (d *docSite) set(path, body string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if body == "" {
		delete(d.docs, path)
		return
	}
	d.docs[path] = body
}

// setHold sets hold.
func (d *docSite) setHold(f func(path string)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hold = f
}

// count is how many requests path received.
func (d *docSite) count(path string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fetches[path]
}

// id is the client ID URL of the document at path, on docHost.
func (d *docSite) id(path string) string { return "https://" + docHost + path }

// ipID is the client ID URL of the document at path, on the site's loopback address.
func (d *docSite) ipID(path string) string { return d.srv.URL + path }

// httpClient trusts the site's certificate and connects to the site whatever host a URL
// names, as DNS would for docHost.
func (d *docSite) httpClient() *http.Client {
	tr := d.srv.Client().Transport.(*http.Transport).Clone()
	addr := d.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

// withDocs turns client ID metadata documents on, fetched from d (AllowPrivate, as on one
// machine), with opts adjusting the options.
func withDocs(d *docSite, opts ...func(*flows.ClientIDMetadataDocuments)) func(*flows.Config) {
	return func(c *flows.Config) {
		m := &flows.ClientIDMetadataDocuments{HTTPClient: d.httpClient(), AllowPrivate: true}
		for _, o := range opts {
			o(m)
		}
		c.ClientIDMetadataDocuments = m
	}
}

// Documents. nativeDoc is a desktop app's: loopback only, refresh tokens.
const (
	nativeDoc = `{"client_id":"$ID","client_name":"Notes Desktop","redirect_uris":["http://127.0.0.1/callback"],
		"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none",
		"logo_uri":"https://app.example.com/logo.png"}`
	// webDoc is a web app's: an https redirect URI, a scope member (with an
	// administrator-only and an unknown scope, which it never gets), no refresh tokens.
	webDoc = `{"client_id":"$ID","client_name":"Notes Web","redirect_uris":["https://app.example.com/cb"],
		"scope":"chats--my:ro customers:own agents--all:rw unknown:x"}`
)

// Redirect URIs the apps use: the native app's listens on a port of its own.
const (
	nativeRedirect = "http://127.0.0.1:49152/callback"
	webRedirect    = "https://app.example.com/cb"
)

// docOAuth2 is an x/oauth2 client identified by the client ID URL id: public, so its
// client_id goes in the body.
func (e *env) docOAuth2(id, redirect string, scope ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    id,
		Endpoint:    oauth2.Endpoint{AuthURL: e.srv.URL + "/", TokenURL: e.srv.URL + "/v2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: redirect,
		Scopes:      scope,
	}
}

// docQuery is an authorization request of the client id with PKCE S256 (challenge of
// pkceVerifier), set replacing parameters and drop removing them.
func docQuery(id, redirect string, set url.Values, drop ...string) url.Values {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {id},
		"redirect_uri":          {redirect},
		"state":                 {"st-doc"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(pkceVerifier)},
		"code_challenge_method": {"S256"},
	}
	for k, v := range set {
		q[k] = v
	}
	for _, k := range drop {
		delete(q, k)
	}
	return q
}

// pkceVerifier is the RFC 7636 Appendix B verifier.
const pkceVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// docCode runs an authorization of the client id for a, allowing it, and returns the
// code.
func (e *env) docCode(id, redirect string, a acct, set url.Values) string {
	e.t.Helper()
	p := e.browser().authorize(e.authURL(docQuery(id, redirect, set)), a.login, a.pw, "allow")
	return callback(e.t, p, redirect).Get("code")
}

// docTokenPost posts form to the token endpoint as the public client id (client_id in
// the body) and returns the answer.
func (e *env) docTokenPost(id string, form url.Values, hdr ...string) apiResp {
	e.t.Helper()
	form.Set("client_id", id)
	return e.apiDo(http.MethodPost, "/v2/token", form.Encode(), hdrs(ctHdr(ctForm), hdr)...)
}

// docRedeem redeems code as the client id.
func (e *env) docRedeem(id, redirect, code string) apiResp {
	e.t.Helper()
	return e.docTokenPost(id, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {pkceVerifier}})
}
