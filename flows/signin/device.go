package signin

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/store/credentials"
)

// Device cookies (OWASP's defence against account lockout): a browser in which an account
// signed in with its password carries a sealed cookie naming that login, and password
// sign-in for that login from that browser is exempt from the per-email slowdown
// (Limits.AccountFailures). An attacker slowing an account down from many addresses thus
// never slows its owner on their usual browser. A copied cookie helps a guesser little:
// the cookie's failures are counted like an address's (per cookie, from any address), and
// after Limits.Failures of them within the window it is ignored.
const (
	deviceCookieName       = "oauthkit_device"
	secureDeviceCookieName = "__Host-oauthkit_device"
	devicePurpose          = "device cookie\x00"
	deviceCookieLifetime   = 180 * 24 * time.Hour
)

func (b *server) deviceCookie() string {
	if b.secure {
		return secureDeviceCookieName
	}
	return deviceCookieName
}

// setDevice marks this browser as one where login signed in with its password.
func (a *Authenticator) setDevice(b *server, w http.ResponseWriter, login string) {
	payload := credentials.NewSecret("") + "\x00" + login
	sealed := b.cfg.Hasher.Seal(devicePurpose, []byte(payload))
	http.SetCookie(w, &http.Cookie{
		Name: b.deviceCookie(), Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(deviceCookieLifetime / time.Second), HttpOnly: true, Secure: b.secure, SameSite: http.SameSiteLaxMode,
	})
}

// device returns the throttle key of r's device cookie when it names login and has not
// failed too often; "" otherwise.
func (a *Authenticator) device(b *server, r *http.Request, login string, now time.Time) string {
	c, err := r.Cookie(b.deviceCookie())
	if err != nil || c.Value == "" || len(c.Value) > 1024 {
		return ""
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	payload, err := b.cfg.Hasher.Open(devicePurpose, sealed)
	if err != nil {
		return ""
	}
	nonce, named, ok := strings.Cut(string(payload), "\x00")
	if !ok || named != login {
		return ""
	}
	key := "device\x00" + nonce
	if blocked, _ := a.logins.Blocked(key, now); blocked {
		return ""
	}
	return key
}
