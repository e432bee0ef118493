package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oauthkit/oauthkit/internal/fetch"
	ojose "github.com/oauthkit/oauthkit/internal/jose"
	"github.com/oauthkit/oauthkit/internal/resourceid"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// JWTOptions configures [NewJWT]. Issuer, Audience and one of JWKSURL or JWKS are
// required; every other zero field means the documented default.
type JWTOptions struct {
	// Issuer is the authorization server's issuer identifier; the "iss" claim must equal it.
	Issuer string
	// Audience identifies this resource server; the "aud" claim must contain it
	// (RFC 9068 §4): exactly, or, when Audience is a resource identifier (an absolute
	// http(s) URI, RFC 8707), an entry of the same canonical form ([CanonicalResource]):
	// "https://api.example.com/" then matches "https://API.example.com". It is usually
	// the same as [Options.Resource].
	Audience string
	// JWKSURL is where the issuer publishes its keys (…/.well-known/jwks.json), an http or
	// https URL. Keys are fetched on first use (at most 1 MiB, JSON), cached for
	// KeysMaxAge, and refetched at once when a token names an unknown kid, at most once per
	// MinRefetchInterval. It is configuration, trusted as such: it may name any address,
	// a private or loopback one included.
	JWKSURL string
	// JWKS is a fixed JWK Set document, used instead of JWKSURL (tests, pinned keys).
	JWKS []byte
	// Algorithms is the allow-list of "alg" values. Default ES256, EdDSA, RS256; only
	// asymmetric algorithms (ES256/384/512, EdDSA, RS256/384/512, PS256/384/512) may be
	// listed. "none" and HMAC are never accepted.
	Algorithms []string
	// Leeway is the clock skew tolerated on exp, nbf and iat. Default 30 s; at most 5 min.
	Leeway time.Duration
	// HTTPClient fetches the JWKS. Default: a client with a 5 s timeout. Whatever the
	// client, a fetch takes at most 10 s.
	HTTPClient *http.Client
	// KeysMaxAge is how long fetched keys are used before being refetched. Default 10 min.
	// When a refetch fails, the old keys stay in use (and the failure is retried after
	// MinRefetchInterval), so that an authorization-server outage does not take the API
	// down.
	KeysMaxAge time.Duration
	// MinRefetchInterval rate-limits fetches caused by unknown kids. Default 10 s.
	MinRefetchInterval time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// JWT validates RFC 9068 JWT access tokens locally: signature by a key of
// the issuer's JWKS with an allowed algorithm, header typ "at+jwt", iss, aud, exp, nbf and
// iat with a small leeway, and the required claims sub, client_id and jti. A token whose
// sub is its client_id and that names no account_id acts for no account (RFC 9068 §2.2,
// client credentials): it is reported as [KindClient]. It does not see
// revocations: a JWT stays valid until it expires unless the resource server also checks
// its jti ([LocalOptions.JWT]) or uses [Introspection]. It is safe for concurrent use and
// starts no goroutine.
type JWT struct {
	opts     JWTOptions
	audience string // the canonical form of opts.Audience, or "" when it is no resource identifier
	algs     []gojose.SignatureAlgorithm
	keys     *ojose.JWKSCache
	now      func() time.Time
}

// NewJWT checks opts and returns a validator. With a static JWKS, a document without a
// usable key is an error.
func NewJWT(opts JWTOptions) (*JWT, error) {
	if opts.Issuer == "" || opts.Audience == "" {
		return nil, errors.New("middleware: JWTOptions.Issuer and Audience are required")
	}
	if (opts.JWKSURL == "") == (opts.JWKS == nil) {
		return nil, errors.New("middleware: set exactly one of JWTOptions.JWKSURL and JWKS")
	}
	if u, err := url.Parse(opts.JWKSURL); opts.JWKS == nil && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return nil, fmt.Errorf("middleware: JWTOptions.JWKSURL %q is not an http(s) URL", opts.JWKSURL)
	}
	j := &JWT{opts: opts, now: opts.Now}
	j.audience, _ = resourceid.Canonical(opts.Audience)
	if j.now == nil {
		j.now = time.Now
	}
	if len(opts.Algorithms) == 0 {
		opts.Algorithms = []string{string(gojose.ES256), string(gojose.EdDSA), string(gojose.RS256)}
	}
	for _, a := range opts.Algorithms {
		if !ojose.IsAsymmetric(a) {
			return nil, fmt.Errorf("middleware: JWT algorithm %q is not allowed", a)
		}
	}
	j.algs = ojose.AsymmetricAmong(opts.Algorithms)
	switch {
	case opts.Leeway == 0:
		j.opts.Leeway = 30 * time.Second
	case opts.Leeway < 0 || opts.Leeway > 5*time.Minute:
		return nil, errors.New("middleware: JWTOptions.Leeway must be between 0 and 5 minutes")
	}
	if opts.JWKS != nil {
		ks, err := ojose.StaticJWKS(opts.JWKS)
		if err != nil {
			return nil, fmt.Errorf("middleware: JWTOptions.JWKS: %w", err)
		}
		j.keys = ks
		return j, nil
	}
	client := opts.HTTPClient
	if client == nil {
		client = fetch.NewClient(fetch.ClientOptions{Timeout: 5 * time.Second, AllowPrivate: true})
	}
	j.keys = ojose.NewJWKSCache(opts.JWKSURL, ojose.JWKSOptions{Client: client,
		MaxAge: opts.KeysMaxAge, MinRefetch: opts.MinRefetchInterval, Now: j.now})
	return j, nil
}

// Validate implements [Validator]. Basic credentials are never JWTs.
func (j *JWT) Validate(ctx context.Context, cred Credential) (Info, error) {
	if cred.Basic {
		return Info{}, ErrInvalidToken
	}
	tok, err := jwt.ParseSigned(cred.Token, j.algs)
	if err != nil || len(tok.Headers) != 1 {
		return Info{}, ErrInvalidToken
	}
	h := tok.Headers[0]
	typ, _ := h.ExtraHeaders[gojose.HeaderType].(string)
	if !strings.EqualFold(typ, ojose.TokenType) && !strings.EqualFold(typ, "application/"+ojose.TokenType) {
		return Info{}, ErrInvalidToken // RFC 9068 §4: typ must be at+jwt
	}
	if h.KeyID == "" {
		return Info{}, ErrInvalidToken
	}
	keys, err := j.keys.Keys(ctx, h.KeyID, gojose.SignatureAlgorithm(h.Algorithm))
	if errors.Is(err, ojose.ErrKeyNotFound) {
		return Info{}, ErrInvalidToken
	}
	if err != nil {
		return Info{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	for _, k := range keys {
		var c ojose.AccessClaims
		if tok.Claims(k.Key, &c) == nil {
			return j.check(c)
		}
	}
	return Info{}, ErrInvalidToken
}

// check applies RFC 9068 §4 to verified claims and builds the Info.
func (j *JWT) check(c ojose.AccessClaims) (Info, error) {
	now, leeway := j.now(), j.opts.Leeway
	switch {
	case c.Issuer != j.opts.Issuer,
		!j.audienceOK(c.Audience),
		c.ExpiresAt.IsZero() || !now.Add(-leeway).Before(c.ExpiresAt),
		!c.NotBefore.IsZero() && now.Add(leeway).Before(c.NotBefore),
		c.IssuedAt.IsZero() || now.Add(leeway).Before(c.IssuedAt),
		c.Subject == "", c.ClientID == "", c.ID == "":
		return Info{}, ErrInvalidToken
	}
	set, err := scopes.Parse(strings.Join(c.Scopes, " "))
	if err != nil {
		return Info{}, ErrInvalidToken
	}
	info := Info{
		ID: c.ID, Kind: store.TokenKind(c.Kind), ClientID: c.ClientID,
		AccountID: c.AccountID, OrganizationID: c.OrganizationID, CustomerID: c.CustomerID,
		Scopes: set, Audience: slices.Clone(c.Audience),
		IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt.Add(leeway),
	}
	if info.Kind == "" {
		info.Kind = store.KindAccess
	}
	switch info.Kind {
	case store.KindAccess, store.KindPersonal:
		info.AccountID = accountFromSubject(info.AccountID, c.Subject, c.ClientID)
	case store.KindCustomer:
		if info.CustomerID == "" {
			info.CustomerID = c.Subject
		}
	}
	kind, ok := classify(info.Kind, info.AccountID, info.CustomerID)
	if !ok {
		return Info{}, ErrInvalidToken
	}
	info.Kind = kind
	return info, nil
}

// audienceOK reports whether the aud claim names this resource server, as
// JWTOptions.Audience says.
func (j *JWT) audienceOK(aud []string) bool {
	if slices.Contains(aud, j.opts.Audience) {
		return true
	}
	return j.audience != "" && audienceNames(aud, j.audience)
}

// accountFromSubject returns the account a token acts for: its account_id, or else its sub —
// unless sub is the client itself, which is how RFC 9068 §2.2 marks a token with no
// resource owner (client credentials): such a token has no account.
func accountFromSubject(accountID, sub, clientID string) string {
	if accountID != "" || sub == clientID {
		return accountID
	}
	return sub
}
