package flows

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// NoLimit, as a count of [Limits], turns that limit off.
const NoLimit = -1

// Config configures a [Server]. Issuer, Storage, Hasher, Scopes and Authenticator are
// required; every other zero field means the documented default. The fields are grouped by
// concern: what the server is and who signs in (the first five), where it serves (Paths),
// how long credentials live (Lifetimes), how much one caller may do (Limits), who may do
// what (Policy), which web pages may call it (CORS), and the extension points.
type Config struct {
	// Issuer is the server's issuer identifier (RFC 8414): an absolute http or https URL
	// without query or fragment. It is sent as iss in authorization responses (RFC 9207),
	// an https issuer makes cookies Secure, and its path is the prefix under which a
	// router serves [Server.Handler] after stripping it (http.StripPrefix): every URL
	// the server sends (redirects, forms, metadata) is the issuer's path followed by one
	// of Paths.
	Issuer string
	// Storage holds clients, accounts, codes, tokens and grants (and customers, for the
	// customer endpoint): see [Storage].
	Storage Storage
	// Hasher keys the HMAC-SHA256 under which codes, tokens, client secrets and session
	// ids are stored and looked up (see [credentials.NewHasher]). Give the same Hasher to
	// a local token validator (package middleware). Keep its key out of the database:
	// without it, a stolen database yields no usable credential. Changing the key
	// invalidates every stored secret.
	Hasher *credentials.Hasher
	// Scopes is the scope catalog: descriptions for consent, administrator-only scopes,
	// implication rules.
	Scopes *scopes.Catalog

	// Authenticator identifies the signed-in account and sends people to sign in: the
	// application's own (then no sign-in route of oauthkit is served), or the built-in
	// password sign-in of package signin. When it is also a [RouteProvider], its routes
	// are served beside the server's.
	Authenticator Authenticator
	// Paths are where the handlers are served; zero fields take the defaults of
	// [DefaultPaths].
	Paths Paths
	// Lifetimes are how long codes and tokens are valid.
	Lifetimes Lifetimes
	// Limits bound what one client, person or address may do.
	Limits Limits
	// Policy decides who may do what.
	Policy Policy
	// CORS decides which web pages may call the token and revocation endpoints from a
	// browser; the metadata and JWKS answer every origin. The zero value sends no CORS
	// header at the token and revocation endpoints. See [CORS].
	CORS CORS

	// Extension points.

	// JWT, when set, makes access tokens RFC 9068 JWTs signed with its key and published at
	// Paths.JWKS. Nil means opaque access tokens.
	JWT *JWTAccessTokens
	// Registration, when set, is dynamic client registration (RFC 7591, with RFC 7592
	// management), normally package flows/registration's: [New] serves its routes beside
	// the server's, and the metadata names Paths.Registration as registration_endpoint.
	// Nil (the default) means no client registers itself: the application provisions
	// clients ([Server.NewClient]).
	Registration RouteProvider
	// ClientIDMetadataDocuments, when set, lets clients that storage does not know
	// identify themselves with an https URL as client_id, where they publish their
	// registration (a client ID metadata document, as MCP clients do): see
	// [ClientIDMetadataDocuments]. The metadata then says
	// client_id_metadata_document_supported. Nil (the default) means a client_id that
	// storage does not know is unknown, URL or not.
	ClientIDMetadataDocuments *ClientIDMetadataDocuments
	// TokenPrefix starts every token and code, like a region prefix ("dal:"), so that
	// leaked tokens are recognisable. Default "oak:".
	TokenPrefix string
	// Templates overrides the HTML pages of the server. It must define the templates
	// "consent" and "error" (see templates/ for the data each receives; [PageLayout] is the
	// built-in layout). Nil means the built-in pages. Sign-in pages are the sign-in
	// package's.
	Templates *template.Template
	// ClientAddr returns the address a request comes from, by which failed
	// authentications are counted (Limits). Behind a reverse proxy, return the address
	// from the proxy's trusted forwarding header. Default: the host of the request's
	// RemoteAddr.
	ClientAddr func(*http.Request) netip.Addr
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives internal errors and security events. Default slog.Default().
	Logger *slog.Logger
}

// Lifetimes are how long codes and tokens are valid. A zero field means its default; none
// may be negative.
type Lifetimes struct {
	// Code is how long an authorization code is valid. Default 5 minutes.
	Code time.Duration
	// AccessToken is how long an access token is valid. Default 8 hours (28800 s).
	AccessToken time.Duration
	// RefreshToken is how long a refresh token is valid. Default 30 days.
	RefreshToken time.Duration
	// Grant bounds the life of a grant: no refresh token descending from one authorization
	// code expires later than the code's redemption plus this duration, however often it
	// rotates, and a refresh after that is invalid_grant (the person signs in again).
	// Default 90 days.
	Grant time.Duration
	// PersonalToken is how long a personal access token is valid. Default 365 days.
	PersonalToken time.Duration
	// CustomerToken is how long a customer access token is valid. Default 8 hours.
	CustomerToken time.Duration
}

// Limits bound what one client, person or address may do. A zero count means its default
// and [NoLimit] turns the limit off; a zero duration means its default. Every count is per
// process: behind a load balancer each instance counts its own share.
type Limits struct {
	// Tokens caps live access tokens and live refresh tokens per (client, account), and
	// live customer tokens per (client, customer); issuing one more revokes the oldest.
	// Tokens that act for no account (client_credentials) are not counted here: see
	// ClientTokens. Default 25.
	Tokens int
	// ClientTokens caps the live access tokens that act for no account (those of the
	// client_credentials grant) per client; issuing one more revokes the oldest. All the
	// replicas of a service share one client and each holds its own token, so by default
	// there is no cap: 0 and NoLimit both mean off.
	ClientTokens int
	// Redirects is how many authorization requests one client may send one person within
	// RedirectWindow before the error page answers too_many_redirects (a client stuck in a
	// redirect loop). Default 3.
	Redirects int
	// RedirectWindow is the sliding window over which Redirects counts requests. Default
	// 30 seconds.
	RedirectWindow time.Duration
	// ClientAuthFailures refuses a client's authentication with 429 after that many
	// failures within ClientAuthFailureWindow. Failures are counted per client and
	// address (Config.ClientAddr), so a guesser locks out only itself. Default 10.
	ClientAuthFailures int
	// ClientAuthFailureWindow is the fixed window, starting at an identity's first failure,
	// within which failures are counted; a locked-out identity waits until it ends (a client
	// is told so in Retry-After). Default 5 minutes.
	ClientAuthFailureWindow time.Duration
}

// Policy decides who may do what.
type Policy struct {
	// ClientCredentials enables the client_credentials grant at the token endpoint, for
	// every token handler of the server and in the metadata. Off by default.
	ClientCredentials bool
	// RequireS256 refuses PKCE method "plain" for every client.
	RequireS256 bool
	// ErrorPageMode sends every authorization error to the error page, never back to the
	// client.
	ErrorPageMode bool
	// SignInRoles, when set, are the roles that may sign in: an account holding none of
	// them is refused sign-in (identity_exception=access_denied after its password checks
	// out), and its refresh and personal access tokens stop working. Nil lets every
	// account sign in.
	SignInRoles []string
	// AdminRole is the role that may hold administrator-only scopes. Default
	// "administrator".
	AdminRole string
	// CustomerScope is the scope an access token needs at the customer endpoint. Default
	// "customers:own".
	CustomerScope string
	// PersonalTokenClients are the first-party clients (the application's own console app)
	// whose access tokens may use the personal access token API, provided the token also
	// carries [PersonalTokensScope]; the scope catalog must then declare that scope. No
	// other client may request the scope (invalid_scope). Nil means the API is used only by
	// the person in a signed-in browser session. Clients' access tokens never create
	// personal access tokens otherwise.
	PersonalTokenClients []string
	// InfoOmitsRefreshToken removes the refresh_token field from the info endpoint's answer
	// entirely. By default the field is shown, for an access token issued by the
	// refresh_token grant, only when the token's client is confidential (its refresh token
	// is useless without the client's secret); it is never shown for a public client.
	InfoOmitsRefreshToken bool
	// LocalhostAnyPort lets a public client's registered "http://localhost" redirect URI
	// match the same URI with any port, or none, as its "http://127.0.0.1" and
	// "http://[::1]" ones always do (RFC 8252 §7.3): MCP clients and other native apps
	// register "http://localhost:PORT/callback" and listen on whatever port is free.
	// RFC 8252 §8.3 does not recommend localhost (the name may reach more than the
	// loopback interface), so it is off by default, and it never applies to a
	// confidential client, whose redirect URIs always match their port exactly
	// ([redirecturi.Options]).
	LocalhostAnyPort bool
	// RefreshGrace is a grace window for the rotation of a public client's refresh token:
	// within RefreshGrace after a refresh token was rotated, the same client presenting it
	// again gets a new access and refresh token of the same grant instead of having the grant
	// revoked as reuse. It serves clients of several processes sharing one refresh token
	// (MCP clients), which refresh at about the same time, and clients that lost the answer
	// of a rotation to a network error or a restart and retry with the token they hold.
	// Every token issued stays valid: the earlier rotation's and each repeat's, so that every
	// process keeps working; each is a member of the grant like any other, so revoking one
	// revokes them all, and the token limits (Limits.Tokens) apply to them. The window runs
	// from the token's first rotation and never moves, and at most RefreshGraceRepeats
	// repeats are granted per rotated token; a repeat after the window, or beyond that
	// number, is reuse and revokes the grant, as RFC 9700 §4.14.2 asks of a rotated refresh
	// token. Off (0) by default: a rotated refresh token presented again always revokes the
	// grant. At most 1 minute; a window weakens the one-time use of rotated refresh tokens,
	// so keep it as short as the clients allow (some seconds).
	RefreshGrace time.Duration
	// RefreshGraceRepeats is how many times one rotated refresh token may be presented
	// again within RefreshGrace. Default 2; at most 10.
	RefreshGraceRepeats int
}

// Defaults of Config.
const (
	defaultCodeLifetime          = 5 * time.Minute
	defaultAccessTokenLifetime   = 8 * time.Hour
	defaultRefreshTokenLifetime  = 30 * 24 * time.Hour
	defaultGrantLifetime         = 90 * 24 * time.Hour
	defaultPersonalTokenLifetime = 365 * 24 * time.Hour
	defaultCustomerTokenLifetime = 8 * time.Hour

	defaultTokenLimit              = 25
	defaultRedirectLimit           = 3
	defaultRedirectWindow          = 30 * time.Second
	defaultClientAuthFailures      = 10
	defaultClientAuthFailureWindow = 5 * time.Minute

	defaultTokenPrefix   = "oak:"
	defaultAdminRole     = "administrator"
	defaultCustomerScope = "customers:own"
)

// withDefaults checks the lifetimes and fills in their defaults.
func (l Lifetimes) withDefaults() (Lifetimes, error) {
	for _, d := range []time.Duration{l.Code, l.AccessToken, l.RefreshToken, l.Grant, l.PersonalToken, l.CustomerToken} {
		if d < 0 {
			return l, errors.New("flows: Config.Lifetimes must not be negative")
		}
	}
	setDefault(&l.Code, defaultCodeLifetime)
	setDefault(&l.AccessToken, defaultAccessTokenLifetime)
	setDefault(&l.RefreshToken, defaultRefreshTokenLifetime)
	setDefault(&l.Grant, defaultGrantLifetime)
	setDefault(&l.PersonalToken, defaultPersonalTokenLifetime)
	setDefault(&l.CustomerToken, defaultCustomerTokenLifetime)
	return l, nil
}

// Bounds and defaults of Policy.RefreshGrace and RefreshGraceRepeats.
const (
	maxRefreshGrace            = time.Minute
	defaultRefreshGraceRepeats = 2
	maxRefreshGraceRepeats     = 10
)

// withDefaults checks the grace of refresh token rotation and fills in its default.
func (p Policy) withDefaults() (Policy, error) {
	if p.RefreshGrace < 0 || p.RefreshGrace > maxRefreshGrace {
		return p, errors.New("flows: Config.Policy.RefreshGrace must be between 0 and 1 minute")
	}
	if p.RefreshGraceRepeats < 0 || p.RefreshGraceRepeats > maxRefreshGraceRepeats {
		return p, errors.New("flows: Config.Policy.RefreshGraceRepeats must be between 0 (the default) and 10")
	}
	setDefault(&p.RefreshGraceRepeats, defaultRefreshGraceRepeats)
	return p, nil
}

// withDefaults checks the limits and fills in their defaults.
func (l Limits) withDefaults() (Limits, error) {
	for _, n := range []int{l.Tokens, l.ClientTokens, l.Redirects, l.ClientAuthFailures} {
		if n < 0 && n != NoLimit {
			return l, errors.New("flows: a count of Config.Limits must be positive, zero (the default) or NoLimit")
		}
	}
	if l.RedirectWindow < 0 || l.ClientAuthFailureWindow < 0 {
		return l, errors.New("flows: the windows of Config.Limits must not be negative")
	}
	setDefault(&l.Tokens, defaultTokenLimit)
	setDefault(&l.Redirects, defaultRedirectLimit)
	setDefault(&l.RedirectWindow, defaultRedirectWindow)
	setDefault(&l.ClientAuthFailures, defaultClientAuthFailures)
	setDefault(&l.ClientAuthFailureWindow, defaultClientAuthFailureWindow)
	return l, nil
}

// limit is a count of Limits as the limiters take it: NoLimit becomes 0, which they read
// as off.
func limit(n int) int {
	if n == NoLimit {
		return 0
	}
	return n
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// remoteAddr is the default Config.ClientAddr: the host of r.RemoteAddr, or the zero
// address when it is not an IP address.
func remoteAddr(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a.Unmap()
}
