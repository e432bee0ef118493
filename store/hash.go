package store

import (
	"encoding/hex"
	"errors"
)

// Hash is the keyed hash (HMAC-SHA256 with a server-held key) of a secret: an authorization
// code, a token, a client secret or a session id. Storage keeps and indexes only hashes, so a
// leaked database does not leak usable credentials. It is a value type: copying it never
// aliases.
type Hash [32]byte

// IsZero reports whether h is the zero hash, which marks "no secret".
func (h Hash) IsZero() bool { return h == Hash{} }

// String returns h in lowercase hex, the form used in configuration files and logs.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash parses the lowercase or uppercase hex form produced by [Hash.String].
func ParseHash(s string) (Hash, error) {
	var h Hash
	if hex.DecodedLen(len(s)) != len(h) {
		return Hash{}, errInvalidHash
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, errInvalidHash
	}
	return h, nil
}

// MarshalText implements encoding.TextMarshaler (hex), for JSON configuration.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (hex), for JSON configuration.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

var errInvalidHash = errors.New("store: a hash is 64 hexadecimal digits")
