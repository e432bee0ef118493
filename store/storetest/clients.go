package storetest

import (
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

var clientTests = []test{
	{"PutAndGet", "Client returns the client PutClient stored.", clientPutAndGet},
	{"PutReplaces", "PutClient with an existing ID replaces that client.", clientPutReplaces},
	{"GetMissing", "Client of an unknown id returns ErrNotFound.", clientGetMissing},
	{"Delete", "DeleteClient removes the client, and only it.", clientDelete},
	{"DeleteMissing", "DeleteClient of an unknown id returns ErrNotFound.", clientDeleteMissing},
	{"NoAliasing", "Mutating the RedirectURIs or Scopes of a value passed to PutClient or returned " +
		"by Client does not change the stored client.", clientNoAliasing},
	{"Registration", "PutClient stores, and Client returns, what dynamic client registration keeps: " +
		"RegistrationHash, RegistrationMetadata byte for byte, UnusedLifetime and UsedAt; PutClient " +
		"replaces them, clearing them too.", clientRegistration},
	{"RegistrationNoAliasing", "Mutating the RegistrationMetadata of a value passed to PutClient or " +
		"returned by Client does not change the stored client.", clientRegistrationNoAliasing},
}

// newRegisteredClient returns a client as dynamic client registration makes one: public,
// with a registration access token's hash, its metadata and an unused lifetime.
func newRegisteredClient() store.Client {
	c := newClient("")
	c.Public, c.SecretHash = true, store.Hash{}
	c.RegistrationHash = newHash()
	c.RegistrationMetadata = []byte(`{"client_name":"Dyn \u00e9t\u00e9","redirect_uris":["http://127.0.0.1/cb"],"scope":"chats--all:ro"}`)
	c.UnusedLifetime = 30 * 24 * time.Hour
	return c
}

func clientRegistration(t *testing.T, s store.Parts) {
	ctx := t.Context()
	c := newRegisteredClient()
	c.UsedAt = base.Add(3 * time.Hour)
	must(t, "PutClient", s.PutClient(ctx, c))
	got, err := s.Client(ctx, c.ID)
	must(t, "Client", err)
	checkEqual(t, "Client", c, got)
	if string(got.RegistrationMetadata) != string(c.RegistrationMetadata) {
		t.Errorf("RegistrationMetadata = %q, want %q byte for byte", got.RegistrationMetadata, c.RegistrationMetadata)
	}
	if got.UnusedLifetime != c.UnusedLifetime {
		t.Errorf("UnusedLifetime = %v, want %v", got.UnusedLifetime, c.UnusedLifetime)
	}

	// A client that stops being a registered one.
	c.RegistrationHash, c.RegistrationMetadata, c.UnusedLifetime, c.UsedAt = store.Hash{}, nil, 0, time.Time{}
	must(t, "PutClient (clear)", s.PutClient(ctx, c))
	got, err = s.Client(ctx, c.ID)
	must(t, "Client", err)
	checkEqual(t, "Client after clearing its registration", c, got)
}

func clientRegistrationNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	in := newRegisteredClient()
	want := in
	want.RegistrationMetadata = append([]byte(nil), in.RegistrationMetadata...)
	want.RedirectURIs, want.Scopes = append([]string(nil), in.RedirectURIs...), append([]string(nil), in.Scopes...)
	must(t, "PutClient", s.PutClient(ctx, in))
	in.RegistrationMetadata[0] = 'X'
	got, err := s.Client(ctx, in.ID)
	must(t, "Client", err)
	checkEqual(t, "Client after mutating the value put", want, got)
	got.RegistrationMetadata[0] = 'Y'
	got, err = s.Client(ctx, in.ID)
	must(t, "Client", err)
	checkEqual(t, "Client after mutating a returned value", want, got)
}

func clientPutAndGet(t *testing.T, s store.Parts) {
	ctx := t.Context()
	o := putOrganization(t, s)
	private := newClient(o.ID)
	private.AllowImplicit = true
	public := newClient("")
	public.Public, public.SecretHash, public.RequirePKCE = true, store.Hash{}, false
	for _, c := range []store.Client{private, public} {
		must(t, "PutClient", s.PutClient(ctx, c))
	}
	for _, want := range []store.Client{private, public} {
		got, err := s.Client(ctx, want.ID)
		must(t, "Client", err)
		checkEqual(t, "Client", want, got)
	}
}

func clientPutReplaces(t *testing.T, s store.Parts) {
	ctx := t.Context()
	c := putClient(t, s)
	c.Name = "Renamed app"
	c.SecretHash = newHash()
	c.RedirectURIs = []string{"https://new.example.com/cb"}
	c.Scopes = []string{"chats--all:ro"}
	c.UpdatedAt = base.Add(2 * time.Hour)
	must(t, "PutClient (replace)", s.PutClient(ctx, c))
	got, err := s.Client(ctx, c.ID)
	must(t, "Client", err)
	checkEqual(t, "Client", c, got)
}

func clientGetMissing(t *testing.T, s store.Parts) {
	putClient(t, s)
	_, err := s.Client(t.Context(), newID())
	wantErr(t, "Client(unknown)", err, store.ErrNotFound)
}

func clientDelete(t *testing.T, s store.Parts) {
	ctx := t.Context()
	c := putClient(t, s)
	other := putClient(t, s)
	must(t, "DeleteClient", s.DeleteClient(ctx, c.ID))
	_, err := s.Client(ctx, c.ID)
	wantErr(t, "Client(deleted)", err, store.ErrNotFound)
	got, err := s.Client(ctx, other.ID)
	must(t, "Client(other)", err)
	checkEqual(t, "other Client", other, got)
	wantErr(t, "DeleteClient(already deleted)", s.DeleteClient(ctx, c.ID), store.ErrNotFound)
}

func clientDeleteMissing(t *testing.T, s store.Parts) {
	putClient(t, s)
	wantErr(t, "DeleteClient(unknown)", s.DeleteClient(t.Context(), newID()), store.ErrNotFound)
}

func clientNoAliasing(t *testing.T, s store.Parts) {
	ctx := t.Context()
	in := newClient("")
	want := newClient("")
	want.ID, want.SecretHash = in.ID, in.SecretHash
	must(t, "PutClient", s.PutClient(ctx, in))
	in.RedirectURIs[0] = "https://evil.example/mutated-after-put"
	in.Scopes[0] = "mutated-after-put"

	got, err := s.Client(ctx, in.ID)
	must(t, "Client", err)
	checkEqual(t, "Client after mutating the value put", want, got)
	got.RedirectURIs[0] = "https://evil.example/mutated-after-get"
	got.Scopes[0] = "mutated-after-get"

	got, err = s.Client(ctx, in.ID)
	must(t, "Client", err)
	checkEqual(t, "Client after mutating a returned value", want, got)
}
