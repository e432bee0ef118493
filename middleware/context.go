package middleware

import (
	"context"
	"net/http"
	"slices"
)

// ctxKey is the type of the context key under which [Authenticate] stores the token; a
// pointer key nobody else can build.
type ctxKey struct{ name string }

var tokenKey = &ctxKey{"oauthkit token"}

// tokenCtx carries the validated token. info points at the Cache's immutable entry on a
// hit, or at ownedTokenCtx.own otherwise; nobody writes through it. ch is the challenge
// of the Authenticate that made it, for the refusals of the middleware after it.
// Cancellation and other values come from the embedded parent, so context.WithCancel on
// a tokenCtx finds the parent's cancelCtx and starts no goroutine.
type tokenCtx struct {
	context.Context
	info  *Info
	ch    *challenge
	entry *posEntry // the Cache entry info belongs to, or nil
}

// authedRequest is the request passed on by [Authenticate] and its context in one
// allocation, where r.WithContext(context.WithValue(…)) plus a boxed Info would be three
// larger ones: the hot path of a cache hit matters (see the benchmarks).
type authedRequest struct {
	req http.Request
	tc  tokenCtx
}

// requestWithToken returns r with a context holding info, shared as is, from entry e (nil
// if the cache is closed).
func requestWithToken(r *http.Request, parent context.Context, info *Info, e *posEntry, ch *challenge) *http.Request {
	a := &authedRequest{tc: tokenCtx{Context: parent, info: info, ch: ch, entry: e}}
	// WithContext is inlined and its copy does not escape: it stays on the stack, and the
	// one allocation is a.
	a.req = *r.WithContext(&a.tc)
	return &a.req
}

// ownedTokenCtx is a tokenCtx and its Info in one allocation, for validators other than
// [Cache].
type ownedTokenCtx struct {
	tc  tokenCtx
	own Info
}

func newOwnedTokenCtx(parent context.Context, info Info, ch *challenge) *tokenCtx {
	o := &ownedTokenCtx{own: info}
	o.tc = tokenCtx{Context: parent, info: &o.own, ch: ch}
	return &o.tc
}

func (c *tokenCtx) Value(key any) any {
	if key == tokenKey {
		return c
	}
	return c.Context.Value(key)
}

func (c *tokenCtx) String() string { return "middleware.tokenCtx" }

func tokenCtxFrom(ctx context.Context) *tokenCtx {
	if c, ok := ctx.(*tokenCtx); ok { // the context Authenticate made, not wrapped since
		return c
	}
	c, _ := ctx.Value(tokenKey).(*tokenCtx)
	return c
}

// TokenFromContext returns the token that [Authenticate] validated for this request, and
// whether there is one. Without one it returns the zero Info and false. The Info is the
// caller's: its Audience is a copy.
func TokenFromContext(ctx context.Context) (Info, bool) {
	if c := tokenCtxFrom(ctx); c != nil {
		info := *c.info
		info.Audience = slices.Clone(info.Audience)
		return info, true
	}
	return Info{}, false
}
