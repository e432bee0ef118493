package flows

import "github.com/oauthkit/oauthkit/internal/password"

// Hooks for the external tests of this package (package flows_test), compiled only into
// the test binary.

// SetPasswordLimiter makes s check passwords in l instead of the process-wide limiter, so
// that a test can hold its slots.
func SetPasswordLimiter(s *Server, l *password.Limiter) { s.passwords = l }
