package sqlstore_test

import (
	"testing"

	"github.com/oauthkit/oauthkit/store/storetest"
)

// R-STORE-2, R-STORE-3: the conformance kit, on every dialect.

func conformance(t *testing.T, b backend) {
	storetest.Run(t, b.kitStorage(t))
}

func revocationPublisher(t *testing.T, b backend) {
	storetest.RunRevocationPublisher(t, b.kitStorage(t))
}

func TestSQLiteConformance(t *testing.T)   { conformance(t, sqliteBackend) }
func TestPostgresConformance(t *testing.T) { postgresBase(t); conformance(t, postgresBackend) }

// TestSQLiteMemoryConformance: sqlite::memory: is one connection, so every operation,
// reads included, takes turns on it.
func TestSQLiteMemoryConformance(t *testing.T) {
	conformance(t, backend{"sqlite-memory", func(testing.TB) string { return "sqlite::memory:" }})
}

func TestSQLiteRevocationPublisher(t *testing.T) { revocationPublisher(t, sqliteBackend) }
func TestPostgresRevocationPublisher(t *testing.T) {
	postgresBase(t)
	revocationPublisher(t, postgresBackend)
}
