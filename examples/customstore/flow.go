package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// tokenRequest does by hand, on the composed storage, what the server does for the app
// that secret authenticates: sign the person in, redeem a code, validate and revoke.
func tokenRequest(ctx context.Context, out io.Writer, parts store.Parts, h *credentials.Hasher, secret string) error {
	now := time.Now()
	a, err := parts.AccountByLogin(ctx, login)
	if err != nil {
		return err
	}
	if ok, err := credentials.VerifyPassword(password, a.PasswordHash); err != nil || !ok {
		return fmt.Errorf("the password of %s does not check out (%v)", login, err)
	}
	fmt.Fprintf(out, "%s signed in: the password checks out against the users table\n", a.Login)

	c, err := parts.Client(ctx, appID)
	if err != nil {
		return err
	}
	if !h.Equal(secret, c.SecretHash) {
		return fmt.Errorf("the secret of %s does not check out", appID)
	}
	fmt.Fprintf(out, "%s authenticated by its secret\n", c.ID)

	// An authorization code for the app, redeemed for a token pair.
	code := credentials.NewSecret("code_")
	family := credentials.NewID()
	if err := parts.CreateCode(ctx, store.AuthorizationCode{Hash: h.Hash(code), ClientID: c.ID, AccountID: a.ID,
		RedirectURI: c.RedirectURIs[0], Scopes: []string{"notes:read"}, FamilyID: family,
		IssuedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		return err
	}
	access, refresh := credentials.NewSecret("at_"), credentials.NewSecret("rt_")
	pair := func() []store.Token {
		at := store.Token{Hash: h.Hash(access), ID: credentials.NewID(), Kind: store.KindAccess, ClientID: c.ID,
			AccountID: a.ID, Scopes: []string{"notes:read"}, FamilyID: family, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
		rt := at
		rt.Hash, rt.ID, rt.Kind, rt.ExpiresAt = h.Hash(refresh), credentials.NewID(), store.KindRefresh, now.Add(30*24*time.Hour)
		at.RefreshID = rt.ID
		return []store.Token{at, rt}
	}
	if err := parts.IssueTokens(ctx, now, store.Issue{Tokens: pair(), ConsumeCode: h.Hash(code)}); err != nil {
		return err
	}
	err = parts.IssueTokens(ctx, now, store.Issue{Tokens: pair(), ConsumeCode: h.Hash(code)})
	if !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("a second redemption of the code: %v, want a conflict", err)
	}
	fmt.Fprintf(out, "code redeemed for an access and a refresh token; redeemed again: %v\n", err)

	tok, err := parts.Token(ctx, h.Hash(access), now)
	if err != nil {
		return err
	}
	owner, err := parts.Account(ctx, tok.AccountID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "access token valid: %s through %s, scopes %v\n", owner.Login, tok.ClientID, tok.Scopes)

	rt, err := parts.Token(ctx, h.Hash(refresh), now)
	if err != nil {
		return err
	}
	if err := parts.RevokeToken(ctx, rt.ID); err != nil {
		return err
	}
	if _, err := parts.Token(ctx, h.Hash(access), now); !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("the access token after revoking its refresh token: %v, want not found", err)
	}
	fmt.Fprintln(out, "refresh token revoked, and the access token paired with it is gone")
	return nil
}
