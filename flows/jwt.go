package flows

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/store"
)

// JWTAccessTokens makes the server issue access tokens as RFC 9068 JWTs instead of
// opaque strings, so that resource servers can check them offline against the JWKS. Each
// JWT is still recorded in storage under its keyed hash with its jti as ID, so every
// endpoint (info, introspection, revocation) and the local and introspection validators
// treat it like an opaque token, and honour its revocation. A validator that only checks
// signatures cannot see a revocation before the token expires: that is the trade-off of
// pure JWT validation.
//
// Personal access tokens, customer tokens and refresh tokens stay opaque.
type JWTAccessTokens struct {
	// SigningKey is the private key that signs new tokens, as a JWK (JSON): EC P-256 for
	// ES256, Ed25519 (OKP) for EdDSA, or RSA for RS256, with its "alg". Every server
	// instance needs the same key; keep it with the server's other secrets. Make one with
	// [GenerateSigningKey].
	SigningKey []byte
	// RetiredKeys are earlier signing keys (private JWKs, as they were configured) that stay published in
	// the JWKS until their Until time, so tokens they signed keep verifying after a restart
	// that rotated the key.
	RetiredKeys []RetiredKey
	// Audience is the aud claim of the tokens issued for no resource. A token issued for
	// resources (RFC 8707: Config.Resources, Config.DefaultResource) has those as its aud
	// instead, and nothing else, so that it is refused by every other resource server.
	// Default: the issuer.
	Audience []string
}

// RetiredKey is a key that no longer signs but is still published.
type RetiredKey struct {
	// Key is the retired signing key as a private JWK (JSON), as SigningKey was; New
	// rejects a public-only JWK. Only its public part is published.
	Key []byte
	// Until is when the key leaves the JWKS: at least the rotation time plus the access
	// token lifetime and the verifiers' clock leeway. A key already past Until is ignored.
	Until time.Time
}

// GenerateSigningKey returns a new private JWK for alg: "ES256" (the default when alg is
// empty), "EdDSA" or "RS256".
func GenerateSigningKey(alg string) ([]byte, error) {
	if alg == "" {
		alg = string(jose.ES256)
	}
	k, err := jose.GenerateKey(gojose.SignatureAlgorithm(alg))
	if err != nil {
		return nil, err
	}
	return k.MarshalPrivateJWK()
}

// newKeySet builds the key set of cfg.
func newKeySet(cfg *JWTAccessTokens, now time.Time) (*jose.KeySet, error) {
	if len(cfg.SigningKey) == 0 {
		return nil, errors.New("flows: JWTAccessTokens.SigningKey is required (see GenerateSigningKey)")
	}
	current, err := jose.ParseKey(cfg.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("flows: JWTAccessTokens.SigningKey: %w", err)
	}
	ks, err := jose.NewKeySet(current)
	if err != nil {
		return nil, err
	}
	for i, r := range cfg.RetiredKeys {
		k, err := jose.ParseKey(r.Key)
		if err != nil {
			return nil, fmt.Errorf("flows: JWTAccessTokens.RetiredKeys[%d]: %w", i, err)
		}
		if r.Until.After(now) {
			ks.Publish(k, r.Until)
		}
	}
	return ks, nil
}

// signAccess returns the JWT for the access token record t (whose ID becomes the jti).
func (s *Server) signAccess(t store.Token) (string, error) {
	sub := t.AccountID
	if sub == "" {
		sub = t.ClientID // client_credentials: the client acts for itself
	}
	aud := t.Audience // RFC 8707: bound to its resources alone
	if len(aud) == 0 {
		aud = s.audience
	}
	return s.keys.Sign(jose.AccessClaims{
		Issuer:         s.cfg.Issuer,
		Subject:        sub,
		Audience:       aud,
		ClientID:       t.ClientID,
		Scopes:         t.Scopes,
		ID:             t.ID,
		IssuedAt:       t.IssuedAt,
		ExpiresAt:      t.ExpiresAt,
		AccountID:      t.AccountID,
		OrganizationID: t.OrganizationID,
	})
}

// RotateSigningKey makes key (a private JWK) sign new JWT access tokens. The previous key
// stays published until every token it signed has expired (now plus the access token
// lifetime and a minute of clock leeway). Instances sharing storage must rotate alike:
// give each the new key in its configuration, with the old one under RetiredKeys.
func (s *Server) RotateSigningKey(key []byte) error {
	if s.keys == nil {
		return errors.New("flows: JWT access tokens are not enabled")
	}
	k, err := jose.ParseKey(key)
	if err != nil {
		return err
	}
	s.keys.Rotate(k, s.now().Add(s.cfg.Lifetimes.AccessToken+time.Minute))
	return nil
}

// JWKSHandler returns the public keys of the JWT access tokens as a JWKS (RFC 7517), served
// at /.well-known/jwks.json: the signing key and every key still published. Without JWT
// access tokens it answers 404.
func (s *Server) JWKSHandler() http.Handler {
	if s.keys == nil {
		return http.NotFoundHandler()
	}
	return jose.JWKSHandler(s.keys, s.now)
}
