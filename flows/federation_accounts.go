package flows

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthkit/oauthkit/internal/secrets"
	"github.com/oauthkit/oauthkit/store"
)

// upstreamPerson is what sign-in takes from the upstream's claims.
type upstreamPerson struct {
	sub, email string
	// verified: the upstream asserted email_verified true. Only then may the person be
	// matched to an existing local account by email.
	verified bool
	org      string
	roles    []string
}

// person reads the configured claims. It decides only what the claims alone decide: an
// email is required (without it the upstream is not releasing it: a configuration
// matter), and must not be unverified.
func (f *federator) person(claims map[string]any) (upstreamPerson, *fedError) {
	p := upstreamPerson{sub: stringClaim(claims["sub"])}
	v, _ := claimValue(claims, f.cfg.EmailClaim)
	p.email = strings.ToLower(strings.TrimSpace(stringClaim(v)))
	if p.email == "" || len(p.email) > 320 || !strings.Contains(p.email, "@") {
		return p, fedFail(fedConfig, "the upstream sent no usable %q claim (is the email scope requested?)", f.cfg.EmailClaim)
	}
	verified, ok := claims["email_verified"].(bool)
	p.verified = ok && verified
	switch {
	case ok && !verified:
		return p, fedFail(fedNotAuthorised, "the upstream email %s of sub %s is not verified", p.email, p.sub)
	case !ok && f.cfg.RequireVerifiedEmail:
		return p, fedFail(fedNotAuthorised, "the upstream sent no email_verified claim for %s and RequireVerifiedEmail is set", p.email)
	}
	v, _ = claimValue(claims, f.cfg.OrganizationClaim)
	if arr, ok := v.([]any); ok && len(arr) == 1 {
		v = arr[0]
	}
	p.org = stringClaim(v)
	v, _ = claimValue(claims, f.cfg.RolesClaim)
	p.roles = rolesClaim(v)
	return p, nil
}

// localAccess maps the person's upstream organization and roles: the local organization,
// and the local roles (the upstream sign-in roles held, plus the administrator role).
func (f *federator) localAccess(p upstreamPerson, adminRole string) (org string, roles []string, fe *fedError) {
	if p.org == "" {
		return "", nil, fedFail(fedNotAuthorised, "the upstream sent no %q claim for %s", f.cfg.OrganizationClaim, p.email)
	}
	org, ok := f.cfg.Organizations[p.org]
	if !ok {
		return "", nil, &fedError{outcome: fedOrgNotFound, org: p.org,
			err: errors.New("upstream organization " + strconv.Quote(p.org) + " of " + p.email + " is not mapped")}
	}
	admin := false
	for _, r := range p.roles {
		if f.signIn[r] && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
		admin = admin || f.admin[r]
	}
	if admin && !slices.Contains(roles, adminRole) {
		roles = append(roles, adminRole)
	}
	if len(roles) == 0 {
		return "", nil, fedFail(fedNotAuthorised, "upstream roles %q of %s include none that may sign in", p.roles, p.email)
	}
	return org, roles, nil
}

// federatedAccount returns the local account for p: the account whose login is p's email,
// updated (roles, password sign-in disabled: R-LOGIN-3), or a new one (just-in-time
// provisioning). An existing account of another organization is refused.
func (s *Server) federatedAccount(ctx context.Context, p upstreamPerson) (store.Account, *fedError) {
	org, roles, fe := s.fed.localAccess(p, s.cfg.AdminRole)
	if fe != nil {
		return store.Account{}, fe
	}
	switch _, err := s.store.Organization(ctx, org); {
	case errors.Is(err, store.ErrNotFound):
		return store.Account{}, fedFail(fedConfig, "Federation.Organizations maps %q to the local organization %q, which does not exist", p.org, org)
	case err != nil:
		return store.Account{}, &fedError{outcome: fedServerError, err: err}
	}
	for attempt := 0; ; attempt++ {
		acct, err := s.store.AccountByLogin(ctx, p.email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			acct = store.Account{
				ID: secrets.ID(), Login: p.email, OrganizationID: org, Roles: roles,
				PasswordLoginDisabled: true, CreatedAt: s.now(),
			}
			err = s.store.PutAccount(ctx, acct)
			if errors.Is(err, store.ErrConflict) && attempt == 0 {
				continue // a concurrent first sign-in created it: link to that one
			}
			if err != nil {
				return store.Account{}, &fedError{outcome: fedServerError, err: err}
			}
			s.log.InfoContext(ctx, "oauthkit: federated sign-in created an account",
				"account_id", acct.ID, "organization_id", org, "upstream_sub", p.sub)
			return acct, nil
		case err != nil:
			return store.Account{}, &fedError{outcome: fedServerError, err: err}
		}
		if !p.verified {
			// The email is the only link between the upstream person and this account:
			// without the upstream vouching for it, anyone who can set that email upstream
			// would take the account over.
			return store.Account{}, fedFail(fedNotAuthorised,
				"the upstream did not assert email_verified for %s, which matches the existing account %s", p.email, acct.ID)
		}
		if acct.OrganizationID != org {
			return store.Account{}, fedFail(fedNotAuthorised,
				"account %s (%s) belongs to organization %q, but the upstream maps it to %q",
				acct.ID, acct.Login, acct.OrganizationID, org)
		}
		if !acct.PasswordLoginDisabled || !slices.Equal(acct.Roles, roles) {
			if !acct.PasswordLoginDisabled {
				s.log.InfoContext(ctx, "oauthkit: federated sign-in linked a password account; password sign-in is now disabled",
					"account_id", acct.ID, "upstream_sub", p.sub)
			}
			acct.PasswordLoginDisabled, acct.Roles = true, roles
			if err := s.store.PutAccount(ctx, acct); err != nil {
				return store.Account{}, &fedError{outcome: fedServerError, err: err}
			}
		}
		return acct, nil
	}
}

// claimValue looks name up in claims: as a top-level claim, else as a dotted path into
// nested objects.
func claimValue(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	if !strings.Contains(name, ".") {
		return nil, false
	}
	var cur any = claims
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// stringClaim returns a string or number claim as a string, anything else as "".
func stringClaim(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// rolesClaim reads roles: an array of strings, or one string of roles separated by spaces
// or commas.
func rolesClaim(v any) []string {
	var roles []string
	switch x := v.(type) {
	case []any:
		for _, r := range x {
			if s := stringClaim(r); s != "" {
				roles = append(roles, s)
			}
		}
	case string:
		roles = strings.FieldsFunc(x, func(r rune) bool { return r == ' ' || r == ',' })
	}
	return roles
}
