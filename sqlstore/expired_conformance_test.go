package sqlstore_test

import (
	"testing"

	"github.com/oauthkit/oauthkit/store/storetest"
)

// The optional store.ExpiredDeleter, checked by the conformance kit on every dialect, as
// conformance_test.go does for the whole store.Storage.

func expiredDeleter(t *testing.T, b backend) {
	storetest.RunExpiredDeleter(t, b.kitStorage(t))
}

func TestSQLiteExpiredDeleter(t *testing.T) { expiredDeleter(t, sqliteBackend) }

func TestSQLiteMemoryExpiredDeleter(t *testing.T) {
	expiredDeleter(t, backend{"sqlite-memory", func(testing.TB) string { return "sqlite::memory:" }})
}

func TestPostgresExpiredDeleter(t *testing.T) {
	postgresBase(t)
	expiredDeleter(t, postgresBackend)
}
