// Package fetch gets documents from other servers for oauthkit: JWK Sets, an upstream's
// OpenID Connect discovery document and UserInfo answers. [NewClient] is an HTTP client
// that by default reaches public addresses only, so that a URL read from someone else's
// document cannot make this server call its own or its network's internal services
// (server-side request forgery); [GetJSON] bounds what one request may cost in time and
// bytes, whatever the client.
package fetch

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ClientOptions configures [NewClient]. The zero value means the documented defaults.
type ClientOptions struct {
	// Timeout bounds a whole exchange, redirects and body included. Default 10 s.
	Timeout time.Duration
	// AllowPrivate lets the client connect to any address. By default it connects to
	// public unicast addresses only ([Public]); it then also ignores the environment's
	// proxy settings, since through a proxy the address dialled is the proxy's.
	AllowPrivate bool
}

// ErrNotPublic is the error (wrapped) of a connection that [NewClient]'s client refused
// because the address is not public.
var ErrNotPublic = errors.New("fetch: refusing to connect to a non-public address")

// defaultTimeout is the default of ClientOptions.Timeout and GetOptions.Timeout.
const defaultTimeout = 10 * time.Second

// maxRedirects bounds the redirects a client of NewClient follows.
const maxRedirects = 5

// NewClient returns an HTTP client for fetching documents from other servers. Unless
// opts.AllowPrivate, it refuses to connect to an address that is not [Public]: the check
// runs on the address actually dialled, after name resolution and for every redirect, so
// neither a DNS name that resolves to an internal address (DNS rebinding included) nor a
// redirect gets round it. It follows at most five redirects, to http and https URLs only.
func NewClient(opts ClientOptions) *http.Client {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	if !opts.AllowPrivate {
		t.Proxy = nil
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: refuseNonPublic}
		t.DialContext = d.DialContext
	}
	return &http.Client{
		Transport: t,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("fetch: stopped after %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
				return fmt.Errorf("fetch: redirect to a %s URL", req.URL.Scheme)
			}
			return nil
		},
	}
}

// refuseNonPublic is the dialer's Control: it runs with the resolved address, before the
// connection is made.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrNotPublic, address)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrNotPublic, ap.Addr())
	}
	return nil
}

// special holds the special-purpose ranges (IANA's registries) that the netip predicates
// do not name but that are no public host either: reserved, shared (carrier-grade NAT),
// documentation, benchmarking and protocol ranges, and the IPv6 prefixes that embed an
// IPv4 address (NAT64, 6to4, Teredo) and so could reach a private one.
var special = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
		"fec0::/10",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// Public reports whether a is a public unicast address: not loopback, private (RFC 1918,
// RFC 4193), link-local (where cloud metadata services answer), unspecified, multicast,
// nor of another special-purpose range. An IPv4-mapped IPv6 address is judged as the
// IPv4 address it maps.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
