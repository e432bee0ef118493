package main

import (
	"cmp"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/oauthkit/oauthkit/flows"
)

// The signing keys of JWT access tokens: the file the server's -jwt-key names holds the
// private JWK that signs, and the file beside it, PATH.retired, the keys that signed
// before, each published in the JWKS until a time, so that tokens they signed keep
// verifying after a rotation (flows.JWTAccessTokens.RetiredKeys).

// retiredSuffix names the file of retired keys beside the key file.
const retiredSuffix = ".retired"

// defaultRetireAfter is how long a rotated-out key stays published: the demo server's
// access token lifetime (8 h, the library's default) and a minute of clock leeway.
const defaultRetireAfter = 8*time.Hour + time.Minute

// retiredKey is one entry of the retired keys file.
type retiredKey struct {
	Until time.Time       `json:"until"`
	Key   json.RawMessage `json:"key"` // a private JWK, as it was in the key file
}

// readRetiredKeys returns the retired keys kept beside the key file at path; none when
// there is no such file.
func readRetiredKeys(path string) ([]retiredKey, error) {
	b, err := os.ReadFile(path + retiredSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []retiredKey
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("%s: %w", path+retiredSuffix, err)
	}
	return keys, nil
}

// keyInfo returns the key ID under which the JWKS publishes the private JWK b (the RFC
// 7638 thumbprint of its public key, as package flows computes it) and its algorithm.
func keyInfo(b []byte) (kid, alg string, err error) {
	var k gojose.JSONWebKey
	if err := json.Unmarshal(b, &k); err != nil {
		return "", "", fmt.Errorf("not a JWK: %w", err)
	}
	if k.IsPublic() {
		return "", "", errors.New("not a private key")
	}
	pub := k.Public()
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), k.Algorithm, nil
}

// writeFileAtomic replaces path with b, readable by its owner only, so that a crash leaves
// the old file or the new one, never half of either.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, removes nothing
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// keyJSON is the result of the key commands.
type keyJSON struct {
	Path    string       `json:"path"`
	KeyID   string       `json:"kid"`
	Alg     string       `json:"alg"`
	Retired []retiredOut `json:"retired,omitempty"`
}

type retiredOut struct {
	KeyID string    `json:"kid"`
	Until time.Time `json:"until"`
}

func (c *cli) keysGenerate(args []string) error {
	flags := c.flags()
	path := flags.String("jwt-key", "", "the key file, as the server's -jwt-key (required; must not exist yet)")
	alg := flags.String("alg", "ES256", "the signing algorithm: ES256, EdDSA or RS256")
	asJSON := flags.Bool("json", false, "print the result as JSON")
	if _, err := c.parse(flags, args, 0); err != nil {
		return err
	}
	if *path == "" {
		return usagef("-jwt-key is required: the file the server's -jwt-key names")
	}
	key, err := flows.GenerateSigningKey(*alg)
	if err != nil {
		return usagef("-alg %s: want ES256, EdDSA or RS256", *alg)
	}
	f, err := os.OpenFile(*path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: keys rotate replaces the key in it, keeping the old one published", *path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(key)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*path)
		return err
	}
	kid, keyAlg, err := keyInfo(key)
	if err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(keyJSON{Path: *path, KeyID: kid, Alg: keyAlg})
	}
	fmt.Fprintf(c.stdout, "kid: %s\nalg: %s\n", kid, keyAlg)
	c.note("Wrote a private signing key to %s (readable by you only). Start the server with -jwt-key %s.", *path, *path)
	return nil
}

func (c *cli) keysRotate(args []string) error {
	flags := c.flags()
	path := flags.String("jwt-key", "", "the key file, as the server's -jwt-key (required)")
	alg := flags.String("alg", "", "the new key's algorithm: ES256, EdDSA or RS256 (default: the current key's)")
	retireAfter := flags.Duration("retire-after", defaultRetireAfter, "how long the current key stays published after the rotation: at least the access token lifetime plus clock leeway")
	asJSON := flags.Bool("json", false, "print the result as JSON")
	if _, err := c.parse(flags, args, 0); err != nil {
		return err
	}
	if *path == "" {
		return usagef("-jwt-key is required: the file the server's -jwt-key names")
	}
	if *retireAfter <= 0 {
		return usagef("-retire-after must be positive")
	}
	current, err := os.ReadFile(*path)
	if err != nil {
		return err // "no such file" names the path: keys generate makes one
	}
	oldKid, oldAlg, err := keyInfo(current)
	if err != nil {
		return fmt.Errorf("%s: %w", *path, err)
	}
	next, err := flows.GenerateSigningKey(cmp.Or(*alg, oldAlg))
	if err != nil {
		return usagef("-alg %s: want ES256, EdDSA or RS256", cmp.Or(*alg, oldAlg))
	}
	retired, err := readRetiredKeys(*path)
	if err != nil {
		return err
	}
	now := time.Now()
	keep := []retiredKey{{Until: now.Add(*retireAfter), Key: current}}
	for _, r := range retired {
		if kid, _, err := keyInfo(r.Key); err == nil && kid != oldKid && r.Until.After(now) {
			keep = append(keep, r)
		}
	}
	b, err := json.MarshalIndent(keep, "", "  ")
	if err != nil {
		return err
	}
	// The retired keys first: a crash between the two writes leaves the current key
	// signing and published twice, never unpublished.
	if err := writeFileAtomic(*path+retiredSuffix, b); err != nil {
		return err
	}
	if err := writeFileAtomic(*path, next); err != nil {
		return err
	}
	kid, keyAlg, err := keyInfo(next)
	if err != nil {
		return err
	}
	out := keyJSON{Path: *path, KeyID: kid, Alg: keyAlg}
	for _, r := range keep {
		rk, _, _ := keyInfo(r.Key)
		out.Retired = append(out.Retired, retiredOut{KeyID: rk, Until: r.Until.UTC()})
	}
	if *asJSON {
		return c.printJSON(out)
	}
	fmt.Fprintf(c.stdout, "kid: %s\nalg: %s\n", kid, keyAlg)
	c.note("The new key is in %s; the previous one (kid %s) stays published, from %s, until %s.",
		*path, oldKid, *path+retiredSuffix, keep[0].Until.UTC().Format(time.RFC3339))
	c.note("Restart the server (every instance, with these files) now to sign with the new key: the previous key's time counts from this rotation.")
	return nil
}
