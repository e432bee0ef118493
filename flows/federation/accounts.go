package federation

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/oauthkit/oauthkit/store"
	"github.com/oauthkit/oauthkit/store/credentials"
)

// upstreamPerson is what sign-in takes from the upstream's claims.
type upstreamPerson struct {
	sub, email string
	// vouched: the upstream asserted email_verified true (or sent no email_verified and
	// Federation.AllowMissingEmailVerified is set). Only then may the email create an
	// account, link one, or become a bound account's new login; unvouched says why not.
	vouched   bool
	unvouched string
	org       string
	roles     []string
}

// maxUpstreamSubject is the longest sub accepted (OIDC Core §2: at most 255 ASCII
// characters).
const maxUpstreamSubject = 255

// person reads the configured claims. It decides only what the claims alone decide: an
// email is required (without it the upstream is not releasing it: a configuration
// matter), and the subject must be one that can be stored.
func (u *Upstream) person(claims map[string]any) (upstreamPerson, *fedError) {
	p := upstreamPerson{sub: stringClaim(claims["sub"])}
	if p.sub == "" || len(p.sub) > maxUpstreamSubject || strings.ContainsFunc(p.sub, unicode.IsControl) {
		return p, fedFail(fedConfig, "the upstream sub %q is empty, longer than %d bytes or has control characters", trimmed(p.sub, 300), maxUpstreamSubject)
	}
	v, _ := claimValue(claims, u.cfg.EmailClaim)
	p.email = strings.ToLower(strings.TrimSpace(stringClaim(v)))
	if p.email == "" || len(p.email) > 320 || !strings.Contains(p.email, "@") || strings.ContainsFunc(p.email, unicode.IsControl) {
		return p, fedFail(fedConfig, "the upstream sent no usable %q claim (is the email scope requested?)", u.cfg.EmailClaim)
	}
	verified, ok := claims["email_verified"].(bool)
	if s, isString := claims["email_verified"].(string); isString {
		// Some providers (Amazon Cognito, for one) send the boolean as a string.
		verified, ok = s == "true", s == "true" || s == "false"
	}
	switch {
	case ok && verified:
		p.vouched = true
	case ok:
		p.unvouched = "the upstream email " + p.email + " of sub " + p.sub + " is not verified"
	case u.cfg.AllowMissingEmailVerified:
		p.vouched = true
	default:
		p.unvouched = "the upstream did not assert email_verified for " + p.email + " (sub " + p.sub +
			"); federation.Config.AllowMissingEmailVerified accepts that"
	}
	v, _ = claimValue(claims, u.cfg.OrganizationClaim)
	if arr, ok := v.([]any); ok && len(arr) == 1 {
		v = arr[0]
	}
	p.org = stringClaim(v)
	v, _ = claimValue(claims, u.cfg.RolesClaim)
	p.roles = rolesClaim(v)
	return p, nil
}

// localAccess maps the person's upstream organization and roles: the local organization,
// and the local roles (the upstream sign-in roles held, plus the administrator role).
func (u *Upstream) localAccess(p upstreamPerson, adminRole string) (org string, roles []string, fe *fedError) {
	if p.org == "" {
		return "", nil, fedFail(fedNotAuthorised, "the upstream sent no %q claim for %s", u.cfg.OrganizationClaim, p.email)
	}
	org, ok := u.cfg.Organizations[p.org]
	if !ok {
		return "", nil, &fedError{outcome: fedOrgNotFound, org: p.org,
			err: errors.New("upstream organization " + strconv.Quote(p.org) + " of " + p.email + " is not mapped")}
	}
	admin := false
	for _, r := range p.roles {
		if u.signIn[r] && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
		admin = admin || u.admin[r]
	}
	if admin && !slices.Contains(roles, adminRole) {
		roles = append(roles, adminRole)
	}
	if len(roles) == 0 {
		return "", nil, fedFail(fedNotAuthorised, "upstream roles %q of %s include none that may sign in", p.roles, p.email)
	}
	return org, roles, nil
}

// federatedAccount returns the local account for p: the account bound to p's upstream
// identity (issuer, sub), updated; else, when p's email is vouched for, the account whose
// login is p's email, bound to p and updated (password sign-in disabled), or a
// new one (just-in-time provisioning). An account of another organization, or bound to
// another upstream identity, is refused.
func (u *Upstream) federatedAccount(ctx context.Context, b *server, p upstreamPerson) (store.Account, *fedError) {
	org, roles, fe := u.localAccess(p, b.cfg.Policy.AdminRole)
	if fe != nil {
		return store.Account{}, fe
	}
	switch _, err := u.cfg.Storage.Organization(ctx, org); {
	case errors.Is(err, store.ErrNotFound):
		return store.Account{}, fedFail(fedConfig, "federation.Config.Organizations maps %q to the local organization %q, which does not exist", p.org, org)
	case err != nil:
		return store.Account{}, &fedError{outcome: fedServerError, err: err}
	}
	issuer := u.cfg.Issuer
	for attempt := 0; ; attempt++ {
		retry := attempt == 0
		acct, err := u.cfg.Storage.AccountBySubject(ctx, issuer, p.sub)
		switch {
		case err == nil:
			return u.updateBoundAccount(ctx, b, acct, p, org, roles)
		case !errors.Is(err, store.ErrNotFound):
			return store.Account{}, &fedError{outcome: fedServerError, err: err}
		}
		if !p.vouched {
			// The email is the only link between this upstream person and a local
			// account: without the upstream vouching for it, anyone who can set that email
			// upstream would take the account over, or take the login from its owner.
			fe := fedFail(fedNotAuthorised, "%s", p.unvouched)
			fe.hint = "Your email address at " + u.cfg.Name + " is not verified. Verify it there, then sign in again."
			return store.Account{}, fe
		}
		acct, err = u.cfg.Storage.AccountByLogin(ctx, p.email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			acct = store.Account{
				ID: credentials.NewID(), Login: p.email, OrganizationID: org, Roles: roles,
				PasswordLoginDisabled: true, UpstreamIssuer: issuer, UpstreamSubject: p.sub,
				CreatedAt: b.cfg.Now(),
			}
			err = u.cfg.Storage.PutAccount(ctx, acct)
			if errors.Is(err, store.ErrConflict) && retry {
				continue // a concurrent first sign-in created or bound it: use that one
			}
			if err != nil {
				return store.Account{}, &fedError{outcome: fedServerError, err: err}
			}
			b.cfg.Logger.InfoContext(ctx, "oauthkit: federated sign-in created an account",
				"account_id", acct.ID, "organization_id", org, "upstream_sub", p.sub)
			return acct, nil
		case err != nil:
			return store.Account{}, &fedError{outcome: fedServerError, err: err}
		}
		if acct.UpstreamIssuer != "" || acct.UpstreamSubject != "" {
			fe := fedFail(fedNotAuthorised,
				"the email %s of upstream sub %s is the login of account %s, which is bound to another upstream identity (%s, %s)",
				p.email, p.sub, acct.ID, acct.UpstreamIssuer, acct.UpstreamSubject)
			fe.hint = "Your email address already belongs to another account here. Ask your administrator."
			return store.Account{}, fe
		}
		if acct.OrganizationID != org {
			return store.Account{}, fedFail(fedNotAuthorised,
				"account %s (%s) belongs to organization %q, but the upstream maps it to %q",
				acct.ID, acct.Login, acct.OrganizationID, org)
		}
		wasPassword := !acct.PasswordLoginDisabled
		acct.PasswordLoginDisabled, acct.Roles = true, roles
		acct.UpstreamIssuer, acct.UpstreamSubject = issuer, p.sub
		err = u.cfg.Storage.PutAccount(ctx, acct)
		if errors.Is(err, store.ErrConflict) && retry {
			continue // a concurrent sign-in bound this subject elsewhere: find that one
		}
		if err != nil {
			return store.Account{}, &fedError{outcome: fedServerError, err: err}
		}
		msg := "oauthkit: federated sign-in bound an account to its upstream identity"
		if wasPassword {
			msg = "oauthkit: federated sign-in linked a password account; password sign-in is now disabled"
		}
		b.cfg.Logger.InfoContext(ctx, msg, "account_id", acct.ID, "upstream_sub", p.sub)
		return acct, nil
	}
}

// updateBoundAccount signs in the account bound to p's upstream identity: its roles follow
// the upstream's, and its login follows p's email when the email changed, is vouched for,
// and is no other account's login (otherwise the login is kept: the binding, not the
// email, says who this is).
func (u *Upstream) updateBoundAccount(ctx context.Context, b *server, acct store.Account, p upstreamPerson, org string, roles []string) (store.Account, *fedError) {
	if acct.OrganizationID != org {
		return store.Account{}, fedFail(fedNotAuthorised,
			"account %s (%s) belongs to organization %q, but the upstream maps it to %q",
			acct.ID, acct.Login, acct.OrganizationID, org)
	}
	next := acct
	next.PasswordLoginDisabled, next.Roles = true, roles
	if p.email != acct.Login {
		switch _, err := u.cfg.Storage.AccountByLogin(ctx, p.email); {
		case !p.vouched:
			b.cfg.Logger.InfoContext(ctx, "oauthkit: federated sign-in kept the login: the new upstream email is not vouched for",
				"account_id", acct.ID, "upstream_sub", p.sub, "reason", p.unvouched)
		case errors.Is(err, store.ErrNotFound):
			next.Login = p.email
		case err == nil:
			b.cfg.Logger.WarnContext(ctx, "oauthkit: federated sign-in kept the login: the new upstream email is another account's login",
				"account_id", acct.ID, "upstream_sub", p.sub)
		default:
			return store.Account{}, &fedError{outcome: fedServerError, err: err}
		}
	}
	if next.Login == acct.Login && next.PasswordLoginDisabled == acct.PasswordLoginDisabled && slices.Equal(next.Roles, acct.Roles) {
		return acct, nil
	}
	err := u.cfg.Storage.PutAccount(ctx, next)
	if errors.Is(err, store.ErrConflict) && next.Login != acct.Login {
		// Another account took the new login meanwhile: keep the old one.
		next.Login = acct.Login
		err = u.cfg.Storage.PutAccount(ctx, next)
	}
	if err != nil {
		return store.Account{}, &fedError{outcome: fedServerError, err: err}
	}
	if next.Login != acct.Login {
		b.cfg.Logger.InfoContext(ctx, "oauthkit: federated sign-in changed the login to the new upstream email",
			"account_id", acct.ID, "upstream_sub", p.sub)
	}
	return next, nil
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
