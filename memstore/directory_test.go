package memstore_test

import (
	"testing"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store/storetest"
)

func TestDirectories(t *testing.T) {
	storetest.RunDirectories(t, func(*testing.T) storetest.DirectoriesUnderTest { return memstore.New() })
}
