package console

import (
	"net/http"
	"net/url"

	"github.com/oauthkit/oauthkit/flows/internal/form"
	"github.com/oauthkit/oauthkit/scopes"
)

// The pages of connected apps: the person's own, an administrator's view of the
// organization, and the confirmation of a removal.

// connectionRow is one connected app of a list.
type connectionRow struct {
	AppName, ClientID, Granted, GrantedISO, RemoveLink string
	Scopes                                             []scopes.Scope
	Remembered, Private                                bool
	Tokens                                             int
}

func (c *Console) rows(conns []Connection) []connectionRow {
	out := make([]connectionRow, len(conns))
	for i, cn := range conns {
		out[i] = connectionRow{
			AppName: cn.AppName, ClientID: cn.ClientID, Granted: when(cn.GrantedAt), GrantedISO: machineTime(cn.GrantedAt),
			Scopes: c.describe(cn.Scopes), Remembered: cn.Remembered, Private: cn.Private, Tokens: cn.Tokens,
			RemoveLink: c.link("/accounts/" + pathSeg(cn.AccountID) + "/connected/" + pathSeg(cn.ClientID) + "/remove"),
		}
	}
	return out
}

// connectedPageData is what "console_connected" receives.
type connectedPageData struct {
	base
	Connections []connectionRow
}

func (c *Console) connectedPage(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Connected apps", "connected")
	if !ok {
		return
	}
	conns, err := c.ConnectedApps(r.Context(), acct, acct.ID)
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	b.Notice = notice(r)
	c.render(w, r, http.StatusOK, "console_connected", connectedPageData{base: b, Connections: c.rows(conns)})
}

// organizationAccount is one account of the "console_organization" list.
type organizationAccount struct {
	Login, AccountID string
	Connections      []connectionRow
}

// organizationPageData is what "console_organization" receives. Next, when set, links to
// the next page of accounts; First, when set, back to the first.
type organizationPageData struct {
	base
	Accounts    []organizationAccount
	Next, First string
}

func (c *Console) organizationPage(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Your organization's connected apps", "organization")
	if !ok {
		return
	}
	after := r.URL.Query().Get("after")
	if form.CheckText(after) != nil {
		after = ""
	}
	page, err := c.OrganizationConnections(r.Context(), acct, after)
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	b.Notice = notice(r)
	d := organizationPageData{base: b}
	for _, a := range page.Accounts {
		d.Accounts = append(d.Accounts, organizationAccount{Login: a.Login, AccountID: a.AccountID, Connections: c.rows(a.Connections)})
	}
	if page.Next != "" {
		d.Next = c.link("/organization") + "?" + url.Values{"after": {page.Next}}.Encode()
	}
	if after != "" {
		d.First = c.link("/organization")
	}
	c.render(w, r, http.StatusOK, "console_organization", d)
}

func (c *Console) removeConfirm(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Remove access", "connected")
	if !ok {
		return
	}
	accountID, clientID := r.PathValue("account"), r.PathValue("client")
	conns, err := c.ConnectedApps(r.Context(), acct, accountID)
	if err != nil {
		c.fail(w, r, b, err)
		return
	}
	var found *Connection
	for i := range conns {
		if conns[i].ClientID == clientID {
			found = &conns[i]
		}
	}
	if found == nil {
		c.fail(w, r, b, ErrNotFound)
		return
	}
	cancel, whose := c.link("/connected"), "your account"
	if accountID != acct.ID {
		b.Section = "organization"
		cancel = c.link("/organization")
		if target, err := c.viewable(r.Context(), acct, accountID); err == nil {
			whose = target.Login
		}
	}
	b.Title = "Remove the access of " + found.AppName + " to " + whose + "?"
	consequences := []string{"Every token the app holds for " + whose + " is revoked at once, and the consent is forgotten: the app must ask again before it gets access."}
	if found.Private {
		consequences[0] = "Every token the app holds for " + whose + " is revoked at once."
		consequences = append(consequences, "The app is private to the organization, so it gets access again, without asking, the next time it is used.")
	}
	c.render(w, r, http.StatusOK, "console_confirm", confirmPageData{
		base:         b,
		Consequences: consequences,
		Action:       c.link("/accounts/" + pathSeg(accountID) + "/connected/" + pathSeg(clientID) + "/remove"),
		Button:       "Remove access", Cancel: cancel,
	})
}

func (c *Console) removePost(w http.ResponseWriter, r *http.Request) {
	acct, b, ok := c.session(w, r, "Remove access", "connected")
	if !ok {
		return
	}
	if _, ok := c.readForm(w, r, b); !ok {
		return
	}
	accountID := r.PathValue("account")
	if err := c.RemoveAccess(r.Context(), acct, accountID, r.PathValue("client")); err != nil {
		c.fail(w, r, b, err)
		return
	}
	if accountID != acct.ID {
		c.seeOther(w, r, "/organization?notice=removed")
		return
	}
	c.seeOther(w, r, "/connected?notice=removed")
}
