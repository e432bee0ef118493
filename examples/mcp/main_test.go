package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDiscoveryWithoutNode: what an MCP client reads before it has a token, without
// node: the endpoint's challenge, the resource metadata it points at, and the
// authorization server's metadata (registration, client ID metadata documents, S256).
func TestDiscoveryWithoutNode(t *testing.T) {
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer ts.Close()
	h, _ = wire(config{Issuer: ts.URL, Key: []byte(strings.Repeat("k", 32)), Password: password})

	resp, err := http.Post(ts.URL+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `resource_metadata="` + ts.URL + `/.well-known/oauth-protected-resource/mcp"`
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), want) {
		t.Fatalf("without a token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	getJSON(t, ts.URL+"/.well-known/oauth-protected-resource/mcp", &prm)
	if prm.Resource != ts.URL+"/mcp" || len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != ts.URL {
		t.Fatalf("resource metadata: %+v", prm)
	}
	var as struct {
		Registration string   `json:"registration_endpoint"`
		CIMD         bool     `json:"client_id_metadata_document_supported"`
		Methods      []string `json:"code_challenge_methods_supported"`
	}
	getJSON(t, ts.URL+"/.well-known/oauth-authorization-server", &as)
	if as.Registration != ts.URL+"/register" || !as.CIMD || !strings.Contains(strings.Join(as.Methods, " "), "S256") {
		t.Fatalf("authorization server metadata: %+v", as)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
