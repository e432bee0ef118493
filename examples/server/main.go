// Command server is a complete oauthkit authorization server with demo data: run it with
// `go run ./examples/server`, open the printed URL, sign in, approve the app, and watch a
// real OAuth client receive tokens.
package main

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

//go:embed config.json
var demoConfig []byte

// demoClientIDs are the apps of the embedded demo config.
var demoClientIDs = []string{"demo-server-app", "demo-web-app", "demo-private-app"}

// personalTokenClients are the apps whose tokens may manage personal access tokens
// (flows.Policy.PersonalTokenClients), for the server and its commands alike.
var personalTokenClients = []string{"demo-server-app"}

const (
	demoRedirect = "http://127.0.0.1:9999/callback"
	demoScopes   = "chats--my:ro chats--all:ro chats--all:rw customers:own personal_tokens:manage"
)

func main() {
	os.Exit(mainExit(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// mainExit runs the command that args name (cli.go), or, when they name none, the
// server until ctx ends or a signal stops it, and returns the exit code.
func mainExit(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return command(ctx, args, stdin, stdout, stderr)
	}
	if err := run(ctx, args, stdin, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h: the flag package printed the usage
		}
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	return 0
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	issuer := fs.String("issuer", "", "issuer URL (default http://ADDR)")
	configPath := fs.String("config", "", "JSON file with organizations, accounts, scopes and clients (default: the embedded demo config.json)")
	db := fs.String("db", defaultDB, "storage: sqlite:PATH (a file, created on first run), sqlite::memory:, postgres://USER@HOST/DB?sslmode=..., or memory")
	demoAddr := fs.String("demo-client", "127.0.0.1:9999", "address of the built-in demo OAuth client; empty disables it")
	errorPage := fs.Bool("error-page-mode", false, "send every authorization error to the error page, never to the client")
	// The library's default is 3 per 30 s, the LiveChat-style limit; the demo allows a person
	// clicking "Start again" a few more times.
	redirectLimit := fs.Int("redirect-limit", 10, "authorization requests one app may send one person per -redirect-window before too_many_redirects (the library's default is 3); 0 disables")
	redirectWindow := fs.Duration("redirect-window", 30*time.Second, "the window of -redirect-limit")
	clientCredentials := fs.Bool("client-credentials", false, "enable the client_credentials grant (off by default)")
	jwtKey := fs.String("jwt-key", "", "issue JWT access tokens signed with the private JWK in this file (created, ES256, if missing)")
	jwtAudience := fs.String("jwt-audience", "", "comma-separated aud of JWT access tokens (default: the issuer)")
	hashPassword := fs.Bool("hash-password", false, "read a password on stdin, print its argon2id hash for config.json, and exit")
	hashSecret := fs.Bool("hash-secret", false, "read a client secret on stdin, print its keyed hash for config.json, and exit")
	newSecret := fs.Bool("new-client-secret", false, "print a new random client secret (256 bits) and its keyed hash for config.json, and exit")
	fs.Usage = func() { serverUsage(fs) } // the flags, and the commands of cli.go
	var upstream upstreamFlags            // -upstream-*: federated sign-in (upstream.go)
	upstream.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}

	if fs.NArg() > 0 {
		// Without this check the server would start and ignore them.
		return fmt.Errorf("unexpected argument %q: a command comes first (go run ./examples/server help)", fs.Arg(0))
	}
	cfg, key, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	// The one Hasher of the server's key: the authorization server, the demo API's local
	// validator and the -hash-secret tools all use it.
	hasher, hasherErr := credentials.NewHasher(key)

	switch {
	case *hashPassword:
		pw, err := readLine(stdin)
		if err != nil {
			return err
		}
		h, err := credentials.HashPassword(pw)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, h)
		return nil
	case *newSecret:
		if hasherErr != nil {
			return hasherErr
		}
		sec := credentials.NewClientSecret()
		fmt.Fprintf(stdout, "secret:      %s\nsecret_hash: %s\n", sec, hasher.Hash(sec))
		return nil
	case *hashSecret:
		sec, err := readLine(stdin)
		if err != nil {
			return err
		}
		if hasherErr != nil {
			return hasherErr
		}
		fmt.Fprintln(stdout, hasher.Hash(sec))
		return nil
	}
	if hasherErr != nil {
		return hasherErr
	}

	upstreamCfg, err := upstream.federation()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if *issuer == "" {
		*issuer = "http://" + ln.Addr().String()
	}
	if *configPath == "" && os.Getenv("OAUTHKIT_HASH_KEY") == "" && !loopbackIssuer(*issuer) {
		// The demo key is public (it is in this repository): anyone could compute the
		// stored hash of any secret. Fine on loopback, not on a network.
		fmt.Fprintf(stdout, "WARNING: %s is not a loopback address, but the server uses the public demo hash_key;\n  set OAUTHKIT_HASH_KEY (hex, 32+ random bytes) and -config with your own data.\n\n", *issuer)
	}
	cat, err := cfg.catalog()
	if err != nil {
		return err
	}
	if err := cfg.check(cat); err != nil {
		return err
	}
	st, closeStorage, err := openStorage(ctx, *db)
	if err != nil {
		return err
	}
	defer closeStorage()
	loaded, err := seedOnce(ctx, cfg, st, cat, time.Now())
	if err != nil {
		return err
	}
	stopHousekeeping := startHousekeeping(ctx, st, housekeepingInterval)
	defer stopHousekeeping() // runs before closeStorage
	var jwt *flows.JWTAccessTokens
	if *jwtKey != "" {
		if jwt, err = jwtConfig(*jwtKey, *jwtAudience); err != nil {
			return err
		}
	}
	// Sign-in: passwords with server-side sessions, and, with -upstream-*, federated
	// sign-in through the upstream provider. An application with its own users and
	// sessions gives flows its own Authenticator instead.
	passwords, err := signin.New(signin.Config{Storage: st, Federation: upstreamCfg})
	if err != nil {
		return err
	}
	srv, err := flows.New(flows.Config{
		Issuer:        *issuer,
		Storage:       st,
		Hasher:        hasher,
		Scopes:        cat,
		Authenticator: passwords,
		Limits: flows.Limits{
			// 0 disables the limit here; flows reads 0 as "the default".
			Redirects:      cmp.Or(*redirectLimit, flows.NoLimit),
			RedirectWindow: *redirectWindow,
		},
		Policy: flows.Policy{
			ErrorPageMode:     *errorPage,
			ClientCredentials: *clientCredentials,
			// The demo's own app is first-party: its tokens, with the scope
			// personal_tokens:manage, may manage the person's personal access tokens
			// through the API, as the developer console does through its pages.
			PersonalTokenClients: personalTokenClients,
		},
		JWT: jwt,
	})
	if err != nil {
		return err
	}
	// The authorization server and its sign-in pages are one handler; the developer
	// console and the demo API sit beside it on the same mux.
	mux := http.NewServeMux()
	mux.Handle("GET /favicon.ico", favicon())
	mux.Handle("/", srv.Handler())
	if err := mountConsole(mux, srv, st); err != nil {
		return err
	}
	stopAPI, err := mountAPI(mux, st, key, cat)
	if err != nil {
		return err
	}
	defer stopAPI()

	as := newHTTPServer(mux, defaultLimits)
	servers := []*http.Server{as}
	go func() { _ = as.Serve(ln) }()

	redirect, demoURL := demoRedirect, ""
	var dln net.Listener
	if *demoAddr != "" {
		if dln, err = net.Listen("tcp", *demoAddr); err != nil {
			fmt.Fprintf(stdout, "demo client not started (%v); choose another -demo-client address\n\n", err)
			dln = nil
		} else {
			redirect = "http://" + dln.Addr().String() + "/callback"
			demoURL = "http://" + dln.Addr().String() + "/"
			defer dln.Close()
		}
	}
	if *configPath == "" && redirect != demoRedirect {
		// The demo apps register http://127.0.0.1:9999/callback. A confidential client's
		// redirect URI must match to the port, so when the demo client listens elsewhere
		// its actual callback is registered too.
		if err := registerDemoRedirect(ctx, st, redirect); err != nil {
			return err
		}
	}
	curl := fmt.Sprintf("curl -s %s/v2/token -u demo-server-app:demo-server-secret \\\n  -d grant_type=authorization_code -d redirect_uri=%s", *issuer, redirect)
	if dln != nil {
		dc := newDemoClient(&oauth2.Config{
			ClientID:     "demo-server-app",
			ClientSecret: "demo-server-secret",
			Endpoint:     oauth2.Endpoint{AuthURL: *issuer + "/", TokenURL: *issuer + "/v2/token", AuthStyle: oauth2.AuthStyleInHeader},
			RedirectURL:  redirect,
			Scopes:       strings.Fields(demoScopes),
		}, curl)
		dc.console = *issuer + consolePath + "/"
		ds := newHTTPServer(dc.routes(), defaultLimits)
		servers = append(servers, ds)
		go func() { _ = ds.Serve(dln) }()
	}
	printWelcome(stdout, *issuer, demoURL, redirect, curl)
	if upstreamCfg != nil {
		base := strings.TrimSuffix(*issuer, "/")
		fmt.Fprintf(stdout, "Sign-in: /login goes to the upstream provider %s (register the callback %s/login/callback there);\n  password sign-in for accounts that never signed in there: %s/old-login\n\n",
			upstreamCfg.Issuer, base, base)
	}
	if loaded {
		fmt.Fprintf(stdout, "Storage: %s (demo data loaded)\n\n", describeDB(*db))
	} else {
		fmt.Fprintf(stdout, "Storage: %s (existing data kept; the config is loaded only into an empty database)\n\n", describeDB(*db))
	}

	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdown)
	}
	return nil
}

// connLimits bound what one connection may hold of the server, so that a client that
// sends its headers or body slowly, or keeps a connection open doing nothing, cannot hold
// it forever.
type connLimits struct {
	// ReadHeader bounds reading a request's headers; Read, reading the whole request,
	// body included.
	ReadHeader, Read time.Duration
	// Write bounds the time from the end of the headers to the end of the response (so it
	// covers the body and the handler too, and must exceed Read).
	Write time.Duration
	// Idle is how long a keep-alive connection may wait for its next request.
	Idle time.Duration
	// MaxHeaderBytes bounds the request line and headers (net/http adds 4 KiB of slack).
	MaxHeaderBytes int
}

// defaultLimits are the limits of the servers that run starts. Request bodies of this
// server are small forms and JSON (at most 64 KiB), and the slowest handler is a password
// sign-in (argon2, which may wait for a free slot), so 30 s to send a request and 60 s to
// answer it leave every real client a wide margin.
var defaultLimits = connLimits{
	ReadHeader:     10 * time.Second,
	Read:           30 * time.Second,
	Write:          60 * time.Second,
	Idle:           2 * time.Minute,
	MaxHeaderBytes: 64 << 10,
}

// newHTTPServer returns a server for h with the limits l.
func newHTTPServer(h http.Handler, l connLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// registerDemoRedirect adds redirect to the redirect URIs of every stored demo app that
// registers the default demo callback.
func registerDemoRedirect(ctx context.Context, st interface {
	store.Clients
	store.ClientWriter
}, redirect string) error {
	for _, id := range demoClientIDs {
		c, err := st.Client(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !slices.Contains(c.RedirectURIs, demoRedirect) || slices.Contains(c.RedirectURIs, redirect) {
			continue
		}
		c.RedirectURIs = append(c.RedirectURIs, redirect)
		c.UpdatedAt = time.Now()
		if err := st.PutClient(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func printWelcome(w io.Writer, issuer, demoURL, redirect, curl string) {
	authURL := issuer + "/?" + url.Values{
		"response_type": {"code"},
		"client_id":     {"demo-server-app"},
		"redirect_uri":  {redirect},
		"scope":         {demoScopes},
		"state":         {"demo-state"},
	}.Encode()
	fmt.Fprintf(w, "oauthkit authorization server listening on %s\n\n", issuer)
	fmt.Fprintf(w, "Demo accounts (organization org-demo):\n  agent@example.com / agent-pass-123   (role agent)\n  admin@example.com / admin-pass-123   (role administrator)\n\n")
	if demoURL != "" {
		fmt.Fprintf(w, "Open the demo app and sign in:\n  %s\n\n", demoURL)
	}
	fmt.Fprintf(w, "Or start an authorization request by hand:\n  %s\n", authURL)
	fmt.Fprintf(w, "and exchange the code it returns:\n  %s \\\n  -d code=CODE\n\n", curl)
	fmt.Fprintf(w, "Then call the demo API with the access token:\n  curl -s %s/v3/agent/chats -H \"Authorization: Bearer ACCESS_TOKEN\"\n\n", issuer)
	fmt.Fprintf(w, "Register apps and make personal access tokens in the developer console:\n  %s%s/\n\n", issuer, consolePath)
}

func readLine(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", errors.New("nothing on stdin")
	}
	return s, nil
}

// loopbackIssuer reports whether the issuer's host is a loopback address or localhost.
func loopbackIssuer(issuer string) bool {
	u, err := url.Parse(issuer)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
