package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// config is the demo data file: organizations, accounts, scopes and clients. It holds only
// hashes, never a plaintext password or secret.
type config struct {
	// HashKey (hex) keys the HMAC under which client secrets, codes and tokens are stored.
	// The client secret hashes below were made with it. A real deployment keeps its key out
	// of files like this one (OAUTHKIT_HASH_KEY).
	HashKey       string          `json:"hash_key"`
	Organizations []configOrg     `json:"organizations"`
	Accounts      []configAccount `json:"accounts"`
	Scopes        []configScope   `json:"scopes"`
	Implications  []configImplies `json:"implications"`
	Clients       []configClient  `json:"clients"`
}

type configOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type configAccount struct {
	ID             string   `json:"id"`
	Login          string   `json:"login"`
	OrganizationID string   `json:"organization_id"`
	Roles          []string `json:"roles"`
	// PasswordHash is an argon2id PHC string (make one with -hash-password).
	PasswordHash string `json:"password_hash"`
}

type configScope struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	AdminOnly   bool   `json:"admin_only"`
}

type configImplies struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type configClient struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Public       bool     `json:"public"`
	SecretHash   string   `json:"secret_hash"` // hex HMAC-SHA256 under hash_key (make one with -hash-secret)
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       []string `json:"scopes"`
	Organization string   `json:"organization_id"` // set: private to this organization
	Implicit     bool     `json:"allow_implicit"`
	RequirePKCE  bool     `json:"require_pkce"`
}

// parseConfig decodes and checks a config file; unknown fields are errors, so typos do not
// pass silently.
func parseConfig(b []byte) (*config, error) {
	var c config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &c, nil
}

// loadConfig reads the config file at path (the embedded demo config when path is empty)
// and returns it with the server's hash key: OAUTHKIT_HASH_KEY (hex) when it is set, the
// config's hash_key otherwise. The server and its commands both take their key from here,
// so the secrets a command makes work for the server.
func loadConfig(path string) (*config, []byte, error) {
	raw := demoConfig
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		raw = b
	}
	cfg, err := parseConfig(raw)
	if err != nil {
		return nil, nil, err
	}
	key, err := cfg.hashKey()
	if env := os.Getenv("OAUTHKIT_HASH_KEY"); env != "" {
		key, err = hex.DecodeString(env)
	}
	if err != nil {
		return nil, nil, err
	}
	return cfg, key, nil
}

// hashKey returns the configured HMAC key.
func (c *config) hashKey() ([]byte, error) {
	k, err := hex.DecodeString(c.HashKey)
	if err != nil || len(k) < 32 {
		return nil, errors.New("config: hash_key must be at least 32 bytes in hex")
	}
	return k, nil
}

// catalog builds the scope catalog.
func (c *config) catalog() (*scopes.Catalog, error) {
	defs := make([]scopes.Scope, len(c.Scopes))
	for i, s := range c.Scopes {
		defs[i] = scopes.Scope{Name: s.Name, Description: s.Description, AdminOnly: s.AdminOnly}
	}
	rules := make([]scopes.Implication, len(c.Implications))
	for i, r := range c.Implications {
		rules[i] = scopes.Implication{From: r.From, To: r.To}
	}
	return scopes.NewCatalog(defs, rules)
}

// check validates the config against the scope catalog without writing anything: redirect
// URIs, client scopes and secret hashes.
func (c *config) check(cat *scopes.Catalog) error {
	_, err := c.clientRecords(cat, time.Time{})
	return err
}

// clientRecords validates the config's clients and returns their records.
func (c *config) clientRecords(cat *scopes.Catalog, now time.Time) ([]store.Client, error) {
	var recs []store.Client
	for _, cl := range c.Clients {
		rec := store.Client{
			ID: cl.ID, Name: cl.Name, Public: cl.Public, RedirectURIs: cl.RedirectURIs,
			Scopes: cl.Scopes, OrganizationID: cl.Organization, AllowImplicit: cl.Implicit,
			RequirePKCE: cl.RequirePKCE, CreatedAt: now, UpdatedAt: now,
		}
		for _, u := range cl.RedirectURIs {
			if err := redirecturi.ValidateRegistered(u); err != nil {
				return nil, fmt.Errorf("config: client %s: redirect URI %q: %w", cl.ID, u, err)
			}
		}
		if unknown := cat.Unknown(scopes.New(cl.Scopes...)); len(unknown) > 0 {
			return nil, fmt.Errorf("config: client %s: unknown scopes %v", cl.ID, unknown)
		}
		if !cl.Public {
			h, err := store.ParseHash(cl.SecretHash)
			if err != nil {
				return nil, fmt.Errorf("config: client %s: secret_hash: %w", cl.ID, err)
			}
			rec.SecretHash = h
		} else if cl.SecretHash != "" {
			return nil, fmt.Errorf("config: client %s: a public client has no secret", cl.ID)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// seed writes the config's records into st, replacing records with the same ids. The
// whole config is validated before the first write.
func (c *config) seed(ctx context.Context, st store.Storage, cat *scopes.Catalog, now time.Time) error {
	clients, err := c.clientRecords(cat, now)
	if err != nil {
		return err
	}
	for _, o := range c.Organizations {
		if err := st.PutOrganization(ctx, store.Organization{ID: o.ID, Name: o.Name}); err != nil {
			return err
		}
	}
	for _, a := range c.Accounts {
		err := st.PutAccount(ctx, store.Account{
			ID: a.ID, Login: strings.ToLower(a.Login), OrganizationID: a.OrganizationID,
			Roles: a.Roles, PasswordHash: a.PasswordHash, CreatedAt: now,
		})
		if err != nil {
			return fmt.Errorf("config: account %s: %w", a.Login, err)
		}
	}
	for _, rec := range clients {
		if err := st.PutClient(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}
