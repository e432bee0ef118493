package middleware

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// IntrospectionOptions configures [NewIntrospection]. ClientID and ClientSecret are
// required; every other zero field means the documented default.
type IntrospectionOptions struct {
	// ClientID and ClientSecret authenticate this resource server to the introspection
	// endpoint (client_secret_basic, form-urlencoded before base64 per RFC 6749 §2.3.1).
	ClientID, ClientSecret string
	// HTTPClient sends the requests. Default: a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds each introspection call. Default 5 s.
	Timeout time.Duration
	// MaxResponseBytes bounds the response body read. Default 64 KiB.
	MaxResponseBytes int64
	// Now is the clock for the exp check. Default time.Now.
	Now func() time.Time
}

// Introspection validates tokens by asking the authorization server (RFC 7662):
// for resource servers in another process that cannot read its storage. Every call is a
// network round trip, so put [Cached] in front of it. An endpoint that is down, slow,
// refuses our client credentials or answers nonsense makes Validate return ErrUnavailable:
// requests fail closed with 503. It is safe for concurrent use and starts no goroutine.
type Introspection struct {
	endpoint string
	opts     IntrospectionOptions
	client   *http.Client
	basic    string // the Authorization header value
	now      func() time.Time
}

// NewIntrospection returns a validator that posts to endpoint (an absolute http(s) URL,
// e.g. https://auth.example.com/introspect).
func NewIntrospection(endpoint string, opts IntrospectionOptions) (*Introspection, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		return nil, errors.New("middleware: the introspection endpoint must be an absolute http(s) URL")
	}
	if opts.ClientID == "" || opts.ClientSecret == "" {
		return nil, errors.New("middleware: IntrospectionOptions.ClientID and ClientSecret are required")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = 64 << 10
	}
	in := &Introspection{endpoint: endpoint, opts: opts, client: opts.HTTPClient, now: opts.Now}
	if in.client == nil {
		in.client = &http.Client{Timeout: opts.Timeout}
	}
	if in.now == nil {
		in.now = time.Now
	}
	req := &http.Request{Header: http.Header{}}
	req.SetBasicAuth(url.QueryEscape(opts.ClientID), url.QueryEscape(opts.ClientSecret))
	in.basic = req.Header.Get("Authorization")
	return in, nil
}

// Validate implements [Validator].
func (in *Introspection) Validate(ctx context.Context, cred Credential) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, in.opts.Timeout)
	defer cancel()
	form := url.Values{"token": {cred.Token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Info{}, fmt.Errorf("%w: introspection: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", in.basic)
	resp, err := in.client.Do(req)
	if err != nil {
		return Info{}, fmt.Errorf("%w: introspection: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, in.opts.MaxResponseBytes+1))
	if err != nil {
		return Info{}, fmt.Errorf("%w: introspection: reading the response: %w", ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		// 401/403 mean our client credentials are wrong: a configuration error, not an
		// invalid token. Either way we cannot tell.
		return Info{}, fmt.Errorf("%w: introspection: status %d", ErrUnavailable, resp.StatusCode)
	}
	if int64(len(body)) > in.opts.MaxResponseBytes {
		return Info{}, fmt.Errorf("%w: introspection: response larger than %d bytes", ErrUnavailable, in.opts.MaxResponseBytes)
	}
	info, err := parseIntrospection(body, in.now())
	if err != nil {
		return Info{}, err
	}
	if cred.Basic {
		if err := checkIntrospectedUser(info, cred.Username); err != nil {
			return Info{}, err
		}
	}
	return info.Info, nil
}

// introspected is an RFC 7662 §2.2 response with oauthkit's members.
type introspected struct {
	Info
	username string
}

// introspectionResponse is the JSON of RFC 7662 §2.2. Numbers are json.Number so that
// floats and integers both parse; unknown members are ignored.
type introspectionResponse struct {
	Active         *bool       `json:"active"`
	Scope          string      `json:"scope"`
	ClientID       string      `json:"client_id"`
	Username       string      `json:"username"`
	TokenType      string      `json:"token_type"`
	Exp            json.Number `json:"exp"`
	Iat            json.Number `json:"iat"`
	Nbf            json.Number `json:"nbf"`
	Sub            string      `json:"sub"`
	Jti            string      `json:"jti"`
	AccountID      string      `json:"account_id"`
	OrganizationID string      `json:"organization_id"`
	CustomerID     string      `json:"customer_id"`
	TokenKind      string      `json:"kind"`
	Aud            audience    `json:"aud"`
}

// audience is the "aud" member of RFC 7662 §2.2, which RFC 7519 §4.1.3 lets be one string
// or an array of strings; an empty string or null is no audience.
type audience []string

// UnmarshalJSON implements json.Unmarshaler.
func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = nil
		if one != "" {
			*a = audience{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

// parseIntrospection maps an introspection response to an Info. "active": false (or
// absent) is ErrInvalidToken; a body that is not an RFC 7662 object is ErrUnavailable.
//
// The token's kind comes from "kind" (oauthkit's member) when present, otherwise
// from "token_type" when it names a kind (access, personal, customer, client, refresh); a
// "token_type" of Bearer, access_token or none means an access token, unless "customer_id"
// is set, which means a customer token. An access token acts for "account_id", else for
// "sub" unless sub is the client_id; one that acts for no account (client credentials)
// is [KindClient]. Refresh tokens, personal access tokens without an account and customer
// tokens without a customer ("customer_id", else "sub") are invalid here. "scope" may be
// space- or comma-separated; "aud" (Info.Audience) a string or an array of strings.
func parseIntrospection(body []byte, now time.Time) (introspected, error) {
	var r introspectionResponse
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil || r.Active == nil {
		return introspected{}, fmt.Errorf("%w: introspection: the response is not an RFC 7662 object", ErrUnavailable)
	}
	if !*r.Active {
		return introspected{}, ErrInvalidToken
	}
	exp, err1 := unixTime(r.Exp)
	iat, err2 := unixTime(r.Iat)
	nbf, err3 := unixTime(r.Nbf)
	set, err4 := scopes.Parse(r.Scope)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return introspected{}, fmt.Errorf("%w: introspection: malformed member: %w", ErrUnavailable, err)
	}
	if (!exp.IsZero() && !now.Before(exp)) || (!nbf.IsZero() && now.Before(nbf)) {
		return introspected{}, ErrInvalidToken
	}
	kind, ok := introspectedKind(r)
	if !ok {
		return introspected{}, ErrInvalidToken
	}
	info := Info{
		ID: r.Jti, Kind: kind, ClientID: r.ClientID, AccountID: r.AccountID,
		OrganizationID: r.OrganizationID, CustomerID: r.CustomerID, Scopes: set,
		Audience: r.Aud, IssuedAt: iat, ExpiresAt: exp,
	}
	switch kind {
	case store.KindCustomer:
		if info.CustomerID == "" {
			info.CustomerID = r.Sub
		}
	case store.KindAccess, store.KindPersonal:
		info.AccountID = accountFromSubject(info.AccountID, r.Sub, r.ClientID)
	}
	if info.Kind, ok = classify(kind, info.AccountID, info.CustomerID); !ok {
		return introspected{}, ErrInvalidToken
	}
	return introspected{Info: info, username: r.Username}, nil
}

func introspectedKind(r introspectionResponse) (store.TokenKind, bool) {
	k := r.TokenKind
	if k == "" {
		k = strings.ToLower(r.TokenType)
	}
	switch store.TokenKind(k) {
	case store.KindAccess, store.KindPersonal, store.KindCustomer, KindClient:
		return store.TokenKind(k), true
	case store.KindRefresh, "refresh_token":
		return "", false
	}
	if r.TokenKind != "" {
		return "", false // an oauthkit kind we do not know
	}
	switch k {
	case "", "bearer", "access_token":
		if r.CustomerID != "" {
			return store.KindCustomer, true
		}
		return store.KindAccess, true
	}
	return "", false
}

// checkIntrospectedUser checks the Basic user name of a personal access token
// against the answer's account_id/sub, or its username (the login, compared
// case-insensitively).
func checkIntrospectedUser(in introspected, user string) error {
	if in.Kind != store.KindPersonal {
		return ErrInvalidToken
	}
	if in.AccountID != "" && subtle.ConstantTimeCompare([]byte(user), []byte(in.AccountID)) == 1 {
		return nil
	}
	if in.username != "" && subtle.ConstantTimeCompare([]byte(strings.ToLower(user)), []byte(strings.ToLower(in.username))) == 1 {
		return nil
	}
	return ErrInvalidToken
}

// unixTime parses a NumericDate (seconds since the epoch, possibly fractional); empty is
// the zero time.
func unixTime(n json.Number) (time.Time, error) {
	if n == "" {
		return time.Time{}, nil
	}
	if i, err := n.Int64(); err == nil {
		return time.Unix(i, 0), nil
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1<<40 {
		return time.Time{}, errors.New("not a NumericDate")
	}
	return time.Unix(0, int64(f*1e9)), nil
}
