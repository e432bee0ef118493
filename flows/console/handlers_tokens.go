package console

import (
	"errors"
	"net/http"

	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

// The pages of personal access tokens: the list with the creation form, and the
// confirmation of a revocation.

// tokenRow is one token of the "console_tokens" list.
type tokenRow struct {
	ID, Name, Created, CreatedISO, Expires, ExpiresISO, RevokeLink string
	Scopes                                                         []scopes.Scope
}

// tokensPageData is what "console_tokens" receives: the tokens, the form's values and,
// after a refused submission, the message of each field (Errors, by field name). Secret,
// with NewName, is set once: on the page that follows the token's creation. AccountID is
// the Basic user name the token goes with.
type tokensPageData struct {
	base
	Tokens           []tokenRow
	Action, Name     string
	Scopes           []scopeOption
	Errors           map[string]string
	Secret, NewName  string
	AccountID, Login string
}

func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Personal access tokens", "tokens")
	if !ok {
		return
	}
	b.Notice = notice(r)
	d := tokensPageData{base: b}
	if f, ok := c.takeFlash(w, r, acct, flashTokenCreated, ""); ok {
		d.Secret, d.NewName = f.Secret, f.ID
		d.Notice = "The token was created."
	}
	c.showTokens(w, r, acct, d, http.StatusOK, nil)
}

// showTokens renders the tokens page with d's messages and form values.
func (c *Console) showTokens(w http.ResponseWriter, r *http.Request, acct store.Account, d tokensPageData, status int, checked []string) {
	list, err := c.PersonalTokens(r.Context(), acct)
	if err != nil {
		c.fail(w, r, d.base, err)
		return
	}
	for _, pt := range list {
		d.Tokens = append(d.Tokens, tokenRow{
			ID: pt.ID, Name: pt.Name, Created: when(pt.CreatedAt), CreatedISO: machineTime(pt.CreatedAt),
			Expires: when(pt.ExpiresAt), ExpiresISO: machineTime(pt.ExpiresAt), Scopes: c.describe(pt.Scopes),
			RevokeLink: c.link("/tokens/" + pathSeg(pt.ID) + "/revoke"),
		})
	}
	d.Action, d.AccountID, d.Login = c.link("/tokens"), acct.ID, acct.Login
	d.Scopes = scopeOptions("pat-scope", c.PersonalTokenScopes(acct), checked)
	c.render(w, r, status, "console_tokens", d)
}

func (c *Console) createTokenPost(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Personal access tokens", "tokens")
	if !ok {
		return
	}
	f, ok := c.readForm(w, r, b)
	if !ok {
		return
	}
	pt, err := c.CreatePersonalToken(r.Context(), acct, f.Get("name"), f["scopes"])
	var invalid *ValidationError
	if errors.As(err, &invalid) {
		b.Error = invalid.Message("")
		c.showTokens(w, r, acct, tokensPageData{base: b, Name: f.Get("name"), Errors: fieldErrors(invalid)},
			http.StatusUnprocessableEntity, f["scopes"])
		return
	}
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	// The flash names the token by its name: the page shows which one the secret is of.
	c.setFlash(w, acct, flashTokenCreated, pt.Name, pt.Token)
	c.seeOther(w, r, "/tokens")
}

func (c *Console) revokeTokenConfirm(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Revoke the token", "tokens")
	if !ok {
		return
	}
	pt, err := c.personalToken(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	b.Title = "Revoke the token " + pt.Name + "?"
	c.render(w, r, http.StatusOK, "console_confirm", confirmPageData{
		base:         b,
		Consequences: []string{"Whatever uses it stops working at once. This cannot be undone."},
		Action:       c.link("/tokens/" + pathSeg(pt.ID) + "/revoke"), Button: "Revoke the token", Cancel: c.link("/tokens"),
	})
}

func (c *Console) revokeTokenPost(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Revoke the token", "tokens")
	if !ok {
		return
	}
	if _, ok := c.readForm(w, r, b); !ok {
		return
	}
	if err := c.RevokePersonalToken(r.Context(), acct, r.PathValue("id")); err != nil {
		c.fail(w, r, b, err)
		return
	}
	c.seeOther(w, r, "/tokens?notice=revoked")
}
