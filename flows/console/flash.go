package console

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// A secret is shown once, on the page that a successful form redirects to (303), not in
// the form's answer itself and never in a URL: the form's handler keeps it in a cookie,
// sealed under the server's key for the account that made it, and the page opens and
// clears it. The cookie is HttpOnly, SameSite=Strict, lives five minutes at most, and is
// __Host- prefixed and Secure under an https issuer.
const (
	flashCookie       = "oauthkit_console_secret"
	secureFlashCookie = "__Host-oauthkit_console_secret"
	flashPurpose      = "oauthkit console secret\x00"
	flashLifetime     = 5 * time.Minute
)

// What a flash carries a secret of.
const (
	flashAppCreated   = "app-created"
	flashAppRotated   = "app-rotated"
	flashTokenCreated = "token-created"
)

// flash is the sealed content of the cookie.
type flash struct {
	Kind   string `json:"k"`
	ID     string `json:"i"`
	Secret string `json:"s"`
	// Expires bounds the flash even if the browser keeps the cookie longer.
	Expires int64 `json:"e"`
}

func (c *Console) flashCookie() string {
	if c.secure {
		return secureFlashCookie
	}
	return flashCookie
}

// setFlash keeps secret (of the app or token id) for the next page acct sees.
func (c *Console) setFlash(w http.ResponseWriter, acct store.Account, kind, id, secret string) {
	b, _ := json.Marshal(flash{Kind: kind, ID: id, Secret: secret, Expires: c.now().Add(flashLifetime).Unix()})
	sealed := c.hasher.Seal(flashPurpose+acct.ID, b)
	http.SetCookie(w, &http.Cookie{
		Name: c.flashCookie(), Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(flashLifetime / time.Second), HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
}

// takeFlash returns the flash that acct's last form left for the page showing kind id
// ("" matches any id), and clears it. A flash for another page stays until that page,
// or its expiry.
func (c *Console) takeFlash(w http.ResponseWriter, r *http.Request, acct store.Account, kind, id string) (flash, bool) {
	ck, err := r.Cookie(c.flashCookie())
	if err != nil || ck.Value == "" || len(ck.Value) > 4096 {
		return flash{}, false
	}
	var f flash
	sealed, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err == nil {
		var plain []byte
		if plain, err = c.hasher.Open(flashPurpose+acct.ID, sealed); err == nil {
			err = json.Unmarshal(plain, &f)
		}
	}
	valid := err == nil && c.now().Unix() < f.Expires
	if valid && (f.Kind != kind || (id != "" && f.ID != id)) {
		return flash{}, false // for another page
	}
	http.SetCookie(w, &http.Cookie{
		Name: c.flashCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
	return f, valid
}
