package flows_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/store"
)

// Client authentication at the token endpoint (R-TOKEN-2, R-SEC-3, R-SEC-7).
//
// Mapping under test (clientauth.go): a wrong, missing or superfluous secret is
// invalid_client, 401; an unknown or missing client is the seed's unauthorized_client, 400
// (401 when Basic was used); every 401 answering Basic carries WWW-Authenticate: Basic.

const basicChallenge = `Basic realm="oauthkit", charset="UTF-8"`

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// refreshJunk is a refresh request with a token that does not exist: once the client is
// authenticated it is invalid_grant, so the answer tells whether authentication passed.
func refreshJunk(kv ...string) url.Values {
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"oak:rt_unknown"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// TestClientAuthentication: R-TOKEN-2 / R-SEC-3, each way of (not) authenticating and its
// exact answer.
func TestClientAuthentication(t *testing.T) {
	for _, tc := range []struct {
		name      string
		c         tokenCall
		status    int
		code      string
		challenge string // WWW-Authenticate, "" = absent
	}{
		{"basic ok", tokenCall{body: refreshJunk().Encode(), auth: basicAuth(confID, confSecret)}, 400, "invalid_grant", ""},
		{"post ok", tokenCall{body: refreshJunk("client_id", confID, "client_secret", confSecret).Encode()}, 400, "invalid_grant", ""},
		{"public none ok", tokenCall{body: refreshJunk("client_id", pubID).Encode()}, 400, "invalid_grant", ""},
		{"basic id matches body client_id", tokenCall{body: refreshJunk("client_id", confID).Encode(), auth: basicAuth(confID, confSecret)}, 400, "invalid_grant", ""},
		{"basic lowercase scheme", tokenCall{body: refreshJunk().Encode(), auth: "basic " + strings.TrimPrefix(basicAuth(confID, confSecret), "Basic ")}, 400, "invalid_grant", ""},

		{"basic wrong secret", tokenCall{body: refreshJunk().Encode(), auth: basicAuth(confID, "wrong")}, 401, "invalid_client", basicChallenge},
		{"basic other client's secret", tokenCall{body: refreshJunk().Encode(), auth: basicAuth(confID, privSecret)}, 401, "invalid_client", basicChallenge},
		{"basic empty secret", tokenCall{body: refreshJunk().Encode(), auth: basicAuth(confID, "")}, 401, "invalid_client", basicChallenge},
		{"post wrong secret", tokenCall{body: refreshJunk("client_id", confID, "client_secret", "wrong").Encode()}, 401, "invalid_client", ""},
		{"post missing secret", tokenCall{body: refreshJunk("client_id", confID).Encode()}, 401, "invalid_client", ""},
		{"post secret without client_id", tokenCall{body: refreshJunk("client_secret", confSecret).Encode()}, 400, "unauthorized_client", ""},
		{"basic unknown client", tokenCall{body: refreshJunk().Encode(), auth: basicAuth("nobody", "x")}, 401, "unauthorized_client", basicChallenge},
		{"post unknown client", tokenCall{body: refreshJunk("client_id", "nobody", "client_secret", "x").Encode()}, 400, "unauthorized_client", ""},
		{"no client at all", tokenCall{body: refreshJunk().Encode()}, 400, "unauthorized_client", ""},
		{"public client with secret in body", tokenCall{body: refreshJunk("client_id", pubID, "client_secret", "anything").Encode()}, 401, "invalid_client", ""},
		{"public client with basic secret", tokenCall{body: refreshJunk().Encode(), auth: basicAuth(pubID, "anything")}, 401, "invalid_client", basicChallenge},

		{"basic and body secret", tokenCall{body: refreshJunk("client_secret", confSecret).Encode(), auth: basicAuth(confID, confSecret)}, 400, "invalid_request", ""},
		{"basic and other body client_id", tokenCall{body: refreshJunk("client_id", privID).Encode(), auth: basicAuth(confID, confSecret)}, 400, "invalid_request", ""},
		{"secret in query, basic", tokenCall{path: "/v2/token?client_secret=" + confSecret, body: refreshJunk().Encode(), auth: basicAuth(confID, confSecret)}, 400, "invalid_request", ""},
		{"secret in query, post", tokenCall{path: "/v2/token?client_secret=" + confSecret, body: refreshJunk("client_id", confID).Encode()}, 400, "invalid_request", ""},
		{"empty secret in query", tokenCall{path: "/v2/token?client_secret=", body: refreshJunk().Encode(), auth: basicAuth(confID, confSecret)}, 400, "invalid_request", ""},
		{"not basic", tokenCall{body: refreshJunk("client_id", confID, "client_secret", confSecret).Encode(), auth: "Bearer abc"}, 400, "invalid_request", ""},
		{"basic not base64", tokenCall{body: refreshJunk().Encode(), auth: "Basic !!!"}, 400, "invalid_request", ""},
		{"basic bad escape", tokenCall{body: refreshJunk().Encode(), auth: "Basic " + b64("conf-app:%zz")}, 400, "invalid_request", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.tokenDo(tc.c)
			wantError(t, r, tc.status, tc.code)
			if got := r.header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
		})
	}
}

// TestClientAuthFormEncodedBasic: R-SEC-3 / RFC 6749 §2.3.1, Basic credentials are
// form-urlencoded before base64, so a client_id like "a:b%" and a secret with ':' '%' '+'
// and a space work — by hand and with the real x/oauth2 client (AuthStyleInHeader).
func TestClientAuthFormEncodedBasic(t *testing.T) {
	const id, secret = "a:b%", "s3cr:t%+ é"
	e := newEnv(t)
	if err := e.store.PutClient(context.Background(), store.Client{ID: id, Name: "Odd", SecretHash: e.hasher.Hash(secret), RedirectURIs: []string{confRedirect}, Scopes: allScopes}); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.tokenForm(id, secret, refreshJunk()), http.StatusBadRequest, "invalid_grant")
	wantError(t, e.tokenForm(id, "s3cr:t% é", refreshJunk()), http.StatusUnauthorized, "invalid_client")
	// Unencoded credentials are not what the client registered: ":" splits the id.
	r := e.tokenDo(tokenCall{body: refreshJunk().Encode(), auth: "Basic " + b64(id+":"+secret)})
	if r.status == http.StatusOK || r.str("error") == "invalid_grant" {
		t.Fatalf("unencoded Basic credentials authenticated: %d %s", r.status, r.raw)
	}

	conf := e.oauth2Config(id, secret, confRedirect)
	p := e.browser().authorize(conf.AuthCodeURL("st"), "alice@example.com", alicePW, "allow")
	tok, err := conf.Exchange(context.Background(), callback(t, p, confRedirect).Get("code"))
	if err != nil {
		t.Fatalf("x/oauth2 exchange: %v", err)
	}
	if !strings.HasPrefix(tok.AccessToken, "oak:at_") {
		t.Fatalf("token = %+v", tok)
	}
	// The x/oauth2 client with a wrong secret sees invalid_client.
	bad := e.oauth2Config(id, "nope", confRedirect)
	_, err = bad.Exchange(context.Background(), "oak:ac_unknown")
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != http.StatusUnauthorized {
		t.Fatalf("x/oauth2 with a wrong secret: %v", err)
	}
}

// TestClientAuthRFCExample: R-SEC-7, the OAuth 2.1 §2.4.1 example header authenticates
// client s6BhdRkqt3 with secret 7Fjfp0ZBr1KtDRbnfVdmIw, through a whole code exchange.
func TestClientAuthRFCExample(t *testing.T) {
	const header = "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"
	e := newEnv(t)
	if err := e.store.PutClient(context.Background(), store.Client{ID: "s6BhdRkqt3", Name: "Example", SecretHash: e.hasher.Hash("7Fjfp0ZBr1KtDRbnfVdmIw"), RedirectURIs: []string{confRedirect}, Scopes: allScopes}); err != nil {
		t.Fatal(err)
	}
	if header != basicAuth("s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw") {
		t.Fatalf("basicAuth disagrees with the RFC example")
	}
	code := e.codeFor(url.Values{"client_id": {"s6BhdRkqt3"}})
	r := e.tokenDo(tokenCall{body: codeForm(code).Encode(), auth: header})
	wantTokens(t, r)
	tok, err := e.store.Token(context.Background(), e.hasher.Hash(r.str("access_token")), e.clock.Now())
	if err != nil || tok.ClientID != "s6BhdRkqt3" {
		t.Fatalf("stored token = %+v, %v", tok, err)
	}
}

// TestClientAuthRateLimit: R-SEC-3, after 10 wrong secrets within 5 minutes the client is
// refused with 429 and Retry-After, even with the right secret, until the window ends;
// other clients are not affected.
func TestClientAuthRateLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		r := e.tokenForm(confID, "wrong", refreshJunk())
		if r.status != http.StatusUnauthorized || r.str("error") != "invalid_client" {
			t.Fatalf("failure %d: %d %s, want 401 invalid_client", i+1, r.status, r.raw)
		}
	}
	for _, tc := range []struct {
		name string
		c    tokenCall
	}{
		{"basic, right secret", tokenCall{body: refreshJunk().Encode(), auth: basicAuth(confID, confSecret)}},
		{"post, right secret", tokenCall{body: refreshJunk("client_id", confID, "client_secret", confSecret).Encode()}},
		{"basic, wrong secret", tokenCall{body: refreshJunk().Encode(), auth: basicAuth(confID, "wrong")}},
	} {
		r := e.tokenDo(tc.c)
		wantError(t, r, http.StatusTooManyRequests, "invalid_client")
		if got := r.header.Get("Retry-After"); got != "300" {
			t.Errorf("%s: Retry-After = %q, want 300", tc.name, got)
		}
	}
	// Another client is not locked out.
	wantError(t, e.tokenForm(privID, privSecret, refreshJunk()), http.StatusBadRequest, "invalid_grant")

	e.clock.Advance(4 * time.Minute)
	r := e.tokenForm(confID, confSecret, refreshJunk())
	wantError(t, r, http.StatusTooManyRequests, "invalid_client")
	if got := r.header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After one minute before the end = %q, want 60", got)
	}
	e.clock.Advance(time.Minute)
	wantTokens(t, e.tokenForm(confID, confSecret, codeForm(e.codeFor(nil))))
}

// TestClientAuthUnderLimit: R-SEC-3, nine failures do not lock the client out, and failures
// of a missing secret are not counted as guesses.
func TestClientAuthUnderLimit(t *testing.T) {
	e := newEnv(t)
	for range 9 {
		wantError(t, e.tokenForm(confID, "wrong", refreshJunk()), http.StatusUnauthorized, "invalid_client")
	}
	for range 5 {
		wantError(t, e.tokenForm("", "", refreshJunk("client_id", confID)), http.StatusUnauthorized, "invalid_client")
	}
	wantTokens(t, e.tokenForm(confID, confSecret, codeForm(e.codeFor(nil))))
}
