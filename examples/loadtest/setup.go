package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// bareBody is the baseline's answer: 60 bytes of JSON, the size of a small API answer.
const bareBody = `{"ok":true,"service":"loadtest","note":"the bare baseline."}`

// target is what the jobs drive: a bare server and an oauthkit server on loopback.
type target struct {
	jobs     []job // in the order of jobNames
	servers  []*http.Server
	serveErr chan error // Serve's errors other than ErrServerClosed
	closers  []func() error
}

// newTarget starts both servers and provisions three confidential clients: the token job's
// (load-minter), a resource server's that introspects (load-api), and an app's whose token
// the protected and introspect jobs present (load-app). The app's token is minted by a
// client of its own so that the token job never retires it under the per-client token
// limit (flows.Limits.Tokens, on with its default, as every limit is).
func newTarget(ctx context.Context, st store.Storage) (t *target, err error) {
	t = &target{serveErr: make(chan error, 2)}
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	mux := http.NewServeMux()
	issuer, err := t.listen(mux) // the routes follow, before the first request
	if err != nil {
		return t, err
	}
	bare, err := t.listen(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(bareBody))
	}))
	if err != nil {
		return t, err
	}
	key := make([]byte, credentials.MinKeyLen)
	rand.Read(key)
	hasher, err := credentials.NewHasher(key)
	if err != nil {
		return t, err
	}
	cat, err := scopes.NewCatalog([]scopes.Scope{{Name: "load:ro", Description: "Read the load test's data"}}, nil)
	if err != nil {
		return t, err
	}
	passwords, err := signin.New(signin.Config{Storage: st})
	if err != nil {
		return t, err
	}
	srv, err := flows.New(flows.Config{Issuer: issuer, Storage: st, Hasher: hasher, Scopes: cat,
		Authenticator: passwords, Policy: flows.Policy{ClientCredentials: true}})
	if err != nil {
		return t, err
	}
	local, err := middleware.NewLocal(st, hasher, middleware.LocalOptions{})
	if err != nil {
		return t, err
	}
	cache := middleware.Cached(local, middleware.CacheOptions{})
	if pub, ok := st.(store.RevocationPublisher); ok {
		cache.SubscribeTo(pub) // as an API in the server's process does: revocations are seen at once
	}
	t.closers = append(t.closers, cache.Close)
	authn := middleware.Authenticate(cache, middleware.Options{Kinds: []store.TokenKind{middleware.KindClient}})
	mux.Handle("/", srv.Handler())
	mux.Handle("GET /api/ping", authn(middleware.ClientOnly(middleware.RequireScopes(cat, "load:ro")(http.HandlerFunc(ping)))))

	auth := map[string]string{}
	for _, id := range []string{"load-minter", "load-api", "load-app"} {
		c, secret, err := srv.NewClient(flows.ClientSpec{ID: id, Name: id, Scopes: []string{"load:ro"}})
		if err != nil {
			return t, err
		}
		if err := st.PutClient(ctx, c); err != nil {
			return t, err
		}
		auth[id] = basicAuth(id, secret)
	}
	meta := srv.Metadata()
	token, err := mint(ctx, tokenJob(meta.TokenEndpoint, auth["load-app"]))
	if err != nil {
		return t, err
	}
	t.jobs = []job{
		{name: "bare", method: http.MethodGet, url: bare},
		tokenJob(meta.TokenEndpoint, auth["load-minter"]),
		{name: "protected", method: http.MethodGet, url: issuer + "/api/ping",
			header: http.Header{"Authorization": {"Bearer " + token}}},
		{name: "introspect", method: http.MethodPost, url: meta.IntrospectionEndpoint,
			body:   "token=" + url.QueryEscape(token) + "&token_type_hint=access_token",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {auth["load-api"]}},
			want:   `"active":true`},
	}
	return t, nil
}

// tokenJob asks the token endpoint for a client_credentials token, as the client whose
// Authorization header auth is.
func tokenJob(endpoint, auth string) job {
	return job{name: "token", method: http.MethodPost, url: endpoint,
		body:   "grant_type=client_credentials&scope=load%3Aro",
		header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {auth}},
		want:   `"access_token"`}
}

// mint sends j, a tokenJob, once and returns the access token.
func mint(ctx context.Context, j job) (string, error) {
	var w worker
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := w.send(ctx, http.DefaultClient, j, 0); err != nil {
		return "", fmt.Errorf("minting a token: %w", err)
	}
	if err := json.Unmarshal(w.buf.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("minting a token: no access token in %s", excerpt(w.buf.Bytes()))
	}
	return tok.AccessToken, nil
}

// basicAuth is client_secret_basic (RFC 6749 §2.3.1): id and secret form-encoded, then
// HTTP Basic.
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// ping is the protected route: it answers who called, from the token.
func ping(w http.ResponseWriter, r *http.Request) {
	tok, _ := middleware.TokenFromContext(r.Context())
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":true,"client_id":%q}`, tok.ClientID)
}

// listen serves h on a new loopback listener and returns its URL.
func (t *target) listen(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	t.serve(ln, h)
	return "http://" + ln.Addr().String(), nil
}

// serve serves h on ln, with the timeouts a real server sets, until close.
func (t *target) serve(ln net.Listener, h http.Handler) {
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	t.servers = append(t.servers, s)
	go func() {
		if err := s.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.serveErr <- err
		}
	}()
}

// failed returns the error of a server that stopped serving, if one did.
func (t *target) failed() error {
	select {
	case err := <-t.serveErr:
		return fmt.Errorf("a server stopped: %w", err)
	default:
		return nil
	}
}

// close shuts the servers down, then closes what they used.
func (t *target) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, s := range t.servers {
		errs = append(errs, s.Shutdown(ctx))
	}
	for _, c := range t.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}
