package flows_test

import (
	"os"
	"testing"

	"github.com/oauthkit/oauthkit/internal/testenv"
)

// TestMain sums up, at the end of the run, the tests skipped for want of an outside
// service (the federated end-to-end tests without Node.js and oidc-provider), saying how
// to run them. It is the only TestMain of the package's tests, internal and external.
func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }
