// Package credentials makes and checks the secrets an authorization server stores: random
// secrets (codes, tokens, session ids, client secrets) with 256 bits from crypto/rand, their
// keyed hashes (HMAC-SHA256 under a key that stays out of the database), which are all that
// storage ever holds of them, and argon2id hashes of human passwords.
//
// The server (package flows) and a local token validator (package middleware) use a
// [Hasher] made from the same key; provisioning code uses the same functions to register a
// client's secret or an account's password:
//
//	h, err := credentials.NewHasher(key) // key: 32+ random bytes, kept out of the database
//	secret := credentials.NewClientSecret()
//	client := store.Client{ID: "my-app", SecretHash: h.Hash(secret), ...}
//	pw, err := credentials.HashPassword("correct horse battery staple")
//	account := store.Account{ID: credentials.NewID(), Login: "ann@example.com", PasswordHash: pw, ...}
package credentials

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/oauthkit/oauthkit/store"
)

// SecretBytes is the number of random bytes in every generated secret: 256 bits.
const SecretBytes = 32

// MinKeyLen is the shortest hashing key a [Hasher] accepts.
const MinKeyLen = 32

// New returns prefix followed by 256 bits from crypto/rand, base64url-encoded without
// padding (43 characters). The prefix makes a secret's kind readable (and findable by
// secret scanners); it adds no strength.
func NewSecret(prefix string) string {
	var b [SecretBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	var enc [secretLen]byte
	base64.RawURLEncoding.Encode(enc[:], b[:])
	var s strings.Builder // one allocation: the string itself
	s.Grow(len(prefix) + secretLen)
	s.WriteString(prefix)
	s.Write(enc[:])
	return s.String()
}

// secretLen is the length of a secret's base64url body.
const secretLen = (SecretBytes*8 + 5) / 6

// NewClientSecret returns a new client secret: 256 bits from crypto/rand, base64url-encoded
// (43 characters). Show it to the client's developer once and store only its
// [Hasher.Hash].
func NewClientSecret() string { return NewSecret("") }

// NewID returns a random UUID (version 4): a public identifier (an account, token or
// customer id), not a secret.
func NewID() string {
	var u uuid.UUID
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // the RFC 9562 variant
	return u.String()
}

// Hasher computes keyed hashes (HMAC-SHA256) of high-entropy secrets. A fast keyed hash is
// the right tool here: the secrets carry 256 bits, so brute force is hopeless, and the key,
// held outside storage, makes a stolen database useless for lookups. Human passwords use
// package password instead. A Hasher is safe for concurrent use.
type Hasher struct {
	key  []byte
	pool sync.Pool // of *hmacState
}

// hmacState is an HMAC keyed with a Hasher's key and the buffers of one computation, reused
// so that hashing allocates nothing.
type hmacState struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

// maxPooledInput is the largest input whose buffer is kept for reuse: every secret the
// server mints, and a JWT access token, fit.
const maxPooledInput = 4 << 10

// NewHasher returns a Hasher keyed with key, which must be at least [MinKeyLen] bytes.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < MinKeyLen {
		return nil, errors.New("credentials: the hashing key must be at least 32 bytes")
	}
	k := append([]byte(nil), key...)
	h := &Hasher{key: k}
	h.pool.New = func() any { return &hmacState{mac: hmac.New(sha256.New, k)} }
	return h, nil
}

// Hash returns the keyed hash of secret.
func (h *Hasher) Hash(secret string) store.Hash {
	st := h.pool.Get().(*hmacState)
	st.mac.Reset()
	st.in = append(st.in[:0], secret...)
	st.mac.Write(st.in)
	out := store.Hash(st.mac.Sum(st.sum[:0]))
	clear(st.in) // no copy of the secret stays behind
	if cap(st.in) > maxPooledInput {
		st.in = nil
	}
	h.pool.Put(st)
	return out
}

// Equal reports, in constant time, whether secret hashes to want. A zero want never
// matches.
func (h *Hasher) Equal(secret string, want store.Hash) bool {
	got := h.Hash(secret)
	ok := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	return ok && !want.IsZero()
}
