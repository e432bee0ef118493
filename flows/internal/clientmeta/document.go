package clientmeta

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/oauthkit/oauthkit/store"
)

// Document is a validated client metadata document: what this server knows of a client
// that identifies itself with a client ID URL. Such a client is always public (it has no
// secret, which the draft forbids, and this server does not support private_key_jwt), so
// it must use PKCE and its refresh tokens rotate.
type Document struct {
	// ID is the client ID URL, exactly as sent and as the document's client_id.
	ID string
	// Hostname is the host of ID, lower case, without port or IPv6 brackets. The consent
	// page should show it beside Name: it is the one thing about the client the server
	// has checked (the draft's advice against phishing).
	Hostname string
	// Name is client_name, trimmed; "" when the document has none. It is the client's
	// own claim: anyone may publish any name.
	Name string
	// ClientURI and LogoURI are client_uri and logo_uri, https URLs, or "".
	ClientURI, LogoURI string
	// RedirectURIs are redirect_uris, in order, without repeats; at least one, each
	// valid for redirecturi.ValidateRegistered. Compare a requested one with
	// [Document.MatchRedirect].
	RedirectURIs []string
	// LoopbackOnly is true when every redirect URI goes to this machine (host localhost,
	// a name under .localhost, 127.0.0.0/8 or ::1): any program on the user's computer
	// can publish such a document under any name, so the consent page should say so.
	LoopbackOnly bool
	// Scopes are the names of scope, sorted, without repeats; nil when the document has
	// no scope member. Whether the server's catalog declares them is the caller's check.
	Scopes []string
	// GrantTypes are grant_types without repeats: authorization_code, and refresh_token
	// when the document lists it. A document without grant_types means
	// authorization_code only (RFC 7591 section 2).
	GrantTypes []string
}

// RefreshTokens reports whether the document lists the refresh_token grant type.
func (d Document) RefreshTokens() bool { return slices.Contains(d.GrantTypes, "refresh_token") }

// Client returns d as a store.Client record: ID, Name, RedirectURIs, Scopes, Public. It
// is not stored anywhere: CreatedAt and UpdatedAt are zero.
func (d Document) Client() store.Client {
	return store.Client{
		ID: d.ID, Name: d.Name, Public: true,
		RedirectURIs: slices.Clone(d.RedirectURIs), Scopes: slices.Clone(d.Scopes),
	}
}

// clone returns a copy of d that shares no slice with it.
func (d Document) clone() Document {
	d.RedirectURIs = slices.Clone(d.RedirectURIs)
	d.Scopes = slices.Clone(d.Scopes)
	d.GrantTypes = slices.Clone(d.GrantTypes)
	return d
}

// loopbackOnly reports whether every one of the valid redirect URIs uris has a loopback
// host.
func loopbackOnly(uris []string) bool {
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil {
			return false
		}
		h := strings.ToLower(u.Hostname())
		if h == "localhost" || strings.HasSuffix(h, ".localhost") {
			continue
		}
		if a, err := netip.ParseAddr(h); err == nil && a.Unmap().IsLoopback() {
			continue
		}
		return false
	}
	return len(uris) > 0
}
