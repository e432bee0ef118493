package registration_test

import (
	"context"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

var (
	formActionRe = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	hiddenRe     = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// oauthConfig is the x/oauth2 configuration of a registered client.
func (e *env) oauthConfig(reg registered) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if reg.TokenEndpointAuthMethod == "client_secret_post" || reg.TokenEndpointAuthMethod == "none" {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, RedirectURL: reg.RedirectURIs[0],
		Scopes:   strings.Fields(reg.Scope),
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/v2/token", AuthStyle: style},
	}
}

// ctx is a context whose x/oauth2 requests go to the test server.
func (e *env) ctx() context.Context {
	return context.WithValue(e.t.Context(), oauth2.HTTPClient, e.ts.Client())
}

// browser is a cookie-keeping client that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	must(e.t, err)
	c := *e.ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// authorize runs the authorization request of authURL as alice, who allows the app on the
// consent page, and returns the query of the redirect to the client.
func (e *env) authorize(authURL string) url.Values {
	e.t.Helper()
	b := e.browser()
	resp, err := b.Get(authURL)
	must(e.t, err)
	page := readAll(e.t, resp)
	if resp.StatusCode != http.StatusOK {
		return e.redirectQuery(resp)
	}
	m := formActionRe.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no consent form in %s", page)
	}
	form := url.Values{"decision": {"allow"}}
	for _, h := range hiddenRe.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	action, err := url.Parse(html.UnescapeString(m[1]))
	must(e.t, err)
	resp, err = b.PostForm(e.ts.URL+action.String(), form)
	must(e.t, err)
	readAll(e.t, resp)
	return e.redirectQuery(resp)
}

// redirectQuery is the query of the redirect resp makes to the client's redirect URI.
func (e *env) redirectQuery(resp *http.Response) url.Values {
	e.t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode/100 != 3 || strings.HasPrefix(loc.String(), e.issuer) || loc.Host == "" {
		e.t.Fatalf("authorization answered %d, Location %q; want a redirect to the client", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// codeFlow runs the authorization code flow with PKCE for reg and returns its tokens.
func (e *env) codeFlow(reg registered) *oauth2.Token {
	e.t.Helper()
	conf := e.oauthConfig(reg)
	verifier := oauth2.GenerateVerifier()
	q := e.authorize(conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)))
	if q.Get("state") != "st-1" || q.Get("code") == "" {
		e.t.Fatalf("authorization response %v", q)
	}
	tok, err := conf.Exchange(e.ctx(), q.Get("code"), oauth2.VerifierOption(verifier))
	must(e.t, err)
	return tok
}

// A client registered as an MCP client registers goes through the whole authorization
// code flow with PKCE, gets a refresh token that rotates (it is public), and cannot skip
// PKCE. A confidential registered client authenticates with its secret and must use PKCE
// too.
func TestRegisteredClientsSignIn(t *testing.T) {
	e := newEnv(t, options{})
	pub := e.mustRegister(mcpClient())
	tok := e.codeFlow(pub)
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("tokens %+v", tok)
	}
	info := e.do(http.MethodGet, "/v2/info", nil, "Authorization", "Bearer "+tok.AccessToken).json(t)
	if info["client_id"] != pub.ClientID || info["account_id"] != aliceID {
		t.Errorf("info of the access token: %v", info)
	}
	refreshed, err := e.oauthConfig(pub).TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	must(t, err)
	if refreshed.RefreshToken == tok.RefreshToken {
		t.Error("a public registered client's refresh token did not rotate")
	}
	// Without PKCE the authorization request is refused, back at the client.
	q := e.authorize(e.oauthConfig(pub).AuthCodeURL("st-2"))
	if q.Get("error") != "invalid_request" || q.Get("code") != "" {
		t.Errorf("authorization without PKCE for a public registered client: %v", q)
	}

	conf := e.mustRegister(with(mcpClient(), "token_endpoint_auth_method", "client_secret_basic", "redirect_uris", []string{"https://app.example/cb"}))
	q = e.authorize(e.oauthConfig(conf).AuthCodeURL("st-3"))
	if q.Get("error") != "invalid_request" || q.Get("code") != "" {
		t.Errorf("authorization without PKCE for a confidential registered client: %v", q)
	}
	tok = e.codeFlow(conf)
	refreshed, err = e.oauthConfig(conf).TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	must(t, err)
	if refreshed.RefreshToken != tok.RefreshToken {
		t.Error("a confidential registered client's refresh token rotated")
	}
	wrong := e.oauthConfig(conf)
	wrong.ClientSecret += "x"
	if _, err := wrong.TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("a refresh with a wrong client secret succeeded")
	}
}
