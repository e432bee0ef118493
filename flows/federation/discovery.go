package federation

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/internal/fetch"
	"github.com/oauthkit/oauthkit/internal/jose"
)

// Upstream discovery (OpenID Connect Discovery 1.0): fetched on first use, kept for
// discoveryMaxAge, refetched after that (the stale document stays in use while the upstream
// is unreachable), and after a failure retried no sooner than discoveryRetry later, so that
// a down upstream is not hammered by every sign-in attempt.
const (
	discoveryMaxAge = time.Hour
	discoveryRetry  = 2 * time.Second
)

// oidcProvider is the part of the upstream's discovery document that sign-in uses.
type oidcProvider struct {
	Issuer                   string   `json:"issuer"`
	AuthorizationEndpoint    string   `json:"authorization_endpoint"`
	TokenEndpoint            string   `json:"token_endpoint"`
	UserinfoEndpoint         string   `json:"userinfo_endpoint"`
	JWKSURI                  string   `json:"jwks_uri"`
	IDTokenSigningAlgs       []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	// ISSParameter: the upstream sends iss in authorization responses (RFC 9207), so its
	// absence there means the response is not from it.
	ISSParameter bool `json:"authorization_response_iss_parameter_supported"`

	// algs are the ID token algorithms accepted: those of IDTokenSigningAlgs that are
	// asymmetric, so never "none" nor HMAC (whose key would be the client secret).
	algs []gojose.SignatureAlgorithm
}

// discoveryCache holds the upstream's discovery document.
type discoveryCache struct {
	issuer string
	client *http.Client

	mu        sync.Mutex
	doc       *oidcProvider
	fetchedAt time.Time
	failedAt  time.Time
	lastErr   error
}

// get returns the discovery document, fetching it when there is none yet or it is older
// than discoveryMaxAge.
func (c *discoveryCache) get(ctx context.Context, now time.Time) (*oidcProvider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.doc != nil && now.Sub(c.fetchedAt) < discoveryMaxAge {
		return c.doc, nil
	}
	if !c.failedAt.IsZero() && now.Sub(c.failedAt) < discoveryRetry && now.Sub(c.failedAt) >= 0 {
		if c.doc != nil {
			return c.doc, nil
		}
		return nil, fmt.Errorf("upstream discovery failed %s ago: %w", now.Sub(c.failedAt), c.lastErr)
	}
	doc, err := c.fetch(ctx)
	if err != nil && ctx.Err() != nil {
		return nil, err // the request went away: no verdict on the upstream
	}
	if err != nil {
		c.failedAt, c.lastErr = now, err
		if c.doc != nil {
			return c.doc, nil // keep using the stale document while the upstream is away
		}
		return nil, err
	}
	c.doc, c.fetchedAt, c.failedAt, c.lastErr = doc, now, time.Time{}, nil
	return doc, nil
}

func (c *discoveryCache) fetch(ctx context.Context) (*oidcProvider, error) {
	where := strings.TrimSuffix(c.issuer, "/") + "/.well-known/openid-configuration"
	var d oidcProvider
	if err := fetch.GetJSON(ctx, c.client, where, fetch.GetOptions{Timeout: upstreamTimeout}, &d); err != nil {
		return nil, fmt.Errorf("upstream discovery: %w", err)
	}
	// OpenID Connect Discovery 1.0 §4.3: the issuer in the document must be exactly the
	// one it was fetched for, or the document may be an impostor's.
	if d.Issuer != c.issuer {
		return nil, fmt.Errorf("upstream discovery: issuer %q, want %q", d.Issuer, c.issuer)
	}
	for name, v := range map[string]string{
		"authorization_endpoint": d.AuthorizationEndpoint,
		"token_endpoint":         d.TokenEndpoint,
		"jwks_uri":               d.JWKSURI,
	} {
		if !isHTTPURL(v) {
			return nil, fmt.Errorf("upstream discovery: %s %q is not an http(s) URL", name, v)
		}
	}
	if d.UserinfoEndpoint != "" && !isHTTPURL(d.UserinfoEndpoint) {
		return nil, fmt.Errorf("upstream discovery: userinfo_endpoint %q is not an http(s) URL", d.UserinfoEndpoint)
	}
	advertised := d.IDTokenSigningAlgs
	if len(advertised) == 0 {
		advertised = []string{string(gojose.RS256)} // the default of OIDC Core §15.1
	}
	if d.algs = jose.AsymmetricAmong(advertised); len(d.algs) == 0 {
		return nil, fmt.Errorf("upstream discovery: no acceptable ID token algorithm in %v", advertised)
	}
	return &d, nil
}

// authStyle is how the client secret goes to the token endpoint: Basic unless the upstream
// offers only client_secret_post (RFC 8414 §2: the default method is client_secret_basic).
func (d *oidcProvider) authStyle(secret string) oauth2.AuthStyle {
	methods := d.TokenEndpointAuthMethods
	if secret == "" || (len(methods) > 0 && !slices.Contains(methods, "client_secret_basic") && slices.Contains(methods, "client_secret_post")) {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}
