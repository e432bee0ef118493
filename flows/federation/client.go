package federation

import (
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/internal/fetch"
)

// The upstream's signing keys are used for jwksMaxAge. An ID token signed with a key the
// cache does not hold (the upstream rotated its keys) causes a refetch, but refetches
// happen at most once per jwksMinRefetch, so that tokens with made-up key ids cannot make
// this server hammer the upstream.
const (
	jwksMaxAge     = time.Hour
	jwksMinRefetch = 30 * time.Second
)

// defaultClient is the client of an Upstream whose Config has no HTTPClient: one that
// connects to public addresses only, unless the issuer is on a loopback host (a provider
// run locally), whose discovery document may then name other local URLs.
func defaultClient(issuer *url.URL) *http.Client {
	return fetch.NewClient(fetch.ClientOptions{Timeout: upstreamTimeout, AllowPrivate: isLoopback(issuer.Hostname())})
}

// isLoopback reports whether host is a loopback name or address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// now is the clock of the server the Upstream serves, or the system's before it is bound.
func (u *Upstream) now() time.Time {
	if b := u.bound.Load(); b != nil {
		return b.cfg.Now()
	}
	return time.Now()
}
