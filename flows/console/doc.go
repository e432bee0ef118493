// Package console is the developer console of an authorization server (package flows):
// pages where people register and manage their apps, make personal access tokens, and see
// and remove the apps they have given access to, and the same operations as Go methods for
// an application with an admin UI of its own.
//
//	con, err := console.New(console.Config{Server: srv, Storage: st, SignOutPath: "/logout"})
//	mux.Handle("/", srv.Handler())
//	mux.Handle("/console/", con.Handler())
//
// The pages sign people in through the server's Authenticator: the built-in sign-in of
// package signin, or the application's own (an Authenticator over its sessions); a person
// who is not signed in is sent there and back. Storage is the server's storage when it is a
// complete backend (memstore, sqlstore): the console needs, besides clients, accounts and
// grants, the optional directories of package store that list them (see [Storage]).
//
// # What each account may do
//
// Everyone who may sign in (flows.Policy.SignInRoles) may register apps, which they then
// own (store.Client.OwnerID), make personal access tokens within their rights, and remove
// the access of the apps they have connected. An administrator (flows.Policy.AdminRole)
// also manages the apps private to the organization, registers private ones (an app
// private to the organization gets access without asking its accounts for consent, so
// only an administrator may make one), and sees and removes the connected apps of the
// organization's accounts. The methods check this themselves, whoever calls them:
// something an account may not see is [ErrNotFound], as if it did not exist.
//
// # Apps
//
// An app has a name, redirect URIs (checked by package redirecturi and stored normalised:
// scheme and host in lower case), scopes from the server's catalog, a kind (confidential,
// with a secret, or public) and options (private to the organization, the implicit grant).
// Its secret is made by the server (256 random bits, stored only as a keyed hash) and
// shown once, on the page after the registration. Rotating the secret shows the new one
// once; the previous one keeps working for Config.SecretOverlap (default: not at all),
// which the token endpoint honours. Deleting an app revokes every token issued to it, for
// every account, and its pending codes.
//
// # Personal access tokens and connected apps
//
// Personal access tokens are those of the server (flows.Server.CreatePersonalToken): a
// name, scopes fixed at creation, a year of life, shown once, used with HTTP Basic
// (the account ID and the token). The server does not record when a token was last used,
// so the list does not show it. A connected app is one the account has consented to, or
// holds live tokens of (a private app of the organization gets them without consent);
// "Remove access" forgets the consent, so the app must ask again, and revokes every token
// of that account and app, with the customer tokens minted with them.
//
// # Pages
//
// The pages are html/templates embedded in the package, plain HTML with inline CSS and no
// JavaScript, readable on a phone (390 px wide) and made to be used with a keyboard and a
// screen reader: labelled fields, landmarks, a skip link, errors beside the field they
// concern and summarised at the top. Every page sends the headers of
// flows.SetPageHeaders (a strict Content-Security-Policy without scripts, no framing, no
// caching, no referrer). Every form carries the server's CSRF token, and a form that
// succeeds answers 303 See Other. Destructive actions (deleting an app, rotating its
// secret, revoking a token, removing access) ask first, on a page of their own.
// Config.Templates replaces the pages: see templates/ for the data each receives.
package console
