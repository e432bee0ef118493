package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/oauthkit/oauthkit/flows"
	"github.com/oauthkit/oauthkit/flows/signin"
	"github.com/oauthkit/oauthkit/memstore"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// RFC 8693 token exchange: the grant type and the one token type this grant handles.
const (
	tokenExchangeGrantType = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessTokenType        = "urn:ietf:params:oauth:token-type:access_token"
)

// tokenExchange is a minimal RFC 8693 token exchange grant, written outside package flows:
// a confidential client (a backend that received a person's access token) trades that
// access token, the subject token, for one issued to itself, acting for the same account
// with the same or fewer scopes. The new token belongs to the subject token's grant, so
// revoking that grant revokes it too, and it never outlives the subject token.
type tokenExchange struct{ srv *flows.Server }

func (tokenExchange) GrantType() string { return tokenExchangeGrantType }

func (g tokenExchange) Exchange(ctx context.Context, req *flows.TokenRequest) (*flows.TokenResponse, error) {
	p := req.Params
	switch {
	case req.Client.Public:
		return nil, flows.UnauthorizedClient("only a confidential client may exchange tokens")
	case p["subject_token"] == "":
		return nil, flows.InvalidRequest("subject_token is missing")
	case p["subject_token_type"] != accessTokenType:
		return nil, flows.InvalidRequest("subject_token_type must be %s", accessTokenType)
	case p["requested_token_type"] != "" && p["requested_token_type"] != accessTokenType:
		return nil, flows.InvalidRequest("requested_token_type must be %s", accessTokenType)
	case p["actor_token"] != "":
		return nil, flows.InvalidRequest("delegation with an actor_token is not supported")
	case len(req.Resources) > 0 || p["audience"] != "":
		return nil, flows.NewError(flows.ErrInvalidTarget, http.StatusBadRequest, "tokens are issued for this server's resources only")
	}
	subject, err := g.srv.LookupToken(ctx, p["subject_token"], store.KindAccess)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, flows.InvalidGrant("the subject token is invalid, expired or revoked")
	case err != nil:
		return nil, flows.TemporarilyUnavailable(err)
	case subject.AccountID == "":
		return nil, flows.InvalidGrant("the subject token acts for no account")
	}
	held := scopes.New(subject.Scopes...)
	want, asked, err := req.RequestedScopes()
	switch {
	case err != nil:
		return nil, err
	case !asked:
		want = held
	case !want.IsSubsetOf(held):
		return nil, flows.InvalidScope("the subject token does not hold %s", want.Minus(held).String())
	}
	// Issue applies the rules every grant shares: the client may hold the scopes, the
	// account may still sign in, the token limits.
	resp, err := g.srv.Issue(ctx, flows.IssueRequest{
		Client:    req.Client,
		AccountID: subject.AccountID,
		Scopes:    want,
		Audience:  subject.Audience, // for no more resources than the subject token
		FamilyID:  subject.FamilyID,
		GrantedAt: subject.GrantedAt,
		NotAfter:  subject.ExpiresAt,
		Now:       req.Now,
	})
	if err != nil {
		return nil, err
	}
	resp.IssuedTokenType = accessTokenType
	return resp, nil
}

// A grant type of one's own: RFC 8693 token exchange, registered beside the built-in
// grants.
func ExampleServer_TokenHandler_customGrant() {
	ctx := context.Background()
	catalog, err := scopes.NewCatalog([]scopes.Scope{
		{Name: "chats--my:ro", Description: "Read your chats"},
		{Name: "chats--all:rw", Description: "Read and write every chat"},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	st := memstore.New()
	hasher, err := credentials.NewHasher([]byte(strings.Repeat("k", 32))) // load 32+ random bytes from your secret store
	if err != nil {
		log.Fatal(err)
	}
	passwords, err := signin.New(signin.Config{Storage: st}) // or your own flows.Authenticator
	if err != nil {
		log.Fatal(err)
	}
	srv, err := flows.New(flows.Config{
		Issuer:        "https://auth.example.com",
		Storage:       st,
		Hasher:        hasher,
		Scopes:        catalog,
		Authenticator: passwords,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The backend that exchanges tokens, and the person whose token it was given.
	backend, secret, err := srv.NewClient(flows.ClientSpec{ID: "reports-backend", Scopes: []string{"chats--my:ro", "chats--all:rw"}})
	if err != nil {
		log.Fatal(err)
	}
	ann, err := srv.NewAccount(flows.AccountSpec{Login: "ann@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	if err := st.PutClient(ctx, backend); err != nil {
		log.Fatal(err)
	}
	if err := st.PutAccount(ctx, ann); err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("POST /oauth/token", srv.TokenHandler(srv.AuthorizationCodeGrant(), srv.RefreshTokenGrant(), tokenExchange{srv}))

	// Ann's access token, as her app got it from the code flow.
	subject, err := srv.Issue(ctx, flows.IssueRequest{Client: backend, AccountID: ann.ID, Scopes: scopes.New("chats--my:ro", "chats--all:rw")})
	if err != nil {
		log.Fatal(err)
	}
	form := url.Values{
		"grant_type":         {tokenExchangeGrantType},
		"subject_token":      {subject.AccessToken},
		"subject_token_type": {accessTokenType},
		"scope":              {"chats--my:ro"},
	}
	req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(backend.ID, secret)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)

	var resp flows.TokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Code, resp.Scope, resp.AccountID == ann.ID, resp.IssuedTokenType)
	// Output: 200 chats--my:ro true urn:ietf:params:oauth:token-type:access_token
}
