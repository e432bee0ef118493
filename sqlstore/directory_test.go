package sqlstore_test

import (
	"testing"

	"github.com/oauthkit/oauthkit/store/storetest"
)

// The optional capabilities of a developer console, checked by the conformance kit on every
// dialect, as conformance_test.go does for the whole store.Storage.

func directories(t *testing.T, b backend) {
	newStorage := b.kitStorage(t)
	storetest.RunDirectories(t, func(t *testing.T) storetest.DirectoriesUnderTest {
		return newStorage(t).(storetest.DirectoriesUnderTest)
	})
}

func TestSQLiteDirectories(t *testing.T) { directories(t, sqliteBackend) }

func TestSQLiteMemoryDirectories(t *testing.T) {
	directories(t, backend{"sqlite-memory", func(testing.TB) string { return "sqlite::memory:" }})
}

func TestPostgresDirectories(t *testing.T) {
	postgresBase(t)
	directories(t, postgresBackend)
}
