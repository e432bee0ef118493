// Package jose holds the signing keys and the RFC 9068 token format of oauthkit's JWT access
// tokens, shared by the authorization server (package flows, which signs) and the
// resource-server middleware (which verifies), and the verifying side of any JWS oauthkit
// receives.
//
// A [Key] is one asymmetric signing key with a key ID derived from its public part (the
// RFC 7638 thumbprint), so that the same key always gets the same kid. A [KeySet] holds the
// key that signs now and the retired keys that must stay published until the last token they
// signed has expired; [KeySet.JWKS] is the document served at /.well-known/jwks.json.
// [KeySet.Sign] issues an RFC 9068 access token from [AccessClaims].
//
// To verify: [JWKSCache] holds another party's verification keys, fetched from its JWKS
// URL and cached (or fixed), and [AsymmetricAlgorithms] is the one allow-list of signature
// algorithms: public-key ones only, never "none" nor HMAC.
package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	gojose "github.com/go-jose/go-jose/v4"
)

// The signature algorithms oauthkit signs with. ES256 is the default: short signatures, fast
// verification, and the most widely supported elliptic-curve JWS algorithm.
const (
	ES256 = gojose.ES256 // ECDSA on P-256 with SHA-256
	EdDSA = gojose.EdDSA // Ed25519
	RS256 = gojose.RS256 // RSASSA-PKCS1-v1_5 with SHA-256, keys of at least 2048 bits
)

// Algorithms lists the algorithms [GenerateKey] and [ParseKey] accept, default first.
var Algorithms = []gojose.SignatureAlgorithm{ES256, EdDSA, RS256}

// RSABits is the modulus size of generated RS256 keys.
const RSABits = 3072

// Key is an asymmetric signing key. It is immutable once made.
type Key struct {
	// ID is the key ID ("kid"): the base64url RFC 7638 SHA-256 thumbprint of the public key.
	ID string
	// Algorithm is the JWS algorithm the key signs with.
	Algorithm gojose.SignatureAlgorithm
	// Private is the private key: *ecdsa.PrivateKey (P-256), ed25519.PrivateKey or
	// *rsa.PrivateKey.
	Private crypto.Signer
}

// GenerateKey makes a new key for alg (ES256, EdDSA or RS256) from crypto/rand.
func GenerateKey(alg gojose.SignatureAlgorithm) (*Key, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, RSABits)
	default:
		return nil, fmt.Errorf("jose: unsupported signing algorithm %q", alg)
	}
	if err != nil {
		return nil, err
	}
	return NewKey(alg, priv)
}

// NewKey wraps an existing private key; it checks that the key suits alg and derives the
// key ID.
func NewKey(alg gojose.SignatureAlgorithm, priv crypto.Signer) (*Key, error) {
	if err := checkKeyType(alg, priv); err != nil {
		return nil, err
	}
	jwk := gojose.JSONWebKey{Key: priv.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("jose: thumbprint: %w", err)
	}
	return &Key{ID: base64.RawURLEncoding.EncodeToString(tp), Algorithm: alg, Private: priv}, nil
}

func checkKeyType(alg gojose.SignatureAlgorithm, priv crypto.Signer) error {
	ok := false
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		ok = alg == ES256 && k.Curve == elliptic.P256()
	case ed25519.PrivateKey:
		ok = alg == EdDSA && len(k) == ed25519.PrivateKeySize
	case *rsa.PrivateKey:
		ok = alg == RS256 && k.N.BitLen() >= 2048
	}
	if !ok {
		return fmt.Errorf("jose: the key does not suit algorithm %q (ES256 needs P-256, EdDSA Ed25519, RS256 RSA ≥ 2048 bits)", alg)
	}
	return nil
}

// Public returns the public JWK of k, as published in a JWKS ("use": "sig", with "alg" and
// "kid").
func (k *Key) Public() gojose.JSONWebKey {
	return gojose.JSONWebKey{Key: k.Private.Public(), KeyID: k.ID, Algorithm: string(k.Algorithm), Use: "sig"}
}

// MarshalPrivateJWK returns k as a private JWK (JSON), for keeping it in the server's
// configuration or secret store between restarts. The output is secret.
func (k *Key) MarshalPrivateJWK() ([]byte, error) {
	return json.Marshal(gojose.JSONWebKey{Key: k.Private, KeyID: k.ID, Algorithm: string(k.Algorithm), Use: "sig"})
}

// ParseKey reads a private JWK made by [Key.MarshalPrivateJWK] (or any private EC P-256,
// OKP Ed25519 or RSA JWK with an "alg" of ES256, EdDSA or RS256). The key ID is recomputed
// from the key, whatever the "kid" member says.
func ParseKey(data []byte) (*Key, error) {
	var jwk gojose.JSONWebKey
	if err := json.Unmarshal(data, &jwk); err != nil {
		return nil, fmt.Errorf("jose: parse key: %w", err)
	}
	if jwk.IsPublic() {
		return nil, errors.New("jose: parse key: a private key is required")
	}
	priv, ok := jwk.Key.(crypto.Signer)
	if !ok {
		return nil, errors.New("jose: parse key: not an asymmetric signing key")
	}
	return NewKey(gojose.SignatureAlgorithm(jwk.Algorithm), priv)
}
