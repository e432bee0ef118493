package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/examples/resource/api"
	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// mountAPI serves the demo resource API of examples/resource on the authorization server's
// own origin (/v3/...), so the whole demo works with one process. Tokens are validated
// against the same storage, through a cache that hears this process's revocations at once.
// client_credentials tokens act for no account and are served by no route of this API.
// The returned function stops the cache.
func mountAPI(mux *http.ServeMux, st store.Storage, hashKey []byte, cat *scopes.Catalog) (func(), error) {
	// Accounts and the catalog: a personal access token is accepted only while its account
	// exists, and keeps its administrator-only scopes only while the account is an
	// administrator (flows.Config.Policy.AdminRole, the default here).
	hasher, err := credentials.NewHasher(hashKey)
	if err != nil {
		return nil, err
	}
	local, err := middleware.NewLocal(st, hasher, middleware.LocalOptions{Accounts: st, Catalog: cat})
	if err != nil {
		return nil, err
	}
	cache := middleware.Cached(local, middleware.CacheOptions{MaxAge: 30 * time.Second})
	if pub, ok := st.(store.RevocationPublisher); ok {
		cache.SubscribeTo(pub)
	}
	authn := middleware.Authenticate(cache, middleware.Options{
		Realm: "oauthkit-demo-api",
		Kinds: []store.TokenKind{store.KindAccess, store.KindPersonal, store.KindCustomer},
	})
	mux.Handle("/v3/", api.New(authn, cat))
	return func() { _ = cache.Close() }, nil
}

// jwtConfig loads the private JWK at path, creating it (ES256) on first use, and the keys
// retired beside it (cli_keys.go), for JWT access tokens with the given audiences
// (comma-separated; empty: the issuer).
func jwtConfig(path, audience string) (*flows.JWTAccessTokens, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if key, err = flows.GenerateSigningKey("ES256"); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("-jwt-key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("-jwt-key: %w", err)
	}
	cfg := &flows.JWTAccessTokens{SigningKey: key}
	// The keys that signed before a rotation (keys rotate) stay published until their time.
	retired, err := readRetiredKeys(path)
	if err != nil {
		return nil, fmt.Errorf("-jwt-key: %w", err)
	}
	for _, r := range retired {
		cfg.RetiredKeys = append(cfg.RetiredKeys, flows.RetiredKey{Key: r.Key, Until: r.Until})
	}
	for _, a := range strings.Split(audience, ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.Audience = append(cfg.Audience, a)
		}
	}
	return cfg, nil
}
