// Command resource is a small API protected by package middleware, validating tokens one
// of three ways (-validator):
//
//	local       read the authorization server's storage (the same -db and hash key);
//	            with -db memory it seeds demo tokens and prints them, so it runs alone
//	introspect  ask examples/server over RFC 7662 (-introspect-url, -client-id,
//	            -client-secret or OAUTHKIT_RESOURCE_CLIENT_SECRET)
//	jwt         verify JWT access tokens with the issuer's JWKS (-jwks-url, -audience)
//
// Routes (package api): GET /v3/agent/chats (chats--my:ro), POST /v3/agent/chats
// (chats--all:rw), GET /v3/customer/me (customer tokens only).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/oauthkit/oauthkit/examples/resource/api"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "resource:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	addr, validator, issuer           string
	introspectURL, clientID, secret   string
	jwksURL, audience, db, hashKeyHex string
	cacheMaxAge                       time.Duration
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("resource", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, "Usage: go run ./examples/resource [flags]\n\n"+
			"A demo API protected by package middleware. With the defaults (-validator local -db memory)\n"+
			"it seeds demo tokens and prints curl commands that use them.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8081", "address to listen on")
	fs.StringVar(&c.validator, "validator", "local", "how tokens are validated: local, introspect or jwt")
	fs.StringVar(&c.issuer, "issuer", "http://127.0.0.1:8080", "the authorization server (examples/server)")
	fs.StringVar(&c.introspectURL, "introspect-url", "", "RFC 7662 endpoint (default ISSUER/introspect)")
	fs.StringVar(&c.clientID, "client-id", "demo-server-app", "client ID this API introspects as")
	fs.StringVar(&c.secret, "client-secret", "", "client secret for introspection (default $OAUTHKIT_RESOURCE_CLIENT_SECRET)")
	fs.StringVar(&c.jwksURL, "jwks-url", "", "JWKS of the issuer (default ISSUER/.well-known/jwks.json)")
	fs.StringVar(&c.audience, "audience", "", "this API's identifier, the aud of its JWTs (default http://ADDR)")
	fs.StringVar(&c.db, "db", "memory", "storage for -validator local: memory (seeded demo tokens), or the server's database: sqlite:PATH or postgres://…")
	fs.StringVar(&c.hashKeyHex, "hash-key", "", "hex hash key of the server's storage (default $OAUTHKIT_HASH_KEY; random for memory)")
	fs.DurationVar(&c.cacheMaxAge, "cache-max-age", 30*time.Second, "longest a validated token is cached (bounds unseen revocations)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	issuer := strings.TrimSuffix(c.issuer, "/")
	if c.introspectURL == "" {
		c.introspectURL = issuer + "/introspect"
	}
	if c.jwksURL == "" {
		c.jwksURL = issuer + "/.well-known/jwks.json"
	}
	if c.audience == "" {
		c.audience = "http://" + c.addr
	}
	if c.secret == "" {
		c.secret = os.Getenv("OAUTHKIT_RESOURCE_CLIENT_SECRET")
	}
	if c.hashKeyHex == "" {
		c.hashKeyHex = os.Getenv("OAUTHKIT_HASH_KEY")
	}
	return c, nil
}

// demoToken is a token seeded into memory storage, printed for curl.
type demoToken struct {
	what, header string
}

// newHandler builds the validator chain and the API. It returns the handler, the demo
// tokens it seeded (local + memory only) and a cleanup function.
func newHandler(ctx context.Context, c config) (http.Handler, []demoToken, func(), error) {
	var v middleware.Validator
	var demo []demoToken
	var pub store.RevocationPublisher
	var closers []func()
	switch c.validator {
	case "local":
		key := make([]byte, 32)
		if c.hashKeyHex != "" {
			k, err := hex.DecodeString(c.hashKeyHex)
			if err != nil {
				return nil, nil, nil, errors.New("the hash key must be hex")
			}
			key = k
		} else if c.db != "memory" {
			return nil, nil, nil, errors.New("-validator local with a shared -db needs the server's hash key (-hash-key or OAUTHKIT_HASH_KEY)")
		} else {
			_, _ = rand.Read(key) // a fresh store: any key works
		}
		// The server's key, as its flows.Config.Hasher holds it.
		hasher, err := credentials.NewHasher(key)
		if err != nil {
			return nil, nil, nil, err
		}
		var st store.Storage
		if c.db == "memory" {
			ms := memstore.New()
			toks, err := seed(ctx, ms, key)
			if err != nil {
				return nil, nil, nil, err
			}
			st, demo = ms, toks
		} else {
			// The authorization server's own database (sqlite:PATH or postgres://…): the
			// server's tokens validate here directly.
			ss, err := openDB(ctx, c.db)
			if err != nil {
				return nil, nil, nil, err
			}
			closers = append(closers, func() { _ = ss.Close() })
			st = ss
		}
		l, err := middleware.NewLocal(st, hasher, middleware.LocalOptions{Accounts: st, Catalog: api.Catalog()})
		if err != nil {
			for _, c := range closers {
				c()
			}
			return nil, nil, nil, err
		}
		v = l
		pub, _ = st.(store.RevocationPublisher)
	case "introspect":
		if c.secret == "" {
			return nil, nil, nil, errors.New("-validator introspect needs -client-secret or OAUTHKIT_RESOURCE_CLIENT_SECRET")
		}
		in, err := middleware.NewIntrospection(c.introspectURL, middleware.IntrospectionOptions{
			ClientID: c.clientID, ClientSecret: c.secret, Timeout: 3 * time.Second,
		})
		if err != nil {
			return nil, nil, nil, err
		}
		v = in
	case "jwt":
		j, err := middleware.NewJWT(middleware.JWTOptions{Issuer: c.issuer, Audience: c.audience, JWKSURL: c.jwksURL})
		if err != nil {
			return nil, nil, nil, err
		}
		v = j
	default:
		return nil, nil, nil, fmt.Errorf("-validator must be local, introspect or jwt, not %q", c.validator)
	}
	cache := middleware.Cached(v, middleware.CacheOptions{MaxAge: c.cacheMaxAge})
	if pub != nil {
		cache.SubscribeTo(pub)
	}
	authn := middleware.Authenticate(cache, middleware.Options{
		Realm: "oauthkit-demo-api",
		Kinds: []store.TokenKind{store.KindAccess, store.KindPersonal, store.KindCustomer},
	})
	return api.New(authn, api.Catalog()), demo, func() {
		_ = cache.Close()
		for _, c := range closers {
			c()
		}
	}, nil
}

// run starts the API and serves until ctx ends or a signal arrives. -h and -help print the
// usage and return nil, so that asking for help is not a failure.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, demo, cleanup, err := newHandler(ctx, c)
	if err != nil {
		return err
	}
	defer cleanup()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "resource API on %s (validator: %s)\n", base, c.validator)
	for _, d := range demo {
		fmt.Fprintf(stdout, "  %s:\n    curl -H '%s' %s\n", d.what, d.header, base+pathFor(d.what))
	}
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func pathFor(what string) string {
	if strings.Contains(what, "customer") {
		return "/v3/customer/me"
	}
	return "/v3/agent/chats"
}
