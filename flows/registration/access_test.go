package registration_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Initial access tokens (RFC 7591 §3): the request must present one of the configured
// tokens as a Bearer token; none is 401 with a challenge naming no error, a wrong or
// malformed one 401 invalid_token (400 invalid_request when malformed).
func TestInitialAccessToken(t *testing.T) {
	iat := credentials.NewSecret("oak:iat_")
	other := credentials.NewSecret("oak:iat_")
	e := newEnv(t, options{reg: func(c *registration.Config) {
		c.Access = registration.InitialAccessTokens(testHasher.Hash(other), testHasher.Hash(iat))
	}})
	r := e.register(mcpClient())
	wantError(t, "no token", r, http.StatusUnauthorized, registration.ErrInvalidToken)
	if ch := r.header.Get("WWW-Authenticate"); ch != `Bearer realm="oauthkit"` {
		t.Errorf("no token: WWW-Authenticate %q, want a challenge without error", ch)
	}
	r = e.register(mcpClient(), "Authorization", "Bearer "+iat+"x")
	wantError(t, "wrong token", r, http.StatusUnauthorized, registration.ErrInvalidToken)
	if ch := r.header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="invalid_token"`) {
		t.Errorf("wrong token: WWW-Authenticate %q", ch)
	}
	wantError(t, "malformed", e.register(mcpClient(), "Authorization", "Bearer a b"), http.StatusBadRequest, flows.ErrInvalidRequest)
	wantError(t, "another scheme", e.register(mcpClient(), "Authorization", basic("a", "b")), http.StatusUnauthorized, registration.ErrInvalidToken)
	e.mustRegister(mcpClient(), "Authorization", "Bearer "+iat)
	e.mustRegister(mcpClient(), "Authorization", "Bearer "+other)
	if e.puts.Load() != 2 {
		t.Errorf("%d clients stored, want the 2 with a valid token", e.puts.Load())
	}
}

// AllowFunc decides with the application's own rule; its refusals are answered as it
// says, and its failures as server_error without detail.
func TestAllowFunc(t *testing.T) {
	var calls int
	e := newEnv(t, options{reg: func(c *registration.Config) {
		c.Access = registration.AllowFunc(func(r *http.Request) error {
			calls++
			switch r.Header.Get("X-Team") {
			case "ours":
				return nil
			case "":
				return registration.Unauthorized("sign in to the developer portal first")
			case "broken":
				return errors.New("directory down: secret detail")
			}
			return registration.Forbidden("your team may not register apps")
		})
	}})
	e.mustRegister(mcpClient(), "X-Team", "ours")
	wantError(t, "unauthorized", e.register(mcpClient()), http.StatusUnauthorized, registration.ErrInvalidToken)
	wantError(t, "forbidden", e.register(mcpClient(), "X-Team", "theirs"), http.StatusForbidden, flows.ErrAccessDenied)
	r := e.register(mcpClient(), "X-Team", "broken")
	wantError(t, "failing", r, http.StatusInternalServerError, flows.ErrServerError)
	if strings.Contains(string(r.body), "secret detail") {
		t.Errorf("an internal error reached the answer: %s", r.body)
	}
	if calls != 4 {
		t.Errorf("AllowFunc called %d times, want 4", calls)
	}
}

// Registrations are limited per address: past the limit, 429 with Retry-After until the
// window ends; other addresses are not affected; bad requests count too.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, options{reg: func(c *registration.Config) {
		c.Limits.Registrations, c.Limits.Window = 3, 10*time.Minute
	}})
	a := "198.51.100.7"
	e.mustRegister(mcpClient(), "X-Test-Addr", a)
	wantError(t, "bad request", e.register("{", "X-Test-Addr", a), http.StatusBadRequest, registration.ErrInvalidClientMetadata)
	e.mustRegister(mcpClient(), "X-Test-Addr", a)
	e.clock.Advance(time.Minute)
	r := e.register(mcpClient(), "X-Test-Addr", a)
	wantError(t, "fourth request", r, http.StatusTooManyRequests, flows.ErrInvalidRequest)
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra != 540 {
		t.Errorf("Retry-After %q, want 540 (the window's end)", r.header.Get("Retry-After"))
	}
	e.mustRegister(mcpClient(), "X-Test-Addr", "198.51.100.8")
	e.clock.Advance(9 * time.Minute)
	e.mustRegister(mcpClient(), "X-Test-Addr", a)
	if n := e.puts.Load(); n != 4 {
		t.Errorf("%d clients stored, want 4", n)
	}
}

// Config.Check sees what would be registered, and the software statement as sent; its
// refusals are answered with their RFC 7591 codes and nothing is stored.
func TestCheck(t *testing.T) {
	var seen []registration.Request
	e := newEnv(t, options{reg: func(c *registration.Config) {
		c.Check = func(req *registration.Request) error {
			seen = append(seen, *req)
			switch req.SoftwareStatement {
			case "":
				return nil
			case "eyJ.good.sig":
				if req.Metadata.SoftwareID != "acme-cli" {
					return registration.UnapprovedSoftwareStatement("the statement is for another software")
				}
				return nil
			case "eyJ.unapproved.sig":
				return registration.UnapprovedSoftwareStatement("this software is not approved here")
			}
			return registration.InvalidSoftwareStatement("the software statement does not verify")
		}
	}})
	reg := e.mustRegister(mcpClient())
	if len(seen) != 1 || seen[0].ClientID != reg.ClientID || seen[0].Update || seen[0].Metadata.ClientName != mcpName ||
		seen[0].Metadata.Scope != "notes:ro notes:rw" || seen[0].HTTP == nil {
		t.Errorf("Check saw %+v", seen)
	}
	e.mustRegister(with(mcpClient(), "software_statement", "eyJ.good.sig", "software_id", "acme-cli"))
	before := e.puts.Load()
	wantError(t, "invalid statement", e.register(with(mcpClient(), "software_statement", "eyJ.forged.sig")), http.StatusBadRequest, registration.ErrInvalidSoftwareStatement)
	wantError(t, "unapproved statement", e.register(with(mcpClient(), "software_statement", "eyJ.unapproved.sig")), http.StatusBadRequest, registration.ErrUnapprovedSoftwareStatement)
	wantError(t, "statement for another software", e.register(with(mcpClient(), "software_statement", "eyJ.good.sig")), http.StatusBadRequest, registration.ErrUnapprovedSoftwareStatement)
	if e.puts.Load() != before {
		t.Error("a refused registration was stored")
	}
	// Refused before Check: the server's own rules come first.
	n := len(seen)
	e.register(with(mcpClient(), "redirect_uris", []string{"http://evil.example/cb"}))
	if len(seen) != n {
		t.Error("Check saw a registration the server's rules refuse")
	}
	// Updates are checked too.
	upd := with(mcpClient(), "client_id", reg.ClientID, "software_statement", "eyJ.forged.sig")
	wantError(t, "update with an invalid statement", e.do(http.MethodPut, "/register/"+reg.ClientID, upd, "Authorization", "Bearer "+reg.RegistrationAccessToken),
		http.StatusBadRequest, registration.ErrInvalidSoftwareStatement)
	if last := seen[len(seen)-1]; !last.Update || last.ClientID != reg.ClientID {
		t.Errorf("Check of an update saw %+v", last)
	}
}
