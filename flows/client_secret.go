package flows

import (
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// previousSecret reports whether secret is the secret c had before its last rotation, and
// that secret still authenticates c at now (store.Client.PreviousSecretExpiresAt), so that
// the client's deployments can move to the new secret one at a time. The comparison is
// constant-time, like that of the current secret.
func (s *Server) previousSecret(c store.Client, secret string, now time.Time) bool {
	return now.Before(c.PreviousSecretExpiresAt) && s.hasher.Equal(secret, c.PreviousSecretHash)
}
