package jose

import (
	"encoding/json"
	"errors"
	"fmt"

	gojose "github.com/go-jose/go-jose/v4"
)

// keyIndex is a parsed JWK Set: its usable keys in document order, and by kid.
type keyIndex struct {
	all   []gojose.JSONWebKey
	byKid map[string][]gojose.JSONWebKey
}

// parseJWKS reads a JWK Set (RFC 7517 §5) from an untrusted source. Keys that cannot be
// parsed, symmetric keys and keys for another use than signatures ("use" other than
// "sig") are skipped; of the others, only the public part is kept. A set with no usable
// key is an error.
func parseJWKS(b []byte) (*keyIndex, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	idx := &keyIndex{byKid: make(map[string][]gojose.JSONWebKey, len(doc.Keys))}
	for _, raw := range doc.Keys {
		var k gojose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if _, symmetric := k.Key.([]byte); symmetric {
			continue
		}
		pub := k.Public()
		if !pub.Valid() {
			continue
		}
		idx.all = append(idx.all, pub)
		if pub.KeyID != "" {
			idx.byKid[pub.KeyID] = append(idx.byKid[pub.KeyID], pub)
		}
	}
	if len(idx.all) == 0 {
		return nil, errors.New("JWKS: no usable signing key")
	}
	return idx, nil
}

// match returns the keys for kid ("" for any) whose alg, if stated, is alg, and whether
// any key has that kid. When every candidate matches, the result shares the index's
// slice, so the common lookup allocates nothing.
func (x *keyIndex) match(kid string, alg gojose.SignatureAlgorithm) (keys []gojose.JSONWebKey, known bool) {
	cands := x.all
	if kid != "" {
		cands = x.byKid[kid]
	}
	fits := func(k gojose.JSONWebKey) bool { return k.Algorithm == "" || k.Algorithm == string(alg) }
	for i, k := range cands {
		if !fits(k) {
			out := append([]gojose.JSONWebKey(nil), cands[:i]...)
			for _, k := range cands[i+1:] {
				if fits(k) {
					out = append(out, k)
				}
			}
			return out, len(cands) > 0
		}
	}
	return cands, len(cands) > 0
}
