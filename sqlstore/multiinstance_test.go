package sqlstore_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// Two server instances (package flows) behind an imaginary load balancer, each with its
// own Store and connection pool, over one database: whatever one issues, the other
// honours; whatever one consumes or revokes, the other sees at once.

func wantStatus(t *testing.T, what string, r tokenResponse, status int, errCode string) {
	t.Helper()
	if r.status != status || r.str("error") != errCode {
		t.Fatalf("%s: %d %s, want %d with error %q", what, r.status, r.body, status, errCode)
	}
}

// valid reports whether an instance's storage accepts the token string, as a resource
// server validating against that storage would.
func valid(t *testing.T, a *authServer, token string) bool {
	t.Helper()
	_, err := a.st.Token(context.Background(), testHasher(t).Hash(token), t0)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Token: %v", err)
	}
	return err == nil
}

func multiInstance(t *testing.T, b backend) {
	dsn := b.dsn(t)
	stA, stB := open(t, dsn), open(t, dsn)
	seedFlows(t, stA)
	a, c := newAuthServer(t, stA), newAuthServer(t, stB)

	t.Run("TokenIssuedByOneValidAtOther", func(t *testing.T) {
		r := a.exchange(confID, a.code(confID))
		wantStatus(t, "exchange at A", r, http.StatusOK, "")
		if !valid(t, c, r.str("access_token")) {
			t.Error("an access token issued by A is not valid at B")
		}
		wantStatus(t, "refresh at B", c.refresh(confID, r.str("refresh_token")), http.StatusOK, "")
	})

	t.Run("CodeExchangedOnceAtEither", func(t *testing.T) {
		code := a.code(confID)
		first := c.exchange(confID, code)
		wantStatus(t, "first exchange, at B", first, http.StatusOK, "")
		wantStatus(t, "replay at A", a.exchange(confID, code), http.StatusBadRequest, "invalid_grant")
		wantStatus(t, "replay at B", c.exchange(confID, code), http.StatusBadRequest, "invalid_grant")
		// RFC 9700 §4.5: the replay revoked what the first exchange issued, at both.
		for _, inst := range []*authServer{a, c} {
			if valid(t, inst, first.str("access_token")) {
				t.Error("the access token of a replayed code is still valid")
			}
		}
		wantStatus(t, "refresh after the replay", a.refresh(confID, first.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
	})

	t.Run("CodeRacedAtBoth", func(t *testing.T) {
		code := a.code(confID)
		results := make(chan tokenResponse, 2)
		for _, inst := range []*authServer{a, c} {
			go func() { results <- inst.exchange(confID, code) }()
		}
		r1, r2 := <-results, <-results
		if (r1.status == http.StatusOK) == (r2.status == http.StatusOK) {
			t.Errorf("one code exchanged at both instances at once: %d and %d, want one success", r1.status, r2.status)
		}
	})

	t.Run("RevocationAtOneEffectiveAtOther", func(t *testing.T) {
		r := a.exchange(confID, a.code(confID))
		wantStatus(t, "exchange at A", r, http.StatusOK, "")
		tok, err := stA.Token(context.Background(), testHasher(t).Hash(r.str("access_token")), t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := stA.RevokeToken(context.Background(), tok.ID); err != nil {
			t.Fatal(err)
		}
		if valid(t, c, r.str("access_token")) {
			t.Error("an access token revoked at A is still valid at B")
		}
		wantStatus(t, "refresh at B after revocation at A", c.refresh(confID, r.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
	})

	t.Run("RotatedRefreshReusedAtOther", func(t *testing.T) {
		r0 := a.exchange(pubID, a.code(pubID))
		wantStatus(t, "exchange at A", r0, http.StatusOK, "")
		r1 := a.refresh(pubID, r0.str("refresh_token"))
		wantStatus(t, "rotation at A", r1, http.StatusOK, "")
		// Reusing the rotated token at B is theft: refused, and the family is revoked.
		wantStatus(t, "reuse at B", c.refresh(pubID, r0.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
		wantStatus(t, "the new refresh token at A", a.refresh(pubID, r1.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
		if valid(t, a, r1.str("access_token")) {
			t.Error("an access token of the revoked family is still valid")
		}
	})
}

func TestSQLiteMultiInstance(t *testing.T) { multiInstance(t, sqliteBackend) }

func TestPostgresMultiInstance(t *testing.T) {
	postgresBase(t)
	multiInstance(t, postgresBackend)
}
