package middleware

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/internal/httpauth"
	"github.com/oauthkit/oauthkit/store"
)

// Options configures [Authenticate]. The zero value means the documented defaults.
type Options struct {
	// Realm is the realm of the WWW-Authenticate challenge. Default "oauthkit". It must be
	// printable ASCII without '"' or '\'.
	Realm string
	// Kinds are the token kinds accepted. Default: access tokens and personal access
	// tokens that act for an account (an agent API). A customer API sets
	// []store.TokenKind{store.KindCustomer}; a router serving both sets all three and puts
	// [AgentOnly] or [CustomerOnly] on each route. Tokens that act for no
	// account (client_credentials) are accepted only when [KindClient] is listed, with
	// [ClientOnly] on their routes. Refresh tokens are never accepted.
	Kinds []store.TokenKind
	// DisableBasic refuses HTTP Basic personal access tokens, which are accepted
	// by default; Basic is then treated like any scheme we do not take (401 without error).
	DisableBasic bool
	// AllowQueryToken accepts an access_token query parameter (RFC 6750 §2.3). Off by
	// default: URLs end up in logs and Referer headers. When off, a request carrying one
	// is refused with 400 invalid_request rather than silently treated as unauthenticated.
	AllowQueryToken bool
	// AllowFormToken accepts an access_token form parameter in an
	// application/x-www-form-urlencoded body of a non-GET request (RFC 6750 §2.2). Off by
	// default. When on, the body (at most 1 MiB) is parsed before the handler runs; the
	// handler finds it in r.PostForm.
	AllowFormToken bool
	// Resource is this resource server's identifier (RFC 8707 §2, RFC 9728 §1.2): an
	// absolute https (or http) URI in canonical form ([CanonicalResource]), such as
	// "https://mcp.example.com/mcp". When set, a token is accepted only if its
	// Info.Audience names this resource, an entry equal to it or with the same canonical
	// form; a token without an audience is refused too: 401 invalid_token ("the access
	// token is not meant for this resource"). This check is the same whatever the
	// Validator. Empty: audiences are not checked (a [JWT] validator still checks
	// JWTOptions.Audience).
	Resource string
	// ResourceMetadata is the URL of this resource's protected resource metadata
	// (RFC 9728 §3, served by a [MetadataHandler]: its URL). When set, every Bearer
	// challenge, of Authenticate and of the [RequireScopes] and [RequireKind] after it,
	// carries resource_metadata="…" (RFC 9728 §5.1), which MCP clients follow to find the
	// authorization server. An absolute http(s) URL without fragment.
	ResourceMetadata string
	// Now is the clock of the expiry check that follows every validator's verdict.
	// Default time.Now.
	Now func() time.Time
	// Logger receives validator failures (never token values). Default slog.Default().
	Logger *slog.Logger
}

// maxFormBytes bounds the body parsed when AllowFormToken is on.
const maxFormBytes = 1 << 20

// Authenticate returns middleware that authenticates every request with v and passes it
// on with the token's [Info] in its context ([TokenFromContext]).
//
// The credential is the Authorization header: "Bearer <token>" (RFC 6750 §2.1), or
// "Basic base64(user:PAT)" with a personal access token whose account the user name names
// (the LiveChat-style API). Refusals follow RFC 6750 §3, each with a JSON body {"error",
// "error_description"} and Cache-Control: no-store:
//
//   - no credential (or a scheme other than Bearer/Basic): 401, WWW-Authenticate: Bearer
//     realm="…" without an error code;
//   - a malformed header, several Authorization headers, a token in the query string (or
//     form) when not allowed, or a token sent more than one way: 400 invalid_request;
//   - an unknown, expired or revoked token, a refresh token, a non-personal token sent as
//     Basic, a token whose audience does not name Options.Resource (when set), or a kind
//     not in Options.Kinds (by default, a client_credentials token, [KindClient]): 401
//     invalid_token;
//   - a validator that cannot decide: 503 temporarily_unavailable. The request never
//     reaches next (fail closed); the cause is logged.
//
// Every challenge names the realm and, with Options.ResourceMetadata, the resource's
// metadata (resource_metadata="…", RFC 9728 §5.1).
//
// Whatever v's concrete type, the decision is the same: v's verdict, then these checks,
// in order: a refresh token is refused; a credential sent as Basic must be a personal
// access token; the token must not have expired by Options.Now (Info.ExpiresAt, when set);
// its audience must name Options.Resource, when set; its kind must be one of
// Options.Kinds. A [Cache] (not a wrapper of it) also hands over
// its entry without copying it, which changes the cost only.
//
// Authenticate panics if v is nil or the options are invalid.
func Authenticate(v Validator, opts Options) func(http.Handler) http.Handler {
	if v == nil {
		panic("middleware: Authenticate needs a Validator")
	}
	a := newAuthenticator(v, opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.serve(w, r, next)
		})
	}
}

type authenticator struct {
	v        Validator
	shared   sharingValidator // v, when it can share its Infos
	opts     Options
	ch       *challenge
	resource string // Options.Resource: canonical, or "" for no audience check
	kinds    []store.TokenKind
	now      func() time.Time
	log      *slog.Logger
}

func newAuthenticator(v Validator, opts Options) *authenticator {
	ch := &challenge{realm: opts.Realm, resourceMetadata: opts.ResourceMetadata}
	a := &authenticator{v: v, opts: opts, ch: ch, resource: opts.Resource, now: opts.Now, log: opts.Logger}
	a.shared, _ = v.(sharingValidator)
	if ch.realm == "" {
		ch.realm = "oauthkit"
	}
	if !validRealm(ch.realm) {
		panic("middleware: Options.Realm must be printable ASCII without '\"' or '\\'")
	}
	if a.resource != "" {
		if err := mustBeCanonical(a.resource); err != nil {
			panic("middleware: Options.Resource: " + err.Error())
		}
	}
	if ch.resourceMetadata != "" && !validMetadataURL(ch.resourceMetadata) {
		panic("middleware: Options.ResourceMetadata must be an absolute http(s) URL without fragment")
	}
	a.kinds = slices.Clone(opts.Kinds)
	if len(a.kinds) == 0 {
		a.kinds = []store.TokenKind{store.KindAccess, store.KindPersonal}
	}
	for _, k := range a.kinds {
		switch k {
		case store.KindAccess, store.KindPersonal, store.KindCustomer, KindClient:
		default:
			panic("middleware: Options.Kinds may hold access, personal, customer and client only, not " + string(k))
		}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	return a
}

func (a *authenticator) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	var cred Credential
	var r2 *http.Request
	if tok, ok := a.bearerOnly(r); ok {
		cred.Token = tok
	} else {
		var p httpauth.Refusal
		if cred, r2, p, ok = a.credential(w, r); !ok {
			a.ch.write(w, p)
			return
		}
	}
	ctx := r.Context()
	var info *Info
	var entry *posEntry
	var err error
	if a.shared != nil {
		info, entry, err = a.shared.validateShared(ctx, cred)
	} else {
		var v Info
		v, err = a.v.Validate(ctx, cred)
		info = &v
	}
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			a.ch.write(w, errInvalid)
			return
		}
		a.log.ErrorContext(ctx, "oauthkit: token validation failed; refusing the request", "err", err)
		a.ch.write(w, errUnavailable)
		return
	}
	if info.Kind == store.KindRefresh || (cred.Basic && info.Kind != store.KindPersonal) ||
		(!info.ExpiresAt.IsZero() && !a.now().Before(info.ExpiresAt)) {
		a.ch.write(w, errInvalid)
		return
	}
	if a.resource != "" && !audienceNames(info.Audience, a.resource) {
		a.ch.write(w, errWrongAudience)
		return
	}
	if !slices.Contains(a.kinds, info.Kind) {
		a.ch.write(w, errWrongKind)
		return
	}
	if r2 == nil {
		r2 = r
	}
	if a.shared != nil {
		next.ServeHTTP(w, requestWithToken(r2, ctx, info, entry, a.ch))
	} else {
		next.ServeHTTP(w, r2.WithContext(newOwnedTokenCtx(ctx, *info, a.ch)))
	}
}

// bearerOnly is the common case of [authenticator.credential], without its bookkeeping: one
// well-formed Bearer header, no access_token in the query, no form to parse. It gives the
// same answer as credential or reports false.
func (a *authenticator) bearerOnly(r *http.Request) (string, bool) {
	hs := r.Header["Authorization"]
	if len(hs) != 1 || a.opts.AllowFormToken || strings.Contains(r.URL.RawQuery, "access_token") {
		return "", false
	}
	tok, claimed, err := httpauth.Bearer(hs[0])
	return tok, claimed && err == nil
}

// credential finds the one credential of r: the Authorization header, or, when allowed,
// an access_token query or form parameter (RFC 6750 §2). It returns a derived request
// when it parsed a form body, and the refusal when there is no usable credential.
func (a *authenticator) credential(w http.ResponseWriter, r *http.Request) (Credential, *http.Request, httpauth.Refusal, bool) {
	var cred Credential
	var state authHeader
	var desc string
	h, err := httpauth.Header(r)
	if err != nil {
		return cred, nil, badRequest(err.Error()), false
	}
	if h != "" {
		cred, state, desc = parseAuthorization(h, !a.opts.DisableBasic)
	}
	if state == authMalformed {
		return cred, nil, badRequest(desc), false
	}
	var r2 *http.Request
	if tok, has, p, ok := a.queryToken(r); !ok {
		return cred, nil, p, false
	} else if has {
		if state != authNone {
			return cred, nil, badRequest("send the access token one way only"), false
		}
		// RFC 6750 §2.3: a response to a URI-carried token should not be cached publicly.
		w.Header().Set("Cache-Control", "private")
		cred, state = Credential{Token: tok}, authOK
	}
	if a.opts.AllowFormToken && r.Method != http.MethodGet && isForm(r) {
		r2 = r.WithContext(r.Context())
		r2.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r2.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return cred, nil, errTooLarge, false
			}
			return cred, nil, badRequest("the form body is malformed"), false
		}
		switch vs := r2.PostForm["access_token"]; {
		case len(vs) > 1:
			return cred, nil, badRequest("send one access_token"), false
		case len(vs) == 1 && state != authNone:
			return cred, nil, badRequest("send the access token one way only"), false
		case len(vs) == 1:
			if !httpauth.ValidToken(vs[0]) {
				return cred, nil, badRequest("the access token is malformed"), false
			}
			cred, state = Credential{Token: vs[0]}, authOK
		}
	}
	if state != authOK {
		return cred, nil, errMissing, false
	}
	return cred, r2, httpauth.Refusal{}, true
}

// queryToken returns the access_token query parameter when AllowQueryToken is on, and
// refuses a request carrying one when it is off.
func (a *authenticator) queryToken(r *http.Request) (tok string, has bool, p httpauth.Refusal, ok bool) {
	if !strings.Contains(r.URL.RawQuery, "access_token") {
		return "", false, httpauth.Refusal{}, true
	}
	vs := r.URL.Query()["access_token"]
	switch {
	case len(vs) == 0:
		return "", false, httpauth.Refusal{}, true
	case !a.opts.AllowQueryToken:
		return "", false, badRequest("access tokens are not accepted in the query string"), false
	case len(vs) > 1:
		return "", false, badRequest("send one access_token"), false
	case !httpauth.ValidToken(vs[0]):
		return "", false, badRequest("the access token is malformed"), false
	}
	return vs[0], true, httpauth.Refusal{}, true
}

func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}
