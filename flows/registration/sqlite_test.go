package registration_test

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/sqlstore/sqlite"
)

// The whole life of a registration over SQLite: registered, read, updated, used, deleted,
// and an unused one removed by the database's housekeeping.
func TestSQLite(t *testing.T) {
	e := newEnv(t, options{storage: func(t *testing.T) backend {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "oauthkit.db"))
		must(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}})
	reg := e.mustRegister(with(mcpClient(), "client_uri", "https://app.example/", "contacts", []string{"dev@app.example"}))
	read := e.do(http.MethodGet, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...).json(t)
	if read["client_uri"] != "https://app.example/" || read["client_name"] != mcpName {
		t.Errorf("read: %v", read)
	}
	upd := with(mcpClient(), "client_id", reg.ClientID, "client_name", "Renamed")
	if r := e.do(http.MethodPut, reg.RegistrationClientURI, upd, bearer(reg.RegistrationAccessToken)...); r.status != http.StatusOK || r.json(t)["client_name"] != "Renamed" {
		t.Errorf("update: %d %s", r.status, r.body)
	}
	tok := e.codeFlow(reg)
	if r := e.do(http.MethodDelete, reg.RegistrationClientURI, nil, bearer(reg.RegistrationAccessToken)...); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := e.do(http.MethodGet, "/v2/info", nil, bearer(tok.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("the deleted client's token: %d", r.status)
	}

	idle := e.mustRegister(mcpClient())
	e.clock.Advance(30*24*time.Hour - time.Second)
	e.housekeep()
	if !e.alive(idle) {
		t.Fatal("removed before its lifetime")
	}
	e.clock.Advance(time.Second)
	e.housekeep()
	if e.alive(idle) {
		t.Error("an unused client survived the housekeeping")
	}
}
