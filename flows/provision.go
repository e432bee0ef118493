package flows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// Limits on provisioned names, so that every record can be typed in and looked up.
const (
	maxIDLen    = 255
	maxLoginLen = 320  // what the password sign-in accepts
	maxPassword = 1024 // what the password sign-in accepts, in bytes
)

// ClientSpec describes a client for [Server.NewClient].
type ClientSpec struct {
	// ID is the client_id. Empty means a new random ID.
	ID string
	// Name is the app's name shown on the consent page.
	Name string
	// Public makes a public client (a browser or native app): it gets no secret, must use
	// PKCE, and its refresh tokens rotate. Otherwise the client is confidential.
	Public bool
	// RedirectURIs are the client's registered redirect URIs, each valid for
	// [redirecturi.ValidateRegistered]. A client without any cannot use the authorization
	// endpoint (client_credentials only).
	RedirectURIs []string
	// Scopes are the scopes the client may request, each declared in the server's scope
	// catalog; [PersonalTokensScope] only for a client of Config.Policy.PersonalTokenClients.
	Scopes []string
	// OrganizationID, when set, makes the client private to that organization.
	OrganizationID string
	// AllowImplicit lets the client use response_type=token.
	AllowImplicit bool
	// RequirePKCE makes PKCE mandatory for a confidential client too.
	RequirePKCE bool
}

// NewClient returns the record of a new client described by spec, validated against this
// server's configuration, and, for a confidential client, its secret: 256 random bits
// ([credentials.NewClientSecret]), of which the record holds only the keyed hash under the
// server's key. The secret exists only in this answer: give it to the client's developer
// once. A public client's secret is "". CreatedAt and UpdatedAt are now.
//
// NewClient writes nothing: store the record with the store.ClientWriter of your backend
// (PutClient, which replaces a client with the same ID).
func (s *Server) NewClient(spec ClientSpec) (store.Client, string, error) {
	if spec.ID == "" {
		spec.ID = credentials.NewID()
	}
	if err := checkName("ClientSpec.ID", spec.ID, maxIDLen); err != nil {
		return store.Client{}, "", err
	}
	if checkText("name", spec.Name) != nil {
		return store.Client{}, "", errors.New("flows: ClientSpec.Name must be plain text")
	}
	for i, u := range spec.RedirectURIs {
		if err := redirecturi.ValidateRegistered(u); err != nil {
			return store.Client{}, "", fmt.Errorf("flows: ClientSpec.RedirectURIs[%d]: %w", i, err)
		}
	}
	for _, name := range spec.Scopes {
		if !scopes.ValidName(name) {
			return store.Client{}, "", fmt.Errorf("flows: ClientSpec.Scopes: %q is not a scope name", name)
		}
	}
	want := scopes.New(spec.Scopes...)
	if unknown := s.catalog.Unknown(want); len(unknown) > 0 {
		return store.Client{}, "", fmt.Errorf("flows: ClientSpec.Scopes: the scope catalog does not declare %s", strings.Join(unknown, ","))
	}
	if want.Has(PersonalTokensScope) && !s.personalTokenClient(spec.ID) {
		return store.Client{}, "", fmt.Errorf("flows: ClientSpec.Scopes: only Config.Policy.PersonalTokenClients may hold %s", PersonalTokensScope)
	}
	if spec.OrganizationID != "" {
		if err := checkName("ClientSpec.OrganizationID", spec.OrganizationID, maxIDLen); err != nil {
			return store.Client{}, "", err
		}
	}
	now := s.now()
	c := store.Client{
		ID: spec.ID, Name: spec.Name, Public: spec.Public,
		RedirectURIs: slices.Clone(spec.RedirectURIs), Scopes: want.Names(),
		OrganizationID: spec.OrganizationID, AllowImplicit: spec.AllowImplicit, RequirePKCE: spec.RequirePKCE,
		CreatedAt: now, UpdatedAt: now,
	}
	if spec.Public {
		return c, "", nil
	}
	secret := credentials.NewClientSecret()
	c.SecretHash = s.hasher.Hash(secret)
	return c, secret, nil
}

// AccountSpec describes an account for [Server.NewAccount].
type AccountSpec struct {
	// ID is the account_id. Empty means a new random UUID.
	ID string
	// Login is the sign-in name, normally an email address. It is stored trimmed and
	// lowercased, as the password sign-in looks it up.
	Login string
	// Password is the account's password for the built-in password sign-in. Empty means
	// none: the account signs in some other way (federated, or the application's own
	// sign-in).
	Password string
	// OrganizationID is the organization the account belongs to.
	OrganizationID string
	// Roles the account holds, such as Config.Policy.AdminRole.
	Roles []string
}

// NewAccount returns the record of a new account described by spec: the login trimmed,
// lowercased and checked (plain text, at most 320 bytes), the password hashed with
// [credentials.HashPassword] (argon2id: call it when an account is provisioned, never per
// request), the roles copied, CreatedAt now.
//
// NewAccount writes nothing: store the record with the store.AccountWriter of your backend
// (PutAccount, which refuses a login already taken with store.ErrConflict).
func (s *Server) NewAccount(spec AccountSpec) (store.Account, error) {
	if spec.ID == "" {
		spec.ID = credentials.NewID()
	}
	if err := checkName("AccountSpec.ID", spec.ID, maxIDLen); err != nil {
		return store.Account{}, err
	}
	login := strings.TrimSpace(spec.Login)
	if err := checkName("AccountSpec.Login", login, maxLoginLen); err != nil {
		return store.Account{}, err
	}
	if spec.OrganizationID != "" {
		if err := checkName("AccountSpec.OrganizationID", spec.OrganizationID, maxIDLen); err != nil {
			return store.Account{}, err
		}
	}
	for _, r := range spec.Roles {
		if err := checkName("AccountSpec.Roles", r, maxIDLen); err != nil {
			return store.Account{}, err
		}
	}
	a := store.Account{
		ID: spec.ID, Login: strings.ToLower(login), OrganizationID: spec.OrganizationID,
		Roles: slices.Clone(spec.Roles), CreatedAt: s.now(),
	}
	if spec.Password != "" {
		if len(spec.Password) > maxPassword {
			return store.Account{}, fmt.Errorf("flows: AccountSpec.Password is longer than the sign-in accepts (%d bytes)", maxPassword)
		}
		h, err := credentials.HashPassword(spec.Password)
		if err != nil {
			return store.Account{}, err
		}
		a.PasswordHash = h
	}
	return a, nil
}

// checkName refuses an identifier that is empty, longer than max bytes, not plain text, or
// surrounded by spaces.
func checkName(field, v string, max int) error {
	switch {
	case v == "":
		return fmt.Errorf("flows: %s is empty", field)
	case len(v) > max:
		return fmt.Errorf("flows: %s is longer than %d bytes", field, max)
	case checkText(field, v) != nil:
		return fmt.Errorf("flows: %s must be plain text (UTF-8 without control characters)", field)
	case strings.TrimSpace(v) != v:
		return fmt.Errorf("flows: %s must not begin or end with spaces", field)
	}
	return nil
}
