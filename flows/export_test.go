package flows

import (
	"fmt"

	"github.com/oauthkit/oauthkit/internal/password"
)

// Hooks for the external tests of this package (package flows_test), compiled only into
// the test binary.

// SetPasswordLimiter makes s check passwords in l instead of the process-wide limiter, so
// that a test can hold its slots.
func SetPasswordLimiter(s *Server, l *password.Limiter) { s.passwords = l }

// UsedFedStates is how many used federated sign-in states s remembers.
func UsedFedStates(s *Server) int { return s.fed.used.len() }

// MaxUsedFedStates is the size of the used-state table.
const MaxUsedFedStates = maxUsedStates

// FillUsedFedStates records n used states, as n completed sign-ins would (each needs a
// sealed cookie of this server, which a test would otherwise have to fetch n times).
func FillUsedFedStates(s *Server, n int) {
	now := s.now()
	for i := range n {
		s.fed.used.use(s.hasher.Hash(fmt.Sprint("filler-", i)), now.Add(fedStateLifetime), now)
	}
}
