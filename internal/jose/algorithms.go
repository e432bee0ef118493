package jose

import (
	"slices"

	gojose "github.com/go-jose/go-jose/v4"
)

// asymmetric lists the JWS algorithms a signature is accepted with, in a verifier's
// order of preference: public-key algorithms only, so never "none" nor HMAC (whose key a
// verifier would have to share: the client secret, for an ID token).
var asymmetric = []gojose.SignatureAlgorithm{
	gojose.ES256, gojose.ES384, gojose.ES512, gojose.EdDSA,
	gojose.RS256, gojose.RS384, gojose.RS512, gojose.PS256, gojose.PS384, gojose.PS512,
}

// AsymmetricAlgorithms returns the JWS algorithms that oauthkit accepts a signature with,
// whoever signed: ES256/384/512, EdDSA, RS256/384/512 and PS256/384/512. The slice is the
// caller's.
func AsymmetricAlgorithms() []gojose.SignatureAlgorithm { return slices.Clone(asymmetric) }

// IsAsymmetric reports whether alg is one of [AsymmetricAlgorithms].
func IsAsymmetric(alg string) bool {
	return slices.Contains(asymmetric, gojose.SignatureAlgorithm(alg))
}

// AsymmetricAmong returns the names that are [AsymmetricAlgorithms], in their order and
// without repeats: what a verifier may accept of those a signer advertises (an
// upstream's id_token_signing_alg_values_supported) or of those it is configured with.
// It returns nil when there is none.
func AsymmetricAmong(names []string) []gojose.SignatureAlgorithm {
	var out []gojose.SignatureAlgorithm
	for _, n := range names {
		if a := gojose.SignatureAlgorithm(n); IsAsymmetric(n) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
