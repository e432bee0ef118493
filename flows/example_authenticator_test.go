package flows_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// exampleSessions stands for an application's own sign-in: its session cookie holds an opaque
// id that the application maps to the signed-in account (in its own session table, say).
type exampleSessions struct {
	ids      map[string]string // session id → account id
	accounts store.Accounts
}

// Account reads the application's session cookie and loads its account.
func (a exampleSessions) Account(r *http.Request) (store.Account, bool, error) {
	c, err := r.Cookie("app_session")
	if err != nil || a.ids[c.Value] == "" {
		return store.Account{}, false, nil // nobody signed in
	}
	acct, err := a.accounts.Account(r.Context(), a.ids[c.Value])
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, false, nil // the account is gone since
	}
	return acct, err == nil, err // another error: the answer is unknown
}

// SignIn sends the person to the application's own sign-in page, which comes back to
// returnTo afterwards (after checking that it is a local path: anybody can link there).
func (exampleSessions) SignIn(w http.ResponseWriter, r *http.Request, returnTo string) {
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(returnTo), http.StatusSeeOther)
}

// An application with a sign-in of its own gives the server an Authenticator over its
// session: the authorization endpoint asks it who is signed in, and sends people to its
// sign-in page when nobody is.
func ExampleAuthenticator() {
	st := memstore.New() // or store.Parts with the application's own users as Accounts
	catalog, err := scopes.NewCatalog([]scopes.Scope{{Name: "notes:ro", Description: "Read your notes"}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	hasher, err := credentials.NewHasher([]byte(strings.Repeat("k", 32))) // load 32+ random bytes from your secret store
	if err != nil {
		log.Fatal(err)
	}
	srv, err := flows.New(flows.Config{
		Issuer:        "https://app.example.com/oauth", // served under /oauth, stripped below
		Storage:       st,
		Hasher:        hasher,
		Scopes:        catalog,
		Authenticator: exampleSessions{ids: map[string]string{"opaque-session-id": "ann"}, accounts: st},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	client, _, err := srv.NewClient(flows.ClientSpec{ID: "notes-cli", Name: "Notes CLI", Public: true,
		RedirectURIs: []string{"http://127.0.0.1:9000/callback"}, Scopes: []string{"notes:ro"}})
	if err != nil {
		log.Fatal(err)
	}
	acct, err := srv.NewAccount(flows.AccountSpec{ID: "ann", Login: "ann@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	if err := errors.Join(st.PutClient(ctx, client), st.PutAccount(ctx, acct)); err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/oauth/", http.StripPrefix("/oauth", srv.Handler()))
	// mux.HandleFunc("/signin", ...): the application's own sign-in page.

	authorize := "/oauth/?response_type=code&client_id=notes-cli&scope=notes:ro&state=st" +
		"&redirect_uri=http%3A%2F%2F127.0.0.1%3A9000%2Fcallback" +
		"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"

	// Nobody is signed in: off to the application's sign-in page.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", authorize, nil))
	next, _ := url.Parse(rec.Header().Get("Location"))
	fmt.Println(rec.Code, next.Path, next.Query().Get("next") == authorize)

	// Signed in at the application: the server's consent page.
	req := httptest.NewRequest("GET", authorize, nil)
	req.AddCookie(&http.Cookie{Name: "app_session", Value: "opaque-session-id"})
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), "wants to access your account"))
	// Output:
	// 303 /signin true
	// 200 true
}
