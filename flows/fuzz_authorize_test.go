package flows_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// The authorization endpoint fuzzed with arbitrary raw query strings (R-AUTHZ-2, R-REDIR,
// R-ERR-2): it must never become an open redirector nor fail.

// Clients of the fuzzed endpoint, besides the harness's conf-app, pub-app and priv-app.
const (
	fzMultiID    = "multi-app"    // several redirect URIs, one of them a custom scheme
	fzBareID     = "bare-app"     // no redirect URI at all
	fzPrivBID    = "privb-app"    // private to org-b
	fzSessionID  = "fuzz-session" // alice's session cookie
	fzAuthzIssue = "http://as.example"
)

// authzFuzzEnv is an authorization endpoint over a memstore with fixture clients, and a
// session of alice, who has remembered grants for some of them so that fuzzed requests
// reach code and token issuance. It is newEnv's fixtures for a testing.TB: a fuzz target
// builds it once per process, with its *testing.F.
type authzFuzzEnv struct {
	handler http.Handler
	clients map[string]store.Client
}

func newAuthzFuzzEnv(tb testing.TB) *authzFuzzEnv {
	tb.Helper()
	ctx := context.Background()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	st := memstore.New()
	hasher, err := credentials.NewHasher(testKey)
	must(err)
	cat, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro", Description: "Read your chats"},
		{Name: "chats--all:ro", Description: "Read all chats"},
		{Name: "chats--all:rw", Description: "Read and write all chats"},
		{Name: "customers:own", Description: "Act for customers"},
		{Name: "agents--all:rw", Description: "Manage agents", AdminOnly: true},
	}, []scopes.Implication{{From: "chats--all:ro", To: "chats--my:ro"}})
	must(err)
	must(st.PutOrganization(ctx, store.Organization{ID: orgA, Name: "A"}))
	must(st.PutOrganization(ctx, store.Organization{ID: orgB, Name: "B"}))
	must(st.PutAccount(ctx, store.Account{ID: aliceID, Login: "alice@example.com", OrganizationID: orgA, Roles: []string{"agent"}}))

	fe := &authzFuzzEnv{clients: map[string]store.Client{}}
	for _, c := range []store.Client{
		{ID: confID, Name: "Conf App", SecretHash: hasher.Hash(confSecret), RedirectURIs: []string{confRedirect}, Scopes: allScopes},
		{ID: pubID, Name: "Pub App", Public: true, RedirectURIs: []string{pubRedirect}, Scopes: allScopes},
		{ID: privID, Name: "Priv App", SecretHash: hasher.Hash(privSecret), RedirectURIs: []string{confRedirect}, Scopes: allScopes, OrganizationID: orgA},
		{ID: impID, Name: "Implicit App", Public: true, AllowImplicit: true, RedirectURIs: []string{pubRedirect}, Scopes: allScopes},
		{ID: fzMultiID, Name: "Multi App", RedirectURIs: []string{"https://multi.example/cb/", "com.example.app:/oauth2redirect", "http://[::1]/cb"}, Scopes: allScopes},
		{ID: fzBareID, Name: "Bare App", Scopes: allScopes},
		{ID: fzPrivBID, Name: "Private B", RedirectURIs: []string{"https://b.example/cb"}, Scopes: allScopes, OrganizationID: orgB},
	} {
		must(st.PutClient(ctx, c))
		fe.clients[c.ID] = c
	}
	for _, id := range []string{confID, impID, fzMultiID} {
		must(st.PutGrant(ctx, store.Grant{AccountID: aliceID, ClientID: id, Scopes: allScopes, ClientScopes: allScopes, CreatedAt: now, UpdatedAt: now}))
	}
	must(st.CreateSession(ctx, store.Session{Hash: hasher.Hash(fzSessionID), AccountID: aliceID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}))

	si, err := signin.New(signin.Config{Storage: st})
	must(err)
	s, err := flows.New(flows.Config{
		Issuer: fzAuthzIssue, Storage: st, Hasher: testHasher, Scopes: cat, Authenticator: si,
		Now: func() time.Time { return now }, Logger: discardLogger(), Limits: flows.Limits{Redirects: flows.NoLimit},
	})
	must(err)
	fe.handler = s.AuthorizeHandler()
	return fe
}

// FuzzAuthorizeQuery: R-AUTHZ-2 / R-REDIR / R-ERR-2, for any raw query, signed in as alice or
// not, GET on the authorization endpoint answers 200 (the consent page, only when signed
// in) or 302, never 5xx; a redirect either stays on the server (a path that no browser reads
// as another host) or goes to the redirect_uri of the request, which must be registered for
// the client the query names, on a registered scheme and host, and carry iss; a code or a
// token reaches the client only for a signed-in person.
func FuzzAuthorizeQuery(f *testing.F) {
	fe := newAuthzFuzzEnv(f)
	challenge := "&code_challenge=" + rfcChallenge + "&code_challenge_method=S256"
	for _, q := range []string{
		"",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=chats--my%3Aro&state=s",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%2Fdeeper&state=s&scope=chats--my%3Aro+chats--all%3Arw",
		"response_type=code&client_id=pub-app&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&state=s&scope=chats--my%3Aro" + challenge,
		"response_type=code&client_id=pub-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A4321%2Fcb&state=s&scope=chats--my%3Aro" + challenge,
		"response_type=code&client_id=priv-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s&scope=chats--all%3Aro",
		"response_type=token&client_id=imp-app&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&state=s&scope=chats--my%3Aro",
		"response_type=token&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
		"response_type=code&client_id=multi-app&redirect_uri=com.example.app%3A%2Foauth2redirect&state=s&scope=customers%3Aown",
		"response_type=code&client_id=multi-app&redirect_uri=https%3A%2F%2Fmulti.example%2Fcb%2Fx&scope=chats--my%3Aro",
		"response_type=code&client_id=multi-app&redirect_uri=http%3A%2F%2F%5B%3A%3A1%5D%3A8080%2Fcb",
		"response_type=code&client_id=bare-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
		"response_type=code&client_id=privb-app&redirect_uri=https%3A%2F%2Fb.example%2Fcb&state=s",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example.evil.example%2Fcb",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%40evil.example%2Fcb",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%2F..%2F..%2Fx",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%23f",
		"response_type=code&client_id=conf-app&redirect_uri=HTTPS%3A%2F%2FAPP.EXAMPLE%2Fcb",
		"response_type=code&client_id=conf-app&redirect_uri=%2F%2Fevil.example",
		"response_type=code&client_id=conf-app&client_id=pub-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&redirect_uri=https%3A%2F%2Fevil.example",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=a&state=b",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=agents--all%3Arw",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=nope",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&prompt=none",
		"response_type=code&client_id=pub-app&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&prompt=none" + challenge,
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&prompt=consent",
		"response_type=code&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_challenge=short",
		"response_type=x&client_id=conf-app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=%0d%0aSet-Cookie:x",
		"response_type=code;client_id=conf-app;redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
		"client_id=conf-app&redirect_uri=https://app.example/cb&state=%zz",
		"client_id=%zz", "client_id=nobody&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", "redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
		"client_id=conf-app&redirect_uri=https://app.example/cb\\@evil.example",
		"client_id=conf-app&redirect_uri=https://app.example/cb\t.evil.example",
	} {
		f.Add(q, true)
		f.Add(q, false)
	}
	f.Fuzz(func(t *testing.T, raw string, signedIn bool) {
		r := httptest.NewRequest(http.MethodGet, fzAuthzIssue+"/", nil)
		r.URL.RawQuery = raw
		if signedIn {
			r.Header.Set("Cookie", "oauthkit_session="+fzSessionID)
		}
		rec := httptest.NewRecorder()
		fe.handler.ServeHTTP(rec, r)

		switch rec.Code {
		case http.StatusOK:
			if !signedIn || !strings.Contains(rec.Body.String(), `name="decision"`) {
				t.Fatalf("query %q (signed in %v): 200 that is not the consent page:\n%s", raw, signedIn, rec.Body)
			}
			return
		case http.StatusFound:
		default:
			t.Fatalf("query %q (signed in %v): status %d, want 200 or 302; body:\n%s", raw, signedIn, rec.Code, rec.Body)
		}
		loc := rec.Header().Get("Location")
		if strings.ContainsAny(loc, "\\\t\r\n ") || strings.IndexFunc(loc, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			t.Fatalf("query %q: Location %q has a character browsers reinterpret", raw, loc)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("query %q: Location %q does not parse: %v", raw, loc, err)
		}
		if u.Scheme == "" && u.Host == "" {
			if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
				t.Fatalf("query %q: Location %q is not a path on the server", raw, loc)
			}
			return
		}
		if strings.EqualFold(u.Scheme+"://"+u.Host, fzAuthzIssue) {
			return
		}
		wantClientRedirect(t, fe, raw, loc, signedIn)
	})
}

// wantClientRedirect checks a redirect that leaves the server: it must go to the
// redirect_uri of the query, registered for the query's client_id.
func wantClientRedirect(t *testing.T, fe *authzFuzzEnv, raw, loc string, signedIn bool) {
	t.Helper()
	vs, err := url.ParseQuery(raw)
	if err != nil || len(vs["client_id"]) != 1 || len(vs["redirect_uri"]) != 1 {
		t.Fatalf("query %q names no single client and redirect URI, yet Location %q leaves the server", raw, loc)
	}
	client, ok := fe.clients[vs.Get("client_id")]
	if !ok {
		t.Fatalf("query %q names an unknown client, yet Location %q leaves the server", raw, loc)
	}
	target, rest, _ := strings.Cut(loc, "?")
	if strings.Contains(target, "#") {
		target, rest, _ = strings.Cut(loc, "#")
	}
	if target != vs.Get("redirect_uri") {
		t.Fatalf("query %q: Location %q, not to the requested redirect_uri %q", raw, loc, vs.Get("redirect_uri"))
	}
	if err := redirecturi.Match(client.RedirectURIs, target); err != nil {
		t.Fatalf("query %q: Location %q, to a redirect URI not registered for %s: %v", raw, loc, client.ID, err)
	}
	got, _ := url.Parse(target)
	onRegisteredHost := false
	for _, reg := range client.RedirectURIs {
		ru, _ := url.Parse(reg)
		onRegisteredHost = onRegisteredHost || strings.EqualFold(ru.Scheme, got.Scheme) && strings.EqualFold(ru.Hostname(), got.Hostname())
	}
	if !onRegisteredHost {
		t.Fatalf("query %q: Location %q, off the scheme and host registered for %s (%q)", raw, loc, client.ID, client.RedirectURIs)
	}
	params, err := url.ParseQuery(rest)
	if err != nil || params.Get("iss") != fzAuthzIssue {
		t.Fatalf("query %q: Location %q without iss=%s (RFC 9207)", raw, loc, fzAuthzIssue)
	}
	if !signedIn && (params.Has("code") || params.Has("access_token")) {
		t.Fatalf("query %q: Location %q hands out a code or token with nobody signed in", raw, loc)
	}
}
