package clientmeta

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/oauthkit/oauthkit/internal/fetch"
)

// Options configures [New]. The zero value means the documented defaults.
type Options struct {
	// HTTPClient fetches the documents. Default: a client that connects to public
	// addresses only (unless AllowPrivate), checked on the address dialled, so that a
	// client ID URL cannot make this server call its own network. A client given here is
	// used as it is, except that redirects are never followed (a copy of it is made with
	// its CheckRedirect replaced): which addresses it reaches is its own business.
	HTTPClient *http.Client
	// AllowPrivate lets client ID URLs reach loopback, private, link-local and other
	// non-public addresses, by name or as an IP address in the URL (with HTTPClient set,
	// only the latter: names are that client's business). For tests and development on
	// one machine only: the draft forbids it in production.
	AllowPrivate bool
	// MaxBytes bounds a document's size. Default 5120 (the draft recommends reading at
	// most 5 kilobytes).
	MaxBytes int64
	// Timeout bounds one fetch, connection and body included. Default 5 s.
	Timeout time.Duration
	// MinTTL and MaxTTL bound how long a document is used before it is fetched again.
	// Within them the response's own HTTP caching headers decide (Cache-Control max-age,
	// or Expires); a response that forbids caching (no-store, no-cache) or says nothing
	// is kept MinTTL, so that no document can make this server fetch it on every request.
	// Defaults 1 minute and 24 hours.
	MinTTL, MaxTTL time.Duration
	// FailureTTL is how long a failure to fetch or validate a document is remembered and
	// answered again without a new fetch, so that a failing URL sent in a loop costs one
	// fetch per FailureTTL. Default 5 s; negative: failures are not remembered. The draft
	// says an authorization server must not cache error responses or invalid documents:
	// this is no cache of the document, only a short pause before trying it again; set
	// it negative for the draft's letter.
	FailureTTL time.Duration
	// CacheSize is how many documents, and separately how many failures, are kept; the
	// least recently used go first. Default 1000.
	CacheSize int
	// MaxFetches bounds how many documents are being fetched at once; a Resolve that
	// would start one more fails with [ErrUnavailable]. Default 32.
	MaxFetches int
	// Now is the clock, called concurrently. Default time.Now.
	Now func() time.Time
}

// Defaults of Options.
const (
	defaultMaxBytes   = 5120
	defaultTimeout    = 5 * time.Second
	defaultMinTTL     = time.Minute
	defaultMaxTTL     = 24 * time.Hour
	defaultFailureTTL = 5 * time.Second
	defaultCacheSize  = 1000
	defaultMaxFetches = 32
)

// Resolver fetches, validates and caches client metadata documents. It is safe for
// concurrent use. Concurrent calls for one URL share one fetch.
type Resolver struct {
	client       *http.Client
	allowPrivate bool
	maxBytes     int64
	timeout      time.Duration
	minTTL       time.Duration
	maxTTL       time.Duration
	failureTTL   time.Duration
	maxFetches   int
	now          func() time.Time

	docs     *lru.Cache[string, cachedDoc]
	failures *lru.Cache[string, cachedFailure]

	mu    sync.Mutex
	calls map[string]*call // fetches in flight, by URL

	joined func() // test hook: a Resolve joined a fetch in flight
}

type cachedDoc struct {
	doc     Document
	expires time.Time
}

type cachedFailure struct {
	err     *Error
	expires time.Time
}

// call is one fetch in flight; doc and err are set before done is closed.
type call struct {
	done chan struct{}
	doc  Document
	err  *Error
}

// New returns a Resolver configured by opts. It fails on a negative size or duration
// (other than FailureTTL) and on MinTTL greater than MaxTTL.
func New(opts Options) (*Resolver, error) {
	if opts.MaxBytes < 0 || opts.Timeout < 0 || opts.MinTTL < 0 || opts.MaxTTL < 0 || opts.CacheSize < 0 || opts.MaxFetches < 0 {
		return nil, errors.New("clientmeta: Options: sizes and durations must not be negative")
	}
	r := &Resolver{
		allowPrivate: opts.AllowPrivate,
		maxBytes:     or(opts.MaxBytes, defaultMaxBytes),
		timeout:      or(opts.Timeout, defaultTimeout),
		minTTL:       or(opts.MinTTL, defaultMinTTL),
		maxTTL:       or(opts.MaxTTL, defaultMaxTTL),
		failureTTL:   or(opts.FailureTTL, defaultFailureTTL),
		maxFetches:   or(opts.MaxFetches, defaultMaxFetches),
		now:          opts.Now,
		calls:        map[string]*call{},
	}
	if r.minTTL > r.maxTTL {
		return nil, errors.New("clientmeta: Options: MinTTL is greater than MaxTTL")
	}
	if r.now == nil {
		r.now = time.Now
	}
	var c http.Client
	if opts.HTTPClient != nil {
		c = *opts.HTTPClient
	} else {
		c = *fetch.NewClient(fetch.ClientOptions{AllowPrivate: opts.AllowPrivate, Timeout: r.timeout})
	}
	c.CheckRedirect = noRedirects
	r.client = &c
	size := or(opts.CacheSize, defaultCacheSize)
	var err error
	if r.docs, err = lru.New[string, cachedDoc](size); err != nil {
		return nil, err
	}
	if r.failures, err = lru.New[string, cachedFailure](size); err != nil {
		return nil, err
	}
	return r, nil
}

// or returns v, or def when v is zero.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Resolve returns the validated client metadata document of the client ID URL clientID:
// from the cache while fresh, otherwise fetched (once, however many calls wait for it).
// The error is an *[Error] wrapping [ErrInvalidURL], [ErrFetch], [ErrInvalidDocument] or
// [ErrUnavailable]. The returned Document shares nothing with the cache.
//
// A fetch is not cancelled by ctx: it serves every caller waiting for it and stops after
// Options.Timeout. A caller whose ctx ends first gets [ErrUnavailable].
func (r *Resolver) Resolve(ctx context.Context, clientID string) (Document, error) {
	if e := r.checkURL(clientID); e != nil {
		return Document{}, e
	}
	if d, e, ok := r.cached(clientID); ok {
		return d, errOrNil(e)
	}
	if err := ctx.Err(); err != nil { // no fetch for a request that has ended
		return Document{}, newError(ErrUnavailable, err, "the request ended before the client metadata document was fetched")
	}
	r.mu.Lock()
	// Looked up again under the lock: a fetch that has just ended has filled the cache.
	if d, e, ok := r.cached(clientID); ok {
		r.mu.Unlock()
		return d, errOrNil(e)
	}
	c, inFlight := r.calls[clientID]
	if !inFlight {
		if len(r.calls) >= r.maxFetches {
			r.mu.Unlock()
			return Document{}, newError(ErrUnavailable, nil, "too many client metadata documents are being fetched; try again later")
		}
		c = &call{done: make(chan struct{})}
		r.calls[clientID] = c
		go r.run(context.WithoutCancel(ctx), clientID, c)
	}
	r.mu.Unlock()
	if inFlight && r.joined != nil {
		r.joined()
	}
	select {
	case <-c.done:
		if c.err != nil {
			return Document{}, c.err
		}
		return c.doc.clone(), nil
	case <-ctx.Done():
		return Document{}, newError(ErrUnavailable, ctx.Err(), "the request ended before the client metadata document was fetched")
	}
}

// checkURL is ValidateURL plus the address rule: a host written as an IP address must be
// public unless AllowPrivate (names are checked when dialled).
func (r *Resolver) checkURL(id string) *Error {
	if e := validateURL(id); e != nil {
		return e
	}
	if a, err := netip.ParseAddr(hostOf(id)); err == nil && !r.allowPrivate && !fetch.Public(a) {
		return urlError("client_id's host is not a public address")
	}
	return nil
}

// cached returns the fresh cache entry for id, a document or a failure; ok is false when
// there is none.
func (r *Resolver) cached(id string) (Document, *Error, bool) {
	now := r.now()
	if c, ok := r.docs.Get(id); ok && now.Before(c.expires) {
		return c.doc.clone(), nil, true
	}
	if c, ok := r.failures.Get(id); ok && now.Before(c.expires) {
		return Document{}, c.err, true
	}
	return Document{}, nil, false
}

// run fetches and validates the document of id for the call c, caches the outcome, and
// ends the call.
func (r *Resolver) run(ctx context.Context, id string, c *call) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	body, h, e := r.get(ctx, id)
	if e == nil {
		c.doc, e = parseDocument(id, body)
	}
	c.err = e
	now := r.now()
	r.mu.Lock()
	if e == nil {
		ttl := min(max(freshness(h, now), r.minTTL), r.maxTTL)
		r.docs.Add(id, cachedDoc{doc: c.doc, expires: now.Add(ttl)})
		r.failures.Remove(id)
	} else {
		r.docs.Remove(id)
		if r.failureTTL > 0 {
			r.failures.Add(id, cachedFailure{err: e, expires: now.Add(r.failureTTL)})
		}
	}
	delete(r.calls, id)
	r.mu.Unlock()
	close(c.done)
}
