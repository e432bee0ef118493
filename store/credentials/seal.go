package credentials

import (
	"crypto/aes"
	"crypto/cipher"
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
	key := h.sealKey(secret)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // only for a key of another length than 16, 24 or 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// sealKey derives the AES-256 key of Seal and Open: HKDF-SHA256 (RFC 5869) of secret, with
// the Hasher's key as salt and sealInfo as info, as crypto/hkdf.Key computes it (a test
// compares them), without its allocations. HKDF-Extract is HMAC-SHA256 keyed with the salt
// over secret, which is Hash; the 32 bytes are HKDF-Expand's first block, T(1) =
// HMAC-SHA256(PRK, info || 0x01), computed here on the stack (RFC 2104 with a key shorter
// than the block, zero-padded).
func (h *Hasher) sealKey(secret string) [sha256.Size]byte {
	prk := h.Hash(secret)
	const block = 64 // SHA-256's block size
	var inner [block + len(sealInfo) + 1]byte
	var outer [block + sha256.Size]byte
	for i := range block {
		k := byte(0)
		if i < len(prk) {
			k = prk[i]
		}
		inner[i], outer[i] = k^0x36, k^0x5c
	}
	copy(inner[block:], sealInfo)
	inner[len(inner)-1] = 1
	ih := sha256.Sum256(inner[:])
	copy(outer[block:], ih[:])
	okm := sha256.Sum256(outer[:])
	clear(inner[:block])
	clear(outer[:block])
	return okm
}
