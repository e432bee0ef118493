package flows_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// coreParts is a storage of only the parts the server core uses: no sessions, no
// customers, no writers, no upstream links.
type coreParts struct {
	store.Clients
	store.Accounts
	store.Codes
	store.Tokens
	store.TokenAdmin
	store.Grants
}

// alwaysAlice is an application's own Authenticator with whom alice is always signed in.
type alwaysAlice struct{ accounts store.Accounts }

func (a alwaysAlice) Account(r *http.Request) (store.Account, bool, error) {
	acct, err := a.accounts.Account(r.Context(), aliceID)
	return acct, err == nil, err
}

func (alwaysAlice) SignIn(w http.ResponseWriter, _ *http.Request, _ string) {
	http.Error(w, "sign in elsewhere", http.StatusUnauthorized)
}

// TestStorageByThePart: over the core's parts only, with the application's own
// sign-in, the code flow works; the customer endpoint, whose part is missing, is not
// served, and the metadata does not name it.
func TestStorageByThePart(t *testing.T) {
	e := newEnv(t, func(c *flows.Config) {
		st := c.Storage
		c.Storage = coreParts{st, st, st, st, st, st}
		c.Authenticator = alwaysAlice{st}
	})
	conf := e.oauth2Config(confID, confSecret, confRedirect)
	b := e.browser()
	p := b.get(conf.AuthCodeURL("st-parts"))
	if !isConsentPage(p) {
		t.Fatalf("no consent page: %d\n%s", p.StatusCode, p.body)
	}
	q := callback(t, b.submit(p, url.Values{"decision": {"allow"}}), confRedirect)
	tok, err := conf.Exchange(context.Background(), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.apiDo(http.MethodPost, "/customer/", ""); r.status != http.StatusNotFound {
		t.Fatalf("customer endpoint without a customer part: %d %s", r.status, r.raw)
	}
	md, _ := e.metadata("/.well-known/oauth-authorization-server")
	if _, ok := md["customer_endpoint"]; ok {
		t.Fatalf("the metadata names a customer endpoint: %v", md["customer_endpoint"])
	}
	// Mounted by hand, the handler says why.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/customer/", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	e.flows.CustomerHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "customer storage") {
		t.Fatalf("CustomerHandler without a customer part: %d %s", rec.Code, rec.Body)
	}
}

// TestStoragePartsChecked: a store.Parts composition is checked when the server and the
// sign-in packages are built: a missing part the server calls is an error at New, not a nil
// call at the first request, and the optional customers part counts only when it is set.
func TestStoragePartsChecked(t *testing.T) {
	st := store.PartsOf(memstore.New())
	core := store.Parts{Clients: st, Accounts: st, Codes: st, Tokens: st, TokenAdmin: st, Grants: st}
	hasher, err := credentials.NewHasher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "customers:own", Description: "Act for customers"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := flows.Config{Issuer: "https://auth.example", Storage: core, Hasher: hasher, Scopes: cat, Authenticator: alwaysAlice{st}}
	srv, err := flows.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/customer/", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("customer endpoint over Parts without Customers: %d %s", rec.Code, rec.Body)
	}
	if md := srv.Metadata(); md.CustomerEndpoint != "" {
		t.Fatalf("the metadata names a customer endpoint: %q", md.CustomerEndpoint)
	}

	noClients := core
	noClients.Clients = nil
	cfg.Storage = noClients
	_, err = flows.New(cfg)
	var missing *store.MissingPartsError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "Clients") {
		t.Fatalf("flows.New over Parts without Clients = %v, want a MissingPartsError naming Clients", err)
	}

	if _, err := signin.New(signin.Config{Storage: store.Parts{Accounts: st, AccountWriter: st}}); !errors.As(err, &missing) {
		t.Fatalf("signin.New over Parts without Sessions = %v, want a MissingPartsError", err)
	}
	if _, err := federation.New(federation.Config{
		Issuer: "https://idp.example", ClientID: "x", Organizations: map[string]string{"a": orgA}, SignInRoles: []string{"agent"},
		Storage:  store.Parts{Accounts: st, AccountWriter: st, Organizations: st},
		SignedIn: func(http.ResponseWriter, *http.Request, store.Account) error { return nil }, SignInPage: "/signin",
	}); err == nil || !strings.Contains(err.Error(), "AccountLinks") {
		t.Fatalf("federation.New over Parts without AccountLinks = %v, want an error naming AccountLinks", err)
	}
}
