package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// sealInfo separates this use of HKDF from any other.
const sealInfo = "oauthkit seal v1"

// Seal encrypts plaintext with AES-256-GCM under a key derived (HKDF-SHA256) from secret and
// the server key, so that only a holder of secret who also runs the server can open it. It
// is used to keep an access token's paired refresh token readable to the access token's
// holder without storing anything usable.
func (h *Hasher) Seal(secret string, plaintext []byte) []byte {
	aead := h.aead(secret)
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	_, _ = rand.Read(nonce)
	return aead.Seal(nonce, nonce, plaintext, nil)
}

// Open reverses [Hasher.Seal].
func (h *Hasher) Open(secret string, sealed []byte) ([]byte, error) {
	aead := h.aead(secret)
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errSealed
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
}

var errSealed = errors.New("credentials: sealed value is malformed")

func (h *Hasher) aead(secret string) cipher.AEAD {
	key, err := hkdf.Key(sha256.New, []byte(secret), h.key, sealInfo, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce; 32 bytes always works
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}
