package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/oauthkit/oauthkit/flows/federation"
)

// upstreamFlags are the -upstream-* flags: federated sign-in through an upstream OpenID
// Connect provider (federation.Config). Without -upstream-issuer the server signs in with
// passwords only.
type upstreamFlags struct {
	issuer, name, clientID, clientSecret, scopes string
	orgClaim, rolesClaim, emailClaim             string
	orgMap, signInRoles, adminRoles              string
	allowMissingEmailVerified                    bool
}

// upstreamSecretEnv is read when -upstream-client-secret is not given, so that the secret
// need not appear in the process list.
const upstreamSecretEnv = "OAUTHKIT_UPSTREAM_CLIENT_SECRET"

func (u *upstreamFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&u.issuer, "upstream-issuer", "", "issuer URL of an upstream OpenID Connect provider: /login signs in through it (see the README, federated sign-in)")
	fs.StringVar(&u.name, "upstream-name", "", "the upstream's name on the sign-in page (default: its host)")
	fs.StringVar(&u.clientID, "upstream-client-id", "", "this server's client id at the upstream")
	fs.StringVar(&u.clientSecret, "upstream-client-secret", "", "this server's client secret at the upstream (default $"+upstreamSecretEnv+")")
	fs.StringVar(&u.scopes, "upstream-scopes", "openid,email,profile", "scopes to request from the upstream, comma-separated")
	fs.StringVar(&u.orgClaim, "upstream-org-claim", "org_id", "upstream claim with the person's organization id")
	fs.StringVar(&u.rolesClaim, "upstream-roles-claim", "roles", "upstream claim with the person's roles")
	fs.StringVar(&u.emailClaim, "upstream-email-claim", "email", "upstream claim with the person's email")
	fs.StringVar(&u.orgMap, "upstream-org-map", "", "upstream organization ids mapped to local ones: UPSTREAM=LOCAL,... (e.g. up-org-1=org-demo)")
	fs.StringVar(&u.signInRoles, "upstream-signin-roles", "agent", "upstream roles that may sign in, comma-separated")
	fs.StringVar(&u.adminRoles, "upstream-admin-roles", "", "upstream roles that sign in as administrator, comma-separated")
	fs.BoolVar(&u.allowMissingEmailVerified, "upstream-allow-missing-email-verified", false, "accept an upstream that sends no email_verified claim (some never do): its emails then create and link accounts")
}

// federation returns the configured federation, or nil without -upstream-issuer.
func (u *upstreamFlags) federation() (*federation.Config, error) {
	if u.issuer == "" {
		return nil, nil
	}
	orgs := map[string]string{}
	for _, pair := range commaList(u.orgMap) {
		up, local, ok := strings.Cut(pair, "=")
		up, local = strings.TrimSpace(up), strings.TrimSpace(local)
		if !ok || up == "" || local == "" {
			return nil, fmt.Errorf("-upstream-org-map: %q is not UPSTREAM=LOCAL", pair)
		}
		orgs[up] = local
	}
	if len(orgs) == 0 {
		return nil, errors.New("-upstream-issuer needs -upstream-org-map (UPSTREAM=LOCAL,...)")
	}
	if u.clientID == "" {
		return nil, errors.New("-upstream-issuer needs -upstream-client-id")
	}
	secret := u.clientSecret
	if secret == "" {
		secret = os.Getenv(upstreamSecretEnv)
	}
	return &federation.Config{
		Issuer:                    u.issuer,
		Name:                      u.name,
		ClientID:                  u.clientID,
		ClientSecret:              secret,
		Scopes:                    commaList(u.scopes),
		OrganizationClaim:         u.orgClaim,
		RolesClaim:                u.rolesClaim,
		EmailClaim:                u.emailClaim,
		Organizations:             orgs,
		SignInRoles:               commaList(u.signInRoles),
		AdminRoles:                commaList(u.adminRoles),
		AllowMissingEmailVerified: u.allowMissingEmailVerified,
	}, nil
}

// commaList splits a comma- (or space-) separated flag value, dropping empty items.
func commaList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
