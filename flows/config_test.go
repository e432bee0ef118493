package flows_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// TestConfigValidation: the required fields, and the counts and durations that would mean
// nothing, fail at New with an error naming them; NoLimit is accepted.
func TestConfigValidation(t *testing.T) {
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "a:ro"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	valid := func() flows.Config {
		return flows.Config{Issuer: "https://as.example", Storage: memstore.New(), Hasher: testHasher, Scopes: cat, Authenticator: nobody{}}
	}
	for name, tc := range map[string]struct {
		mutate func(*flows.Config)
		want   string // "" for no error
	}{
		"valid":                  {func(*flows.Config) {}, ""},
		"no hasher":              {func(c *flows.Config) { c.Hasher = nil }, "Hasher"},
		"no storage":             {func(c *flows.Config) { c.Storage = nil }, "Storage"},
		"negative lifetime":      {func(c *flows.Config) { c.Lifetimes.AccessToken = -time.Second }, "Lifetimes"},
		"negative count":         {func(c *flows.Config) { c.Limits.Tokens = -2 }, "NoLimit"},
		"negative client tokens": {func(c *flows.Config) { c.Limits.ClientTokens = -2 }, "NoLimit"},
		"negative window":        {func(c *flows.Config) { c.Limits.RedirectWindow = -time.Second }, "Limits"},
		"no limits": {func(c *flows.Config) {
			c.Limits = flows.Limits{Tokens: flows.NoLimit, ClientTokens: flows.NoLimit, Redirects: flows.NoLimit, ClientAuthFailures: flows.NoLimit}
		}, ""},
		"issuer with a query": {func(c *flows.Config) { c.Issuer = "https://as.example/?x=1" }, "Issuer"},
		"colliding paths":     {func(c *flows.Config) { c.Paths.Token = "/revoke" }, "/revoke"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := valid()
			tc.mutate(&cfg)
			_, err := flows.New(cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("New = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// TestDefaultPathsIsACopy: DefaultPaths returns a new value each time, so that no caller
// can change another's defaults.
func TestDefaultPathsIsACopy(t *testing.T) {
	p := flows.DefaultPaths()
	p.Token = "/mine"
	if got := flows.DefaultPaths().Token; got != "/v2/token" {
		t.Fatalf("DefaultPaths().Token = %q after a caller changed its copy", got)
	}
}

// nobody is an application's own Authenticator with whom nobody is ever signed in.
type nobody struct{}

func (nobody) Account(*http.Request) (store.Account, bool, error) { return store.Account{}, false, nil }

func (nobody) SignIn(w http.ResponseWriter, r *http.Request, _ string) {
	http.Error(w, "sign in elsewhere", http.StatusUnauthorized)
}
