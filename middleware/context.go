package middleware

import "context"

// ctxKey is the type of the context key under which [Authenticate] stores the token; a
// pointer key nobody else can build.
type ctxKey struct{ name string }

var tokenKey = &ctxKey{"oauthkit token"}

// tokenCtx carries the validated token. It is one small allocation per request, where
// context.WithValue plus a boxed Info would be two larger ones: the hot path of a cache hit
// matters (see the benchmarks). info points at the Cache's immutable entry on a hit, or at
// ownedTokenCtx.own otherwise; nobody writes through it. Cancellation and other values come
// from the embedded parent, so context.WithCancel on a tokenCtx finds the parent's
// cancelCtx and starts no goroutine.
type tokenCtx struct {
	context.Context
	info  *Info
	realm string
}

// ownedTokenCtx is a tokenCtx and its Info in one allocation, for validators other than
// [Cache].
type ownedTokenCtx struct {
	tc  tokenCtx
	own Info
}

func newOwnedTokenCtx(parent context.Context, info Info, realm string) *tokenCtx {
	o := &ownedTokenCtx{own: info}
	o.tc = tokenCtx{Context: parent, info: &o.own, realm: realm}
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
	c, _ := ctx.Value(tokenKey).(*tokenCtx)
	return c
}

// TokenFromContext returns the token that [Authenticate] validated for this request, and
// whether there is one. Without one it returns the zero Info and false.
func TokenFromContext(ctx context.Context) (Info, bool) {
	if c := tokenCtxFrom(ctx); c != nil {
		return *c.info, true
	}
	return Info{}, false
}
