package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sessionCookie is the name of the application's sign-in cookie.
const sessionCookie = "notes_session"

// sessions is the application's own sign-in session: a cookie holding the user's id and an
// expiry, signed with HMAC-SHA256 under the application's key. Nothing is stored on the
// server, so signing out deletes the cookie of one browser; a real application that must
// end sessions from the server side keeps them in a table instead. oauthkit knows nothing
// of this cookie: it asks the Authenticator of oauth.go, which reads it.
type sessions struct {
	key    []byte
	ttl    time.Duration
	secure bool // the site is https: the cookie is Secure
}

// start signs userID in on w until now + ttl.
func (s sessions) start(w http.ResponseWriter, userID string, now time.Time) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(userID)) + "." + strconv.FormatInt(now.Add(s.ttl).Unix(), 10)
	s.set(w, payload+"."+s.sign(payload), int(s.ttl/time.Second))
}

// userID returns the id of the user signed in on r, if its cookie is genuine and not
// expired at now.
func (s sessions) userID(r *http.Request, now time.Time) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	i := strings.LastIndexByte(c.Value, '.')
	if i < 0 || !hmac.Equal([]byte(c.Value[i+1:]), []byte(s.sign(c.Value[:i]))) {
		return "", false
	}
	id64, exp, _ := strings.Cut(c.Value[:i], ".")
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() >= until {
		return "", false
	}
	id, err := base64.RawURLEncoding.DecodeString(id64)
	if err != nil || len(id) == 0 {
		return "", false
	}
	return string(id), true
}

// end signs the browser of w out.
func (s sessions) end(w http.ResponseWriter) { s.set(w, "", -1) }

func (s sessions) set(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s sessions) sign(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
