// Command mcp is a Model Context Protocol server protected by oauthkit, with its
// authorization server in the same program: what an MCP client such as Claude Desktop,
// VS Code or the MCP Inspector expects of a remote server.
//
//	go run ./examples/mcp
//
// The MCP endpoint is http://127.0.0.1:8080/mcp (streamable HTTP, official Go SDK), with
// one tool, notes.search, that searches the signed-in person's notes. Without a token it
// answers 401 with a challenge pointing at its protected resource metadata (RFC 9728),
// which names the authorization server; the client then reads that server's metadata,
// registers itself (dynamic client registration, open on loopback) or presents a client
// ID metadata document, sends the person to sign in and consent (PKCE), and calls the
// tool with the token. Tokens are bound to the endpoint (RFC 8707): the middleware
// refuses a token issued for another resource. Sign in as ann@example.com with the
// password the program prints.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/registration"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/middleware"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store/credentials"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (loopback: registration is open to anyone)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	check(err)
	key := make([]byte, 32)
	rand.Read(key) // a new key each run: keep yours (32+ random bytes) out of the database
	password := rand.Text()
	h, _ := wire(config{Issuer: "http://" + ln.Addr().String(), Key: key, Password: password})
	fmt.Printf("MCP server on http://%s/mcp\nadd it to an MCP client (e.g. npx @modelcontextprotocol/inspector), "+
		"then sign in as ann@example.com / %s\n", ln.Addr(), password)
	log.Fatal(http.Serve(ln, h))
}

// config is what the program varies: the tests give it a clock of their own.
type config struct {
	Issuer   string           // the authorization server; the MCP endpoint is Issuer + "/mcp"
	Key      []byte           // the Hasher's key
	Password string           // ann@example.com's
	Now      func() time.Time // nil means time.Now
}

// wire returns the handler of the whole program: the authorization server at the root,
// the MCP endpoint at /mcp and its metadata at /.well-known/oauth-protected-resource/mcp.
func wire(c config) (http.Handler, *memstore.Store) {
	if c.Now == nil {
		c.Now = time.Now
	}
	resource := c.Issuer + "/mcp"
	ctx, st := context.Background(), memstore.New()
	hasher := must(credentials.NewHasher(c.Key))
	cat := must(scopes.NewCatalog([]scopes.Scope{{Name: "notes:ro", Description: "Search your notes"}}, nil))

	// The authorization server: password sign-in, open registration, client ID metadata
	// documents, loopback redirect URIs on any port (as native MCP clients use), and CORS for
	// browser-based clients.
	passwords := must(signin.New(signin.Config{Storage: st}))
	reg := must(registration.New(registration.Config{Storage: st, Access: registration.Open()}))
	srv := must(flows.New(flows.Config{
		Issuer: c.Issuer, Storage: st, Hasher: hasher, Scopes: cat, Authenticator: passwords, Now: c.Now,
		Registration:              reg,
		ClientIDMetadataDocuments: &flows.ClientIDMetadataDocuments{},
		Policy:                    flows.Policy{LocalhostAnyPort: true},
		CORS:                      flows.CORS{AllowAnyOrigin: true},
	}))
	check(st.PutAccount(ctx, must(srv.NewAccount(flows.AccountSpec{Login: "ann@example.com", Password: c.Password}))))

	// The resource server: tokens for this endpoint only, challenges that point at the
	// metadata, which points at the authorization server.
	meta := must(middleware.NewMetadataHandler(middleware.ResourceMetadata{
		Resource: resource, AuthorizationServers: []string{c.Issuer}, ScopesSupported: []string{"notes:ro"},
		ResourceName: "oauthkit notes (MCP example)",
	}))
	local := must(middleware.NewLocal(st, hasher, middleware.LocalOptions{Now: c.Now}))
	cache := middleware.Cached(local, middleware.CacheOptions{Now: c.Now})
	cache.SubscribeTo(st) // revocations are seen at once
	authn := middleware.Authenticate(cache, middleware.Options{Resource: resource, ResourceMetadata: meta.URL()})

	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.Handle(meta.Path(), meta)
	mux.Handle("/mcp", authn(middleware.RequireScopes(cat, "notes:ro")(bridge(mcpHandler()))))
	return mux, st
}

// mcpHandler is the MCP server: one tool, over streamable HTTP.
func mcpHandler() http.Handler {
	server := mcp.NewServer(&mcp.Implementation{Name: "oauthkit-notes", Version: "v1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "notes.search", Description: "Search your notes for a word"}, searchNotes)
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
}

// bridge hands the token that package middleware accepted to the MCP SDK, which binds
// each MCP session to the account that opened it and shows the token to tools.
func bridge(h http.Handler) http.Handler {
	return auth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		tok, ok := middleware.TokenFromContext(ctx)
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: tok.AccountID, Scopes: tok.Scopes.Names(), Expiration: tok.ExpiresAt}, nil
	}, nil)(h)
}

type searchIn struct {
	Query string `json:"query" jsonschema:"the word to look for"`
}

type searchOut struct {
	Account string   `json:"account" jsonschema:"whose notes were searched"`
	Notes   []string `json:"notes" jsonschema:"the notes that contain the word"`
}

// notes are everyone's notes, in this example.
var notes = []string{"buy milk", "call the plumber", "milk the cow before the meeting"}

// searchNotes is the tool: the person it acts for comes from the token.
func searchNotes(_ context.Context, req *mcp.CallToolRequest, in searchIn) (*mcp.CallToolResult, searchOut, error) {
	out := searchOut{Account: req.Extra.TokenInfo.UserID, Notes: []string{}}
	for _, n := range notes {
		if strings.Contains(n, strings.ToLower(in.Query)) {
			out.Notes = append(out.Notes, n)
		}
	}
	return nil, out, nil
}

// must and check stop the program on a setup error: setup runs once, at start.
func must[T any](v T, err error) T {
	check(err)
	return v
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
