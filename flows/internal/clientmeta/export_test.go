package clientmeta

import (
	"net/http"
	"time"
)

// ParseDocument exposes the document parser to the fuzz target.
func ParseDocument(id string, body []byte) (Document, error) {
	d, e := parseDocument(id, body)
	return d, errOrNil(e)
}

// HostOf exposes hostOf to the URL fuzz target.
func HostOf(s string) string { return hostOf(s) }

// Freshness exposes the cache-lifetime reader to its unit test.
func Freshness(h http.Header, now time.Time) time.Duration { return freshness(h, now) }

// OnJoin sets a hook called each time a Resolve joins a fetch already in flight.
func OnJoin(r *Resolver, f func()) { r.joined = f }
