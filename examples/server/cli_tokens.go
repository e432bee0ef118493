package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/scopes"
)

// tokens create-pat: a personal access token, made through the developer console's
// method, so within the account's rights as on the console's page.

// patJSON is a personal access token in the command's JSON.
type patJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	AccountID string    `json:"account_id"` // the HTTP Basic user name the token goes with
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Token     string    `json:"token"`
}

func (c *cli) tokensCreatePAT(args []string) error {
	fs := c.flags()
	sf := storageFlags(fs)
	as := fs.String("as", "", "the account the token acts for: its login (email) or ID (required)")
	name := fs.String("name", "", "the token's name, to tell it apart in the console (required)")
	scopeList := fs.String("scopes", "", "the token's scopes, separated by commas or spaces, within the account's rights; fixed for its life (at least one)")
	asJSON := fs.Bool("json", false, "print the token as JSON")
	if _, err := c.parse(fs, args, 0); err != nil {
		return err
	}
	if *as == "" {
		return usagef("-as is required: the login or ID of the account the token acts for")
	}
	want, err := scopes.Parse(*scopeList)
	if err != nil {
		return usagef("-scopes: %v", err)
	}
	op, err := c.operator(sf, 0)
	if err != nil {
		return err
	}
	defer op.close()
	acct, err := c.account(op, *as)
	if err != nil {
		return err
	}
	pt, err := op.con.CreatePersonalToken(c.ctx, acct, *name, want.Names())
	if err != nil {
		return c.consoleError(err, op, acct, "")
	}
	if *asJSON {
		return c.printJSON(patJSON{ID: pt.ID, Name: pt.Name, Scopes: pt.Scopes, AccountID: acct.ID,
			CreatedAt: pt.CreatedAt, ExpiresAt: pt.ExpiresAt, Token: pt.Token})
	}
	fmt.Fprintf(c.stdout, "id:    %s\ntoken: %s\n", pt.ID, pt.Token)
	c.note("Made the personal access token %q of %s, with the scopes %s, until %s.", pt.Name, acct.Login,
		strings.Join(pt.Scopes, ", "), pt.ExpiresAt.UTC().Format(time.RFC3339))
	c.note("Send it with HTTP Basic: user name %s, password the token. Keep it now: it is shown only this once.", acct.ID)
	return nil
}
