package registration_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows/registration"
)

const day = 24 * time.Hour

// housekeep runs the storage's housekeeping at the test clock's now, as an application's
// periodic job does.
func (e *env) housekeep() int {
	e.t.Helper()
	n, err := e.st.DeleteExpired(e.t.Context(), e.clock.Now())
	must(e.t, err)
	return n
}

func (e *env) alive(reg registered) bool {
	e.t.Helper()
	r := e.do(http.MethodGet, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...)
	return r.status == http.StatusOK
}

// A registered client that is never used is removed by housekeeping once
// UnusedClientLifetime has passed since its registration; one that got tokens lives until
// the lifetime has passed since its last token expired; an update renews it; a client
// provisioned otherwise never expires.
func TestUnusedClientsExpire(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) { c.UnusedClientLifetime = 10 * day }})
	idle := e.mustRegister(mcpClient())
	used := e.mustRegister(mcpClient())
	updated := e.mustRegister(mcpClient())
	e.clock.Advance(5 * day)
	e.codeFlow(used) // a refresh token valid 30 days, an access token 8 hours
	if r := e.do(http.MethodPut, updated.RegistrationClientURI, with(mcpClient(), "client_id", updated.ClientID), bearer(updated.RegistrationAccessToken)...); r.status != http.StatusOK {
		t.Fatalf("update: %d %s", r.status, r.body)
	}

	e.clock.Advance(5*day - time.Second)
	e.housekeep()
	if !e.alive(idle) || !e.alive(used) || !e.alive(updated) {
		t.Fatal("a client was removed before its lifetime passed")
	}
	e.clock.Advance(time.Second)
	e.housekeep()
	if e.alive(idle) {
		t.Error("a client unused for its lifetime is still registered")
	}
	if !e.alive(used) || !e.alive(updated) {
		t.Error("a used or updated client was removed")
	}
	e.clock.Advance(5 * day) // 15 days after registration, 10 after the update
	e.housekeep()
	if e.alive(updated) {
		t.Error("a client unused for its lifetime since its update is still registered")
	}
	// The used client holds a refresh token until day 35: it lives until day 45.
	e.clock.Advance(30*day - time.Second) // day 45, less a second
	e.housekeep()
	if !e.alive(used) {
		t.Fatal("a client whose token expired less than its lifetime ago was removed")
	}
	e.clock.Advance(time.Second)
	e.housekeep()
	if e.alive(used) {
		t.Error("a client unused for its lifetime since its last token expired is still registered")
	}
	if _, err := e.st.Client(t.Context(), staticID); err != nil {
		t.Errorf("the provisioned client: %v", err)
	}
}

// NoExpiry keeps registered clients however long they are unused.
func TestNoExpiry(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) { c.UnusedClientLifetime = registration.NoExpiry }})
	reg := e.mustRegister(mcpClient())
	c, err := e.st.Client(t.Context(), reg.ClientID)
	must(t, err)
	if c.UnusedLifetime != 0 {
		t.Errorf("UnusedLifetime %v with NoExpiry", c.UnusedLifetime)
	}
	e.clock.Advance(3650 * day)
	e.housekeep()
	if !e.alive(reg) {
		t.Error("a client registered with NoExpiry was removed")
	}
}
