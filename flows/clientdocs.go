package flows

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// ClientIDMetadataDocuments, as Config.ClientIDMetadataDocuments, lets clients that were
// never registered here identify themselves with a client ID metadata document (the OAuth
// Client ID Metadata Document draft; MCP clients do so): their client_id is an https URL,
// such as https://app.example.com/oauth/client.json, where they publish their registration
// (RFC 7591 client metadata in JSON), and this server fetches it when it meets a client_id
// that storage does not know. The zero value means the documented defaults.
//
// Such a client is always public: it has no secret (a document that names one is
// refused), authenticates at the token endpoint with client_id alone, must use PKCE with
// S256, and its refresh tokens rotate. Its redirect URIs are the document's, matched
// exactly, except that an http://127.0.0.1 or http://[::1] one matches any port. It may
// use the grant types its document lists: authorization_code, and refresh_token only when
// listed (without it, the code grant issues no refresh token).
//
// The document is untrusted input, and so is the URL: it is fetched only from public
// addresses (checked on the address dialled), without redirects, within a size and time
// bound, and kept in a cache of bounded size for the lifetime its HTTP caching headers
// give it (at least a minute, at most a day, by default). Every use of the client (each
// authorization, each token request) reads it from that cache or fetches it again, so a
// change to the document (a scope removed, a redirect URI dropped, the document deleted)
// takes effect when the cached copy expires.
type ClientIDMetadataDocuments struct {
	// Scopes are the most a client identified by a document may hold. Nil means every
	// scope of the catalog that is not administrator-only, PersonalTokensScope excluded:
	// such a client never holds either, for anyone. A document's scope member narrows
	// them (names outside them are ignored); a document without one may ask for all of
	// them, and an authorization request without scope then asks for all of them. Each
	// must be declared in the catalog and be neither administrator-only nor
	// PersonalTokensScope.
	Scopes []string
	// AllowPrivate lets client ID URLs reach loopback, private and link-local
	// addresses, by name or as an IP address in the URL (with HTTPClient set, only the
	// latter: names are then that client's business). For tests and development on one
	// machine only: in production it lets anyone make this server call its own network.
	AllowPrivate bool
	// HTTPClient fetches the documents. Default: a client that connects to public
	// addresses only, checked on the address dialled (so that a name resolving to
	// 127.0.0.1 or 169.254.169.254 is refused, DNS rebinding included), without proxy.
	// A client given here is used as it is, except that redirects are never followed:
	// which addresses it may reach is its own business, so give one only with its own
	// protection (an egress proxy, say).
	HTTPClient *http.Client
	// Timeout bounds one fetch, connection and body included. Default 5 s.
	Timeout time.Duration
	// MaxBytes bounds a document's size. Default 5120 (the draft recommends 5 kilobytes).
	MaxBytes int64
	// MinTTL and MaxTTL bound how long a fetched document is used before it is fetched
	// again; within them the response's Cache-Control max-age or Expires decides, and a
	// response without them, or one that forbids caching, is kept MinTTL. Defaults 1
	// minute and 24 hours.
	MinTTL, MaxTTL time.Duration
	// FailureTTL is how long a document that could not be fetched or is invalid is
	// answered as such again without a new fetch, so that a failing URL sent in a loop
	// costs one fetch per FailureTTL. Default 5 s; negative: failures are not
	// remembered.
	FailureTTL time.Duration
	// CacheSize is how many documents, and separately how many failures, are kept in
	// memory; the least recently used go first. Default 1000.
	CacheSize int
	// MaxFetches bounds the documents being fetched at once; a client met while that
	// many are in flight is answered temporarily_unavailable. Default 32.
	MaxFetches int
}

// compile validates d against the catalog and returns the resolver and the scopes such
// clients may hold at most.
func (d *ClientIDMetadataDocuments) compile(cat *scopes.Catalog, now func() time.Time) (*clientmeta.Resolver, scopes.Set, error) {
	var most scopes.Set
	if d.Scopes == nil {
		var names []string
		for _, sc := range cat.Scopes() {
			if !sc.AdminOnly && sc.Name != PersonalTokensScope {
				names = append(names, sc.Name)
			}
		}
		most = scopes.New(names...)
	} else {
		for _, name := range d.Scopes {
			sc, ok := cat.Lookup(name)
			switch {
			case !ok:
				return nil, most, fmt.Errorf("flows: Config.ClientIDMetadataDocuments.Scopes: the scope catalog does not declare %q", name)
			case sc.AdminOnly || name == PersonalTokensScope:
				return nil, most, fmt.Errorf("flows: Config.ClientIDMetadataDocuments.Scopes: %s is not for clients identified by a metadata document", name)
			}
		}
		most = scopes.New(d.Scopes...)
	}
	r, err := clientmeta.New(clientmeta.Options{
		HTTPClient: d.HTTPClient, AllowPrivate: d.AllowPrivate,
		MaxBytes: d.MaxBytes, Timeout: d.Timeout, MinTTL: d.MinTTL, MaxTTL: d.MaxTTL,
		FailureTTL: d.FailureTTL, CacheSize: d.CacheSize, MaxFetches: d.MaxFetches, Now: now,
	})
	if err != nil {
		return nil, most, fmt.Errorf("flows: Config.ClientIDMetadataDocuments: %w", err)
	}
	return r, most, nil
}

// clone returns a copy of d that shares no slice with it.
func (d *ClientIDMetadataDocuments) clone() *ClientIDMetadataDocuments {
	if d == nil {
		return nil
	}
	c := *d
	c.Scopes = slices.Clone(d.Scopes)
	return &c
}

// client returns the client whose client_id is id: the one storage holds or, with
// Config.ClientIDMetadataDocuments, when storage holds none and id is a client ID URL, the
// one its metadata document describes, with the document. Every lookup of a client by its
// ID goes through here, so that this is the one place that knows both kinds.
//
// An unknown client is store.ErrNotFound; so is a client ID URL whose document cannot be
// used, the error then also wrapping the *clientmeta.Error that says why
// ([unknownClientText]). A document that could not be resolved now is a
// *clientmeta.Error wrapping clientmeta.ErrUnavailable ([clientUnavailable]); any other
// error is a storage failure.
func (s *Server) client(ctx context.Context, id string) (store.Client, *clientmeta.Document, error) {
	c, err := s.store.Client(ctx, id)
	if !errors.Is(err, store.ErrNotFound) || s.docs == nil || !clientmeta.IsClientIDURL(id) {
		return c, nil, err
	}
	d, err := s.docs.Resolve(ctx, id)
	switch {
	case errors.Is(err, clientmeta.ErrUnavailable):
		return store.Client{}, nil, err
	case err != nil:
		s.log.InfoContext(ctx, "oauthkit: client metadata document refused", "client_id", id, "err", err)
		return store.Client{}, nil, fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return s.documentClient(d), &d, nil
}

// documentClient is the client a metadata document describes: public, PKCE required, and
// the scopes it may hold are its document's within ClientIDMetadataDocuments.Scopes (all
// of them for a document without scope).
func (s *Server) documentClient(d clientmeta.Document) store.Client {
	c := d.Client()
	most := s.docScopes
	if d.Scopes != nil {
		most = most.Intersect(scopes.New(d.Scopes...))
	}
	c.Scopes, c.Public, c.RequirePKCE = most.Names(), true, true
	return c
}

// unknownClientText is the error_description of an unknown client: why its metadata
// document cannot be used, when it was one (text that is safe to show), or that the
// client is not known.
func unknownClientText(err error) string {
	var me *clientmeta.Error
	if errors.As(err, &me) {
		return "the client is not known: " + me.Description
	}
	return "the client is not known"
}

// clientUnavailable is the answer to a client lookup that failed for want of storage or
// of the client's metadata document: temporarily_unavailable, with the document's reason
// (safe to show) when it was that.
func clientUnavailable(err error) *Error {
	e := TemporarilyUnavailable(err)
	var me *clientmeta.Error
	if errors.As(err, &me) {
		e.Description = me.Description
	}
	return e
}

// matchClientRedirect checks a requested redirect URI against the client's: a metadata
// document's rules for a client identified by one, the stored client's otherwise.
func (s *Server) matchClientRedirect(c store.Client, doc *clientmeta.Document, uri string) error {
	if doc != nil {
		return doc.MatchRedirect(uri)
	}
	return s.matchRedirect(c, uri)
}

// localRedirect reports whether the valid redirect URI uri hands the response to a
// program on the person's own computer: a loopback host (localhost, a name under
// .localhost, 127.0.0.0/8, ::1), or a scheme other than http and https (a native app's,
// which any program may claim). Whoever runs such a program can send a client ID of
// anyone's and receive the answer, so the client's identity is not assured.
func localRedirect(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return true
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return true
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// refreshAllowed reports whether the request's client may use refresh tokens: every
// stored client, and a client identified by a metadata document that lists the
// refresh_token grant type.
func (r *TokenRequest) refreshAllowed() bool { return r.doc == nil || r.doc.RefreshTokens() }
