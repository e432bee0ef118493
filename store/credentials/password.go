package credentials

import "github.com/oauthkit/oauthkit/internal/password"

// HashPassword returns the argon2id hash of a human password (64 MiB, 2 passes, 2 lanes, a
// random salt) in the PHC string format, for store.Account.PasswordHash. It takes about as
// long as a sign-in's check; call it when a password is set, never per request.
func HashPassword(pw string) (string, error) {
	return password.Hash(pw, password.Default)
}

// VerifyPassword reports whether pw matches hash, a PHC string made by [HashPassword] (or any
// argon2id PHC string within sane cost limits), comparing in constant time. A malformed
// hash is an error, not a mismatch.
func VerifyPassword(pw, hash string) (bool, error) {
	return password.Verify(pw, hash)
}
