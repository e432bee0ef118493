package middleware

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// answer is everything a client and the handler see of one request.
type answer struct {
	Status                                      int
	Challenge, RetryAfter, ContentType, Caching string
	Body                                        string
	Reached                                     bool
	Info                                        Info
}

// TestWrappedCacheBehavesLikeTheCache: Authenticate decides the same for a Cache and for
// any Validator wrapping it (a metrics wrapper, say): expiry by Options.Now, refresh
// tokens, Basic credentials, kinds, scopes and errors. The Authenticate clock runs a
// minute ahead of the cache's, so that a token still fresh for the cache has expired for
// Authenticate: both refuse it.
func TestWrappedCacheBehavesLikeTheCache(t *testing.T) {
	cacheClock := newClock()
	authClock := &fakeClock{t: cacheClock.Now().Add(time.Minute)}
	backend := ValidatorFunc(func(_ context.Context, c Credential) (Info, error) {
		now := cacheClock.Now()
		info := Info{ID: "id-" + c.Token, Kind: store.KindAccess, ClientID: testClient, AccountID: testAccount,
			OrganizationID: testOrg, Scopes: scopes.New("chats--my:ro"), IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
		switch c.Token {
		case "good":
		case "soon": // fresh for the cache, expired for Authenticate
			info.ExpiresAt = now.Add(30 * time.Second)
		case "wide":
			info.Scopes = scopes.New("chats--my:ro", "chats--all:rw")
		case "refresh":
			info.Kind = store.KindRefresh
		case "customer":
			info.Kind, info.AccountID, info.CustomerID = store.KindCustomer, "", "cust-1"
		case "client":
			info.Kind, info.AccountID = KindClient, ""
		case "pat":
			info.Kind = store.KindPersonal
		case "down":
			return Info{}, fmt.Errorf("%w: storage down", ErrUnavailable)
		default:
			return Info{}, ErrInvalidToken
		}
		return info, nil
	})
	cache := Cached(backend, CacheOptions{Now: cacheClock.Now})
	defer cache.Close()
	wrapped := ValidatorFunc(func(ctx context.Context, c Credential) (Info, error) { return cache.Validate(ctx, c) })

	route := func(v Validator, opts Options, required string) func(*http.Request) answer {
		opts.Realm, opts.Now, opts.Logger = "test", authClock.Now, discardLog
		var a answer
		h := Authenticate(v, opts)(RequireScopes(nil, required)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.Reached = true
			a.Info, _ = TokenFromContext(r.Context())
		})))
		return func(r *http.Request) answer {
			a = answer{}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			a.Status, a.Body = rec.Code, rec.Body.String()
			a.Challenge, a.RetryAfter = rec.Header().Get("WWW-Authenticate"), rec.Header().Get("Retry-After")
			a.ContentType, a.Caching = rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control")
			return a
		}
	}
	for _, tc := range []struct {
		name, auth, required string
		opts                 Options
		want                 int
	}{
		{"valid", "Bearer good", "chats--my:ro", Options{}, 200},
		{"scope implied", "Bearer wide", "chats--all:ro", Options{}, 200},
		{"scope missing", "Bearer good", "chats--all:rw", Options{}, 403},
		{"expired by Options.Now", "Bearer soon", "chats--my:ro", Options{}, 401},
		{"refresh token", "Bearer refresh", "chats--my:ro", Options{}, 401},
		{"customer on agent API", "Bearer customer", "chats--my:ro", Options{}, 401},
		{"customer on customer API", "Bearer customer", "chats--my:ro", Options{Kinds: []store.TokenKind{store.KindCustomer}}, 200},
		{"client token refused", "Bearer client", "chats--my:ro", Options{}, 401},
		{"client token listed", "Bearer client", "chats--my:ro", Options{Kinds: []store.TokenKind{KindClient}}, 200},
		{"Basic PAT", basic(testAccount, "pat"), "chats--my:ro", Options{}, 200},
		{"Basic access token", basic(testAccount, "good"), "chats--my:ro", Options{}, 401},
		{"unknown token", "Bearer nope", "chats--my:ro", Options{}, 401},
		{"validator down", "Bearer down", "chats--my:ro", Options{}, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			direct, viaWrapper := route(cache, tc.opts, tc.required), route(wrapped, tc.opts, tc.required)
			for i := range 2 { // a miss, then a hit (or the negative cache)
				req := func() *http.Request {
					r := httptest.NewRequest("GET", "/r", nil)
					r.Header.Set("Authorization", tc.auth)
					return r
				}
				got, want := viaWrapper(req()), direct(req())
				if want.Status != tc.want {
					t.Fatalf("request %d: the Cache answered %d, want %d: %s", i, want.Status, tc.want, want.Body)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("request %d: the wrapper differs from the Cache (-cache +wrapper):\n%s", i, d)
				}
			}
		})
	}
}
