package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// How Go values map to columns. Arguments go through these helpers; results are scanned
// into the destinations below, which accept what either driver returns.

// listArg encodes a list (roles, scopes, redirect URIs) as a JSON array; nil is "[]".
func listArg(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

// hashArg is a hash as 32 bytes. The slice is of a copy, so it aliases nothing stored.
func hashArg(h store.Hash) []byte { return h[:] }

// nullHashArg is hashArg, with the zero hash ("no secret") stored as NULL.
func nullHashArg(h store.Hash) any {
	if h.IsZero() {
		return nil
	}
	return h[:]
}

// row is a *sql.Row or *sql.Rows.
type row interface{ Scan(dest ...any) error }

// listDest scans a JSON array column into a new slice.
type listDest struct{ l *[]string }

func (d listDest) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*d.l = nil
		return nil
	default:
		return fmt.Errorf("sqlstore: list column holds %T", src)
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("sqlstore: list column: %w", err)
	}
	*d.l = l
	return nil
}

// hashDest scans a BLOB/BYTEA column into a hash; NULL is the zero hash.
type hashDest struct{ h *store.Hash }

func (d hashDest) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		if len(v) != len(d.h) {
			return fmt.Errorf("sqlstore: hash column holds %d bytes", len(v))
		}
		copy(d.h[:], v)
	case nil:
		*d.h = store.Hash{}
	default:
		return fmt.Errorf("sqlstore: hash column holds %T", src)
	}
	return nil
}

// timeDest scans a time column, INTEGER microseconds (SQLite) or TIMESTAMPTZ
// (PostgreSQL), into a UTC time; NULL is the zero time.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	case time.Time:
		*d.t = v.UTC()
	case nil:
		*d.t = time.Time{}
	default:
		return fmt.Errorf("sqlstore: time column holds %T", src)
	}
	return nil
}
