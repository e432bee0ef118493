package clientmeta_test

import (
	"errors"
	"testing"

	"github.com/oauthkit/oauthkit/flows/internal/clientmeta"
	"github.com/oauthkit/oauthkit/redirecturi"
)

func TestMatchRedirect(t *testing.T) {
	d := clientmeta.Document{RedirectURIs: []string{
		"https://app.example.com/cb",
		"http://127.0.0.1/native",
		"http://[::1]:8080/v6",
		"http://localhost:3000/callback",
		"com.example.app:/oauth2redirect",
	}}
	for uri, want := range map[string]error{
		"https://app.example.com/cb":      nil,
		"http://127.0.0.1/native":         nil,
		"http://127.0.0.1:53117/native":   nil, // RFC 8252 section 7.3: any port
		"http://[::1]/v6":                 nil,
		"http://[::1]:9/v6":               nil,
		"http://localhost:3000/callback":  nil,
		"com.example.app:/oauth2redirect": nil,

		"https://app.example.com/cb/x":      redirecturi.ErrNotRegistered, // no path prefix matching
		"https://app.example.com:443/cb":    redirecturi.ErrNotRegistered,
		"https://APP.example.com/cb":        redirecturi.ErrNotRegistered, // string comparison
		"http://127.0.0.1:53117/native/x":   redirecturi.ErrNotRegistered,
		"https://127.0.0.1:53117/native":    redirecturi.ErrNotRegistered,
		"HTTP://127.0.0.1:53117/native":     redirecturi.ErrNotRegistered,
		"http://localhost:3001/callback":    redirecturi.ErrNotRegistered, // localhost: exact port
		"http://127.0.0.2:53117/native":     redirecturi.ErrNotRegistered,
		"com.example.app:/oauth2redirect/x": redirecturi.ErrNotRegistered,
		"https://app.example.com/cb#x":      redirecturi.ErrInvalid,
		"https://app.example.com/cb?x=1":    redirecturi.ErrInvalid,
		"http://127.0.0.1:53117/native?x":   redirecturi.ErrInvalid,
		"":                                  redirecturi.ErrInvalid,
	} {
		err := d.MatchRedirect(uri)
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("MatchRedirect(%q) = %v, want %v", uri, err, want)
		}
	}
}
