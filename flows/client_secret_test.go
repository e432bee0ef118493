package flows_test

import (
	"context"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// TestRotatedClientSecretOverlap: a client whose secret was rotated with an overlap
// authenticates with either secret until the previous one expires, then with the new one
// only; a previous secret without an expiry (no overlap) never authenticates.
func TestRotatedClientSecretOverlap(t *testing.T) {
	const id, oldSecret, newSecret = "rotated-app", "old-secret-0123456789", "new-secret-0123456789"
	e := newEnv(t)
	ctx := context.Background()
	c := store.Client{ID: id, Name: "Rotated", SecretHash: e.hasher.Hash(newSecret), RedirectURIs: []string{confRedirect},
		Scopes: allScopes, PreviousSecretHash: e.hasher.Hash(oldSecret), PreviousSecretExpiresAt: e.clock.Now().Add(time.Hour)}
	if err := e.store.PutClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	authenticates := func(secret string) bool {
		t.Helper()
		r := e.tokenDo(tokenCall{body: refreshJunk().Encode(), auth: basicAuth(id, secret)})
		switch r.str("error") {
		case "invalid_grant": // authenticated; the refresh token is junk
			return true
		case "invalid_client":
			return false
		}
		t.Fatalf("unexpected answer %d %s", r.status, r.raw)
		return false
	}
	if !authenticates(newSecret) || !authenticates(oldSecret) {
		t.Fatal("during the overlap both secrets must authenticate")
	}
	if authenticates("wrong-secret") {
		t.Fatal("a wrong secret authenticated during the overlap")
	}
	e.clock.Advance(time.Hour) // the overlap ends at PreviousSecretExpiresAt
	if authenticates(oldSecret) {
		t.Fatal("the previous secret still authenticates after its overlap")
	}
	if !authenticates(newSecret) {
		t.Fatal("the new secret stopped authenticating")
	}

	c.PreviousSecretExpiresAt = time.Time{}
	if err := e.store.PutClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(-2 * time.Hour)
	if authenticates(oldSecret) {
		t.Fatal("a previous secret without an expiry authenticated")
	}
}
