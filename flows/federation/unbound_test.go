package federation_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauthkit/oauthkit/flows/federation"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
)

// TestUnboundUpstream: an Upstream that no server has bound (its Authenticator's Routes
// never reached flows.New) answers 500 instead of starting a sign-in it could not finish.
func TestUnboundUpstream(t *testing.T) {
	up, err := federation.New(federation.Config{
		Issuer: "https://idp.example", ClientID: "x", Organizations: map[string]string{"a": "org"}, SignInRoles: []string{"agent"},
		Storage:  memstore.New(),
		SignedIn: func(http.ResponseWriter, *http.Request, store.Account) error { return nil }, SignInPage: "/signin",
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	up.Start(rec, httptest.NewRequest(http.MethodGet, "/signin", nil), "/")
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Location") != "" {
		t.Fatalf("Start of an unbound Upstream: %d, Location %q; want 500 and no redirect", rec.Code, rec.Header().Get("Location"))
	}
}
