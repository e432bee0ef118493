package federation

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oauthkit/oauthkit/internal/fetch"
)

// idTokenLeeway absorbs clock skew between this server and the upstream in exp, iat and
// nbf checks.
const idTokenLeeway = time.Minute

// verifyIDToken checks an ID token as OIDC Core §3.1.3.7 says and returns its claims: the
// signature, by a key of the upstream's JWKS, with an algorithm the upstream advertises and
// this server accepts; iss exactly the upstream's issuer; aud containing the client id (and
// azp equal to it when present, required with several audiences); exp and iat present, and
// exp, iat and nbf valid at now within idTokenLeeway; sub present; nonce equal to the one
// sent in the authorization request.
func (u *Upstream) verifyIDToken(ctx context.Context, d *oidcProvider, raw, nonce string, now time.Time) (map[string]any, error) {
	tok, err := jwt.ParseSigned(raw, d.algs)
	if err != nil {
		return nil, fmt.Errorf("id token: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("id token: want exactly one signature")
	}
	h := tok.Headers[0]
	u.keys.SetURL(d.JWKSURI)
	keys, err := u.keys.Keys(ctx, h.KeyID, gojose.SignatureAlgorithm(h.Algorithm))
	if err != nil {
		return nil, fmt.Errorf("id token: %w", err)
	}
	var (
		std    jwt.Claims
		claims map[string]any
	)
	verified := false
	for _, k := range keys {
		if err = tok.Claims(k.Key, &std, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, fmt.Errorf("id token: signature: %w", err)
	}
	if std.Issuer != d.Issuer {
		return nil, fmt.Errorf("id token: iss %q, want %q", std.Issuer, d.Issuer)
	}
	if std.Expiry == nil || std.IssuedAt == nil {
		return nil, errors.New("id token: exp and iat are required")
	}
	if std.Subject == "" {
		return nil, errors.New("id token: sub is required")
	}
	err = std.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{u.cfg.ClientID}, Time: now}, idTokenLeeway)
	if err != nil {
		return nil, fmt.Errorf("id token: %w (aud %v, exp %v, iat %v, now %v)", err, std.Audience, std.Expiry.Time(), std.IssuedAt.Time(), now)
	}
	azp, hasAZP := claims["azp"]
	if (len(std.Audience) > 1 || hasAZP) && azp != u.cfg.ClientID {
		return nil, fmt.Errorf("id token: azp %v, want %q", azp, u.cfg.ClientID)
	}
	got, _ := claims["nonce"].(string)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(nonce)) != 1 {
		return nil, errors.New("id token: nonce does not match the authorization request")
	}
	return claims, nil
}

// completeClaims adds to claims the ones it lacks among those sign-in reads, from the
// upstream's UserInfo endpoint (OIDC Core §5.3) when there is one. The UserInfo sub must be
// the ID token's (§5.3.2), or the answer is about someone else.
func (u *Upstream) completeClaims(ctx context.Context, d *oidcProvider, accessToken string, claims map[string]any) error {
	missing := false
	for _, name := range []string{u.cfg.OrganizationClaim, u.cfg.RolesClaim, u.cfg.EmailClaim} {
		if _, ok := claimValue(claims, name); !ok {
			missing = true
		}
	}
	if !missing || d.UserinfoEndpoint == "" || accessToken == "" {
		return nil
	}
	var info map[string]any
	if err := fetch.GetJSON(ctx, u.client, d.UserinfoEndpoint, fetch.GetOptions{Bearer: accessToken, Timeout: upstreamTimeout}, &info); err != nil {
		return fmt.Errorf("upstream userinfo: %w", err)
	}
	if sub, _ := info["sub"].(string); sub == "" || sub != claims["sub"] {
		return fmt.Errorf("upstream userinfo: sub %v is not the ID token's %v", info["sub"], claims["sub"])
	}
	for k, v := range info {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}
