package main

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Demo identities, as in examples/server's config.json.
const (
	demoOrg     = "org-demo"
	demoAccount = "6f1f7c52-3d7e-4a8e-9d43-1c2b8f0e5a11"
	demoLogin   = "agent@example.com"
	demoClient  = "demo-server-app"
)

// tokenMark is the prefix package flows (with its default TokenPrefix "oak:") gives the
// secret of a token of kind k.
func tokenMark(k store.TokenKind) string {
	switch k {
	case store.KindPersonal:
		return "oak:pat_"
	case store.KindCustomer:
		return "oak:ct_"
	default:
		return "oak:at_"
	}
}

// seed fills memory storage with the demo account and three tokens valid for a day: an
// access token (chats--my:ro), a personal access token (chats--all:rw) and a customer
// token. With -db memory the API has no authorization server to get tokens from, so it
// mints its own, exactly as package flows would store them and with the marks flows gives
// each kind ("oak:at_", "oak:pat_", "oak:ct_"), so that a token reads as what it is.
func seed(ctx context.Context, st store.Storage, hashKey []byte) ([]demoToken, error) {
	h, err := credentials.NewHasher(hashKey)
	if err != nil {
		return nil, err
	}
	if err := st.PutOrganization(ctx, store.Organization{ID: demoOrg, Name: "Demo"}); err != nil {
		return nil, err
	}
	if err := st.PutAccount(ctx, store.Account{ID: demoAccount, Login: demoLogin, OrganizationID: demoOrg, Roles: []string{"agent"}}); err != nil {
		return nil, err
	}
	now := time.Now()
	mk := func(kind store.TokenKind, scopes []string) (string, store.Token) {
		s := credentials.NewSecret(tokenMark(kind))
		t := store.Token{Hash: h.Hash(s), ID: credentials.NewID(), Kind: kind, ClientID: demoClient,
			AccountID: demoAccount, OrganizationID: demoOrg, Scopes: scopes,
			IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		return s, t
	}
	at, atRec := mk(store.KindAccess, []string{"chats--my:ro"})
	pat, patRec := mk(store.KindPersonal, []string{"chats--all:rw"})
	patRec.Name = "demo"
	ct, ctRec := mk(store.KindCustomer, nil)
	ctRec.AccountID, ctRec.CustomerID = "", "customer-demo"
	if err := st.IssueTokens(ctx, now, store.Issue{Tokens: []store.Token{atRec, patRec, ctRec}}); err != nil {
		return nil, err
	}
	basic := base64.StdEncoding.EncodeToString([]byte(demoLogin + ":" + pat))
	return []demoToken{
		{"access token (chats--my:ro)", "Authorization: Bearer " + at},
		{"personal access token as Basic, login as user name (chats--all:rw)", "Authorization: Basic " + basic},
		{"customer token", "Authorization: Bearer " + ct},
	}, nil
}
