package signin

import (
	"context"
	"errors"
	"fmt"

	"github.com/oauthkit/oauthkit/internal/password"
)

// Session administration: what an application calls when an administrator signs an account
// out everywhere, or when a person resets their password. Sessions are stored server-side,
// so ending them takes effect on the account's next request in every browser: the
// authorization endpoint sends it to sign in with identity_exception=identity_lost.

// ErrPasswordLoginDisabled is returned by [Authenticator.SetPassword] for an account that
// signs in through the federated provider only: its credentials change there.
var ErrPasswordLoginDisabled = errors.New("signin: password sign-in is disabled for this account")

// ErrInvalidPassword is returned by [Authenticator.SetPassword] for an empty password or
// one longer than 1024 bytes (the longest the sign-in form accepts). Strength rules are the
// application's to enforce before calling.
var ErrInvalidPassword = errors.New("signin: a password must be 1 to 1024 bytes")

// EndSessions ends every session of accountID ("log out everywhere"); with revokeTokens it
// also revokes every token of the account: access, refresh and personal tokens, and the
// customer tokens minted with any of them.
// It is idempotent: calling it again after a failure finishes the job.
func (a *Authenticator) EndSessions(ctx context.Context, accountID string, revokeTokens bool) error {
	if accountID == "" {
		return errors.New("signin: EndSessions needs an account id")
	}
	b, err := a.server()
	if err != nil {
		return err
	}
	if err := a.store.DeleteAccountSessions(ctx, accountID); err != nil {
		return fmt.Errorf("signin: ending the sessions of %s: %w", accountID, err)
	}
	if !revokeTokens {
		return nil
	}
	n, err := b.RevokeAccountTokens(ctx, accountID)
	if err != nil {
		return err
	}
	b.cfg.Logger.InfoContext(ctx, "oauthkit: account signed out everywhere", "account_id", accountID, "tokens_revoked", n)
	return nil
}

// SetPassword sets the password of accountID (a password reset): it stores the argon2id
// hash of newPassword, then ends every session of the account, and revokes its tokens when
// Config.RevokeTokensOnPasswordReset is set. An account migrated to federated sign-in gets
// ErrPasswordLoginDisabled and is left unchanged; an unknown account, store.ErrNotFound.
// If ending the sessions fails after the password changed, the error says so and
// [Authenticator.EndSessions] can finish the job.
func (a *Authenticator) SetPassword(ctx context.Context, accountID, newPassword string) error {
	if newPassword == "" || len(newPassword) > 1024 {
		return ErrInvalidPassword
	}
	if _, err := a.server(); err != nil {
		return err
	}
	acct, err := a.store.Account(ctx, accountID)
	if err != nil {
		return fmt.Errorf("signin: reading account %s: %w", accountID, err)
	}
	if acct.PasswordLoginDisabled {
		return ErrPasswordLoginDisabled
	}
	h, err := password.Hash(newPassword, password.Default)
	if err != nil {
		return err
	}
	acct.PasswordHash = h
	if err := a.store.PutAccount(ctx, acct); err != nil {
		return fmt.Errorf("signin: storing the password of %s: %w", accountID, err)
	}
	if err := a.EndSessions(ctx, accountID, a.cfg.RevokeTokensOnPasswordReset); err != nil {
		return fmt.Errorf("signin: the password of %s changed but its sessions did not end: %w", accountID, err)
	}
	return nil
}
