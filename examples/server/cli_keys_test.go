package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCommandKeys: keys generate writes the file the server's -jwt-key reads; keys rotate
// puts a new key in it and keeps the old ones published beside it, which the server's
// JWKS then lists.
func TestCommandKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jwt-key.json")
	stdout, stderr := mustRun(t, "keys", "generate", "-jwt-key", path)
	m := regexp.MustCompile(`^kid: (\S+)\nalg: ES256\n$`).FindStringSubmatch(stdout)
	if m == nil || !strings.Contains(stderr, "-jwt-key "+path) {
		t.Fatalf("keys generate printed %q, %q", stdout, stderr)
	}
	first := m[1]
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v, mode %v; want 0600", err, fi.Mode())
	}
	b, _ := os.ReadFile(path)
	if kid, _, err := keyInfo(b); err != nil || kid != first || strings.Contains(stdout+stderr, `"d"`) {
		t.Fatalf("the file's key %q (%v), printed %q; and the private key must not be printed", kid, err, first)
	}
	if code, _, stderr := runCmd(t, "keys", "generate", "-jwt-key", path); code != exitFailure || !strings.Contains(stderr, "keys rotate") {
		t.Errorf("generating over an existing key: exit %d %q", code, stderr)
	}
	if after, _ := os.ReadFile(path); string(after) != string(b) {
		t.Error("generate replaced an existing key")
	}

	stdout, _ = mustRun(t, "keys", "rotate", "-jwt-key", path, "-json")
	var rot keyJSON
	if err := json.Unmarshal([]byte(stdout), &rot); err != nil || rot.KeyID == first || rot.Alg != "ES256" ||
		len(rot.Retired) != 1 || rot.Retired[0].KeyID != first || time.Until(rot.Retired[0].Until) < 8*time.Hour {
		t.Fatalf("keys rotate -json: %v %+v", err, rot)
	}
	stdout, _ = mustRun(t, "keys", "rotate", "-jwt-key", path, "-alg", "EdDSA")
	m = regexp.MustCompile(`^kid: (\S+)\nalg: EdDSA\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("keys rotate -alg EdDSA printed %q", stdout)
	}
	third := m[1]
	fi, err = os.Stat(path + retiredSuffix)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the retired keys file: %v, mode %v; want 0600", err, fi.Mode())
	}

	// The server signs with the newest key and publishes the two before it.
	cfg, err := jwtConfig(path, "")
	if err != nil || len(cfg.RetiredKeys) != 2 {
		t.Fatalf("jwtConfig: %v, %d retired keys", err, len(cfg.RetiredKeys))
	}
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", "memory", "-jwt-key", path)
	resp, err := http.Get(w.issuer + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jwks struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.Kid)
	}
	for _, want := range []string{first, rot.KeyID, third} {
		if !slices.Contains(kids, want) {
			t.Errorf("the JWKS %v lacks the key %s", kids, want)
		}
	}
}
