package memstore_test

import (
	"testing"

	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/storetest"
)

// The memory store implements the optional store.ExpiredDeleter.
func TestExpiredDeleter(t *testing.T) {
	storetest.RunExpiredDeleter(t, func(*testing.T) store.Storage { return memstore.New() })
}
