package jose

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TokenType is the "typ" header of an RFC 9068 access token (§2.1). Verifiers also accept
// its long form, "application/at+jwt".
const TokenType = "at+jwt"

// AccessClaims are the claims of a JWT access token: the RFC 9068 §2.2 set plus oauthkit's
// account_id, organization_id, customer_id and token_kind. Its JSON form is the JWT payload:
// times are NumericDates, scopes one space-separated "scope" string (RFC 9068 §2.2.3,
// RFC 8693 §4.2) and aud a string when it has one member.
type AccessClaims struct {
	Issuer   string   // iss: the authorization server's issuer identifier
	Subject  string   // sub: the account ID, or the customer ID for customer tokens
	Audience []string // aud: the resource servers the token is for
	ClientID string   // client_id
	Scopes   []string // scope
	ID       string   // jti: the token record's ID, by which it is revoked
	// IssuedAt (iat) and ExpiresAt (exp) are required; NotBefore (nbf) is optional.
	IssuedAt, ExpiresAt, NotBefore time.Time

	AccountID      string // account_id
	OrganizationID string // organization_id
	CustomerID     string // customer_id (customer tokens)
	// Kind (token_kind) is the store.TokenKind; empty means "access".
	Kind string
}

type wireClaims struct {
	Issuer         string           `json:"iss"`
	Subject        string           `json:"sub"`
	Audience       jwt.Audience     `json:"aud"`
	ClientID       string           `json:"client_id"`
	Scope          string           `json:"scope,omitempty"`
	ID             string           `json:"jti"`
	IssuedAt       *jwt.NumericDate `json:"iat,omitempty"`
	ExpiresAt      *jwt.NumericDate `json:"exp,omitempty"`
	NotBefore      *jwt.NumericDate `json:"nbf,omitempty"`
	AccountID      string           `json:"account_id,omitempty"`
	OrganizationID string           `json:"organization_id,omitempty"`
	CustomerID     string           `json:"customer_id,omitempty"`
	Kind           string           `json:"token_kind,omitempty"`
}

func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}

func timeOf(n *jwt.NumericDate) time.Time {
	if n == nil {
		return time.Time{}
	}
	return n.Time()
}

// MarshalJSON writes the JWT payload form.
func (c AccessClaims) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireClaims{
		Issuer: c.Issuer, Subject: c.Subject, Audience: jwt.Audience(c.Audience),
		ClientID: c.ClientID, Scope: strings.Join(c.Scopes, " "), ID: c.ID,
		IssuedAt: numericDate(c.IssuedAt), ExpiresAt: numericDate(c.ExpiresAt),
		NotBefore: numericDate(c.NotBefore), AccountID: c.AccountID,
		OrganizationID: c.OrganizationID, CustomerID: c.CustomerID, Kind: c.Kind,
	})
}

// UnmarshalJSON reads the JWT payload form. It checks syntax only; a verifier checks
// values. Scopes is the "scope" string split on spaces (and commas, which oauthkit's
// own lists use), without validation.
func (c *AccessClaims) UnmarshalJSON(b []byte) error {
	var w wireClaims
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = AccessClaims{
		Issuer: w.Issuer, Subject: w.Subject, Audience: []string(w.Audience),
		ClientID: w.ClientID, ID: w.ID,
		IssuedAt: timeOf(w.IssuedAt), ExpiresAt: timeOf(w.ExpiresAt), NotBefore: timeOf(w.NotBefore),
		AccountID: w.AccountID, OrganizationID: w.OrganizationID, CustomerID: w.CustomerID, Kind: w.Kind,
	}
	c.Scopes = strings.FieldsFunc(w.Scope, func(r rune) bool { return r == ' ' || r == ',' })
	return nil
}

// Sign returns c as an RFC 9068 JWT access token (compact JWS, header typ "at+jwt", alg and
// kid of the current signing key). iss, sub, aud, client_id, jti, iat and exp are required.
func (s *KeySet) Sign(c AccessClaims) (string, error) {
	if c.Issuer == "" || c.Subject == "" || len(c.Audience) == 0 || c.ClientID == "" ||
		c.ID == "" || c.IssuedAt.IsZero() || c.ExpiresAt.IsZero() {
		return "", errors.New("jose: an access token needs iss, sub, aud, client_id, jti, iat and exp (RFC 9068 §2.2)")
	}
	return SignWith(s.Current(), c)
}

// SignWith signs c with k, like [KeySet.Sign] without its checks. Tests use it to make
// tokens a verifier must refuse.
func SignWith(k *Key, c AccessClaims) (string, error) {
	signer, err := gojose.NewSigner(
		gojose.SigningKey{Algorithm: k.Algorithm, Key: gojose.JSONWebKey{Key: k.Private, KeyID: k.ID}},
		(&gojose.SignerOptions{}).WithType(TokenType),
	)
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(c).Serialize()
}
