package console_test

import (
	"os"
	"testing"

	"github.com/oauthkit/oauthkit/internal/testenv"
)

func TestMain(m *testing.M) {
	code := testenv.Run(m)
	stopChrome()
	os.Exit(code)
}
